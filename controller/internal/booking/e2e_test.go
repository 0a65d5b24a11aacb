package booking_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"hallq/controller/controllertest"
	"hallq/controller/hallproto"
)

// TestControllerEndToEnd books, checks in, follows the ticket on the phone
// page and reports on a real controller with the demo hall.
func TestControllerEndToEnd(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	var mu sync.Mutex
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, cst)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	c := controllertest.Start(t, &controllertest.Options{Clock: clock})
	call := func(method, path string, in any, out any) (int, string) {
		t.Helper()
		var body io.Reader
		if in != nil {
			b, _ := json.Marshal(in)
			body = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, c.URL+path, body)
		req.Header.Set("Authorization", "Bearer "+c.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if out != nil && resp.StatusCode < 300 {
			if err := json.Unmarshal(b, out); err != nil {
				t.Fatalf("%s %s: %v: %s", method, path, err, b)
			}
		}
		return resp.StatusCode, string(b)
	}
	var bk hallproto.Booking
	st, body := call("POST", "/api/v1/appointments", hallproto.BookingRequest{RequestID: "e2e-1", Service: "social",
		Date: "2026-11-24", Slot: "09:00", IDCard: hallproto.IDCard{Number: "110101199003074514", Name: "张三"}}, &bk)
	if st != 201 || bk.MaskedID != "1101**********4514" {
		t.Fatalf("book: %d %s", st, body)
	}
	var slots hallproto.Slots
	if st, body := call("GET", "/api/v1/appointments/slots?service=social&date=2026-11-24", nil, &slots); st != 200 || slots.Slots[0].Left != 3 {
		t.Fatalf("slots: %d %s", st, body)
	}
	mu.Lock()
	now = time.Date(2026, 11, 24, 8, 45, 0, 0, cst)
	mu.Unlock()
	var tk hallproto.Ticket
	st, body = call("POST", "/api/v1/appointments/checkin", hallproto.CheckinRequest{RequestID: "e2e-2",
		IDCard: hallproto.IDCard{Number: "110101199003074514", Name: "张三"}}, &tk)
	if st != 201 || tk.Channel != hallproto.Appointment || tk.AppointmentID != bk.ID {
		t.Fatalf("check-in: %d %s", st, body)
	}
	var link hallproto.CitizenLink
	if st, body := call("GET", "/api/v1/citizen/links/"+itoa(tk.ID), nil, &link); st != 200 || link.Path == "" {
		t.Fatalf("link: %d %s", st, body)
	}
	resp, err := http.Get(c.URL + link.Path) // no token: the phone page is public
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), tk.Number) || strings.Contains(string(page), "张") {
		t.Fatalf("phone page: %d %s", resp.StatusCode, page)
	}
	var rep hallproto.Report
	if st, body := call("GET", "/api/v1/reports?period=day&from=2026-11-24&by=service", nil, &rep); st != 200 || rep.Total.Issued != 1 {
		t.Fatalf("report: %d %s", st, body)
	}
	var list []hallproto.Booking
	if st, body := call("GET", "/api/v1/appointments?date=2026-11-24&status=checked_in", nil, &list); st != 200 || len(list) != 1 || list[0].TicketNumber != tk.Number {
		t.Fatalf("list: %d %s", st, body)
	}
}

func itoa(v uint64) string { b, _ := json.Marshal(v); return string(b) }
