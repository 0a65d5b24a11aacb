package hallproto

import (
	"strconv"
	"time"
)

// Appointment (预约) wire types: the booking API under /api/v1/appointments
// served by the controller's booking package (docs/booking.md). Status values
// of an appointment: "booked", "checked_in", "cancelled", "no_show".

// BookingRequest is the body of POST /api/v1/appointments.
type BookingRequest struct {
	RequestID string `json:"request_id"`
	Service   string `json:"service"`
	Date      string `json:"date"` // YYYY-MM-DD, hall time
	Slot      string `json:"slot"` // HH:MM, the slot's start
	IDCard    IDCard `json:"idcard"`
	Phone     string `json:"phone,omitempty"`
}

// Booking is one appointment as staff and citizens see it: personal data
// masked only.
type Booking struct {
	ID           string     `json:"id"`
	Service      string     `json:"service"`
	ServiceName  string     `json:"service_name"`
	Date         string     `json:"date"`
	Slot         string     `json:"slot"`
	SlotAt       time.Time  `json:"slot_at"`
	Status       string     `json:"status"`
	MaskedName   string     `json:"masked_name"`
	MaskedID     string     `json:"masked_id"`
	MaskedPhone  string     `json:"masked_phone,omitempty"`
	Source       string     `json:"source,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	CheckedInAt  *time.Time `json:"checked_in_at,omitempty"`
	TicketID     uint64     `json:"ticket_id,omitempty"`
	TicketNumber string     `json:"ticket_number,omitempty"`
	CancelledAt  *time.Time `json:"cancelled_at,omitempty"`
	Reason       string     `json:"reason,omitempty"` // cancel reason
}

// Slot is one bookable time of a service and day.
type Slot struct {
	Start    string    `json:"start"` // HH:MM
	End      string    `json:"end"`   // HH:MM
	At       time.Time `json:"at"`
	Capacity int       `json:"capacity"`
	Left     int       `json:"left"`
	// Open is false for a slot that can no longer be booked (past, or
	// outside the booking window); Left still says what is free.
	Open bool `json:"open"`
}

// Slots is the answer of GET /api/v1/appointments/slots?service&date.
type Slots struct {
	Service string `json:"service"`
	Date    string `json:"date"`
	Workday bool   `json:"workday"`
	// Bookable: the date lies in the booking window (MinDaysAhead to
	// MaxDaysAhead working days ahead).
	Bookable bool   `json:"bookable"`
	Slots    []Slot `json:"slots"`
}

// BookingRules is the answer of GET /api/v1/appointments/rules: the
// booking rules in force, and the days that can be booked now.
type BookingRules struct {
	SlotMinutes         int      `json:"slot_minutes"`
	CapacityPerSlot     int      `json:"capacity_per_slot"`
	MinDaysAhead        int      `json:"min_days_ahead"` // working days
	MaxDaysAhead        int      `json:"max_days_ahead"` // working days
	CancelBeforeMinutes int      `json:"cancel_before_minutes"`
	OnePerPersonPerDay  bool     `json:"one_per_person_per_day"`
	NoShowLimit         int      `json:"no_show_limit"`       // N no-shows ...
	NoShowWindowDays    int      `json:"no_show_window_days"` // ... within M days ...
	BlockDays           int      `json:"block_days"`          // ... block booking this long
	LapseMinutes        int      `json:"lapse_minutes"`       // later than this, a booking lapses
	EarlyMinutes        int      `json:"early_minutes"`       // check-in opens this early
	RetentionDays       int      `json:"retention_days"`
	Services            []string `json:"services"`
	BookableDates       []string `json:"bookable_dates"`
}

// CheckinRequest is the body of POST /api/v1/appointments/checkin: the kiosk
// read an ID card; the answer is the issued Ticket (201).
type CheckinRequest struct {
	RequestID string `json:"request_id"`
	IDCard    IDCard `json:"idcard"`
}

// BookingAction is the body of POST /api/v1/appointments/{id}/cancel and
// /no-show.
type BookingAction struct {
	RequestID string `json:"request_id,omitempty"`
	Reason    string `json:"reason,omitempty"`
}

// CitizenLink is the answer of GET /api/v1/citizen/links/{ticket}: the
// ticket's status page for phones, to print as a QR code.
type CitizenLink struct {
	Path string `json:"path"`          // /m/t/{id}?k={check}
	URL  string `json:"url,omitempty"` // the hall's public_url + Path, when configured
}

// CitizenTicketPath is the path of a ticket's status page for phones. check
// is a keyed MAC of the id that only the controller can compute, so a kiosk
// asks GET /api/v1/citizen/links/{ticket} for it; the path is stable for
// the life of the controller's database.
func CitizenTicketPath(ticket uint64, check string) string {
	return "/m/t/" + strconv.FormatUint(ticket, 10) + "?k=" + check
}
