package hallproto

import (
	"reflect"
	"testing"
)

// The booking, citizen and report types join the drift tests of
// openapi_test.go; their samples live in testdata/booking/.
func init() {
	for _, t := range []reflect.Type{reflect.TypeFor[BookingRequest](), reflect.TypeFor[Booking](),
		reflect.TypeFor[Slot](), reflect.TypeFor[Slots](), reflect.TypeFor[BookingRules](),
		reflect.TypeFor[CheckinRequest](), reflect.TypeFor[BookingAction](), reflect.TypeFor[CitizenLink](),
		reflect.TypeFor[Report](), reflect.TypeFor[ReportRow]()} {
		wireTypes[t.Name()] = t
	}
}

func bookingGoldens() []golden {
	row := ReportRow{Key: "social", Name: "社保医保", Issued: 412, Called: 405, Served: 398, NoShows: 7, Cancelled: 2,
		WaitMean: 742, WaitP90: 1610, WaitMax: 2890, Within30: 0.9654, ServiceMean: 431, ServiceP90: 720, ServiceMax: 1820,
		ServingSeconds: 171538, LoggedInSeconds: 244800, Utilisation: 0.7007, Ratings: [6]int{0, 1, 2, 10, 40, 120},
		RatingCount: 173, Satisfaction: 0.9827}
	return []golden{
		{"booking_request", &BookingRequest{RequestID: "m-9f2c1e", Service: "social", Date: "2026-11-24", Slot: "09:30",
			IDCard: IDCard{Number: "110101199003074514", Name: "张三"}, Phone: "13812345678"}},
		{"booking", &Booking{ID: "20261124-K7M2Q9XA", Service: "social", ServiceName: "社保医保", Date: "2026-11-24",
			Slot: "09:30", SlotAt: at(9, 30, 0).AddDate(0, 0, 3), Status: "checked_in", MaskedName: "张*",
			MaskedID: "1101**********4514", MaskedPhone: "138****5678", Source: "citizen-web", CreatedAt: at(20, 15, 2),
			CheckedInAt: atp(9, 5, 12), TicketID: 42, TicketNumber: "A042"}},
		{"slots", &Slots{Service: "social", Date: "2026-11-24", Workday: true, Bookable: true, Slots: []Slot{
			{Start: "09:00", End: "09:30", At: at(9, 0, 0), Capacity: 4, Left: 0, Open: false},
			{Start: "09:30", End: "10:00", At: at(9, 30, 0), Capacity: 4, Left: 3, Open: true}}}},
		{"booking_rules", &BookingRules{SlotMinutes: 30, CapacityPerSlot: 4, MinDaysAhead: 1, MaxDaysAhead: 5,
			CancelBeforeMinutes: 120, OnePerPersonPerDay: true, NoShowLimit: 3, NoShowWindowDays: 30, BlockDays: 30,
			LapseMinutes: 30, EarlyMinutes: 60, RetentionDays: 90, Services: []string{"social", "tax"},
			BookableDates: []string{"2026-11-23", "2026-11-24"}}},
		{"checkin_request", &CheckinRequest{RequestID: "kiosk-01-000123", IDCard: IDCard{Number: "110101199003074514", Name: "张三", BirthDate: "1990-03-07"}}},
		{"booking_action", &BookingAction{RequestID: "console-77", Reason: "群众来电取消"}},
		{"citizen_link", &CitizenLink{Path: CitizenTicketPath(42, "q1w2e3r4t5y6u7i8"), URL: "https://zwfw.example.gov.cn/m/t/42?k=q1w2e3r4t5y6u7i8"}},
		{"report", &Report{Period: "month", By: "service", From: "2026-11-01", Until: "2026-11-30", GeneratedAt: at(17, 30, 0),
			Rows: []ReportRow{row}, Total: row, Days: []ReportRow{}, RatingsKnown: true}},
	}
}

// TestGoldenBooking pins the bytes of the booking and report types; refresh
// with -update.
func TestGoldenBooking(t *testing.T) { checkGoldens(t, "booking", bookingGoldens()) }

func TestCitizenTicketPath(t *testing.T) {
	if got := CitizenTicketPath(12, "abc"); got != "/m/t/12?k=abc" {
		t.Fatalf("path %q", got)
	}
}
