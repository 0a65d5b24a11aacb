package flow

import (
	"runtime"
	"testing"
	"time"

	"hallq/controller/hallproto"
)

// runSession runs one elderly citizen's journey from card to attract and
// returns the time after it.
func runSession(tb testing.TB, m *Machine, now time.Time, id uint64) time.Time {
	do := func(ev Event) []Effect { return m.Handle(now, ev) }
	effs := do(CardPlaced{Card: elderly})
	var req string
	for _, e := range effs {
		if c, ok := e.(CheckInAppointment); ok {
			req = c.RequestID
		}
	}
	do(CheckInFailed{RequestID: req, Code: "no_appointment"})
	do(ChooseGroup{ID: "police"})
	do(ChooseService{ID: "hukou"})
	do(ChooseChannel{Index: 0})
	effs = do(Confirm{})
	if len(effs) != 1 {
		tb.Fatalf("confirm: %#v", effs)
	}
	it := effs[0].(IssueTicket)
	tk := ticketA(hallproto.Love)
	tk.ID = id
	effs = do(IssueSucceeded{RequestID: it.RequestID, Ticket: tk})
	do(PrintDone{Job: effs[0].(Print).Job})
	now = now.Add(20 * time.Second)
	if effs := m.Handle(now, Tick{}); len(effs) != 2 {
		tb.Fatalf("session end: %#v", effs)
	}
	return now
}

// BenchmarkSession measures one whole journey (11 events) through the
// machine: the flow's share of the kiosk's swipe-to-ticket time.
func BenchmarkSession(b *testing.B) {
	m := New(testConfig())
	now := t0
	m.Handle(now, ServicesUpdated{Services: testServices()})
	m.Handle(now, PrinterStatus{State: PrinterOK})
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		now = runSession(b, m, now, uint64(i))
		if i%1000 == 999 {
			now = t0 // stay inside the issue hours
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/session")
}

// TestNoGrowth runs 3,000 sessions and checks that the machine's heap does
// not grow with them: nothing per session survives its end.
func TestNoGrowth(t *testing.T) {
	m := New(testConfig())
	now := t0
	m.Handle(now, ServicesUpdated{Services: testServices()})
	m.Handle(now, PrinterStatus{State: PrinterOK})
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	var base uint64
	for i := 0; i < 3000; i++ {
		if i%500 == 0 {
			now = t0
		}
		now = runSession(t, m, now, uint64(i))
		if i == 999 {
			base = heap()
		}
	}
	// 128 KiB of slack for the runtime's own noise; a leak of even one
	// small struct per session (100 bytes) would show as 200 KB.
	if grown := int64(heap()) - int64(base); grown > 128<<10 {
		t.Fatalf("heap grew by %d bytes over 2,000 sessions", grown)
	}
	if len(m.blocked) > len(testServices()) || len(m.waiting) > len(testServices()) {
		t.Fatalf("ambient maps grew: %d %d", len(m.blocked), len(m.waiting))
	}
	assertNoPersonalData(t, m, elderly.Number, elderly.Name)
}
