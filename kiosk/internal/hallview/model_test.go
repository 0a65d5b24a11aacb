package hallview

import (
	"errors"
	"testing"
	"time"

	"hallq/controller/hallproto"
)

var t0 = time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)

func demoSnapshot() *Snapshot {
	return &Snapshot{Seq: 10,
		Hall:     &hallproto.HallInfo{Name: "示范县政务服务中心", Notices: []string{"今日不动产登记窗口 12:00-13:00 暂停", " "}},
		Services: []hallproto.Service{{ID: "social", Name: "社保医保", Prefix: "A"}, {ID: "tax", Name: "税务办理", Prefix: "D"}},
		Windows: []hallproto.Window{{ID: "1", Name: "1号窗口", Staff: "S1", Status: hallproto.WindowIdle},
			{ID: "3", Name: "3号窗口", Staff: "S3", Status: hallproto.WindowIdle}},
		Queues: hallproto.Queues{Services: []hallproto.QueueStatus{
			{Service: "social", Waiting: map[hallproto.Channel]int{hallproto.Normal: 2}, Total: 2},
			{Service: "tax", Waiting: map[hallproto.Channel]int{}, Total: 0}}},
	}
}

func ev(seq uint64, typ hallproto.EventType, id uint64, num, svc, win string, at time.Time) *hallproto.Event {
	return &hallproto.Event{Seq: seq, Type: typ, At: at, Window: win,
		Ticket: &hallproto.EventTicket{ID: id, Number: num, Service: svc, Channel: hallproto.Normal}}
}

func waiting(v View, svc string) int {
	for _, q := range v.Queues {
		if q.Service == svc {
			return q.Waiting
		}
	}
	return -1
}

func TestModel(t *testing.T) {
	m := New(&Opts{MaxCalls: 3, Highlight: 8 * time.Second})
	if _, err := m.Apply(ev(11, hallproto.EvIssued, 5, "A005", "social", "", t0), t0); !errors.Is(err, ErrNotLoaded) {
		t.Fatalf("apply before load: %v", err)
	}
	m.Load(demoSnapshot(), t0)
	steps := []struct {
		e        *hallproto.Event
		now      time.Time
		announce string // ticket announced, "" none
		calls    []string
		lit      []bool
		social   int
	}{
		{ev(11, hallproto.EvIssued, 5, "A005", "social", "", t0), t0, "", nil, nil, 3},
		{ev(12, hallproto.EvCalled, 3, "A003", "social", "1", t0), t0, "A003", []string{"A003"}, []bool{true}, 2},
		{ev(13, hallproto.EvCalled, 4, "A004", "social", "3", t0.Add(time.Second)), t0.Add(time.Second), "A004",
			[]string{"A004", "A003"}, []bool{true, true}, 1},
		// Recall of A003 ten seconds later: back on top, lit again.
		{ev(14, hallproto.EvRecalled, 3, "A003", "social", "1", t0.Add(10*time.Second)), t0.Add(10 * time.Second), "A003",
			[]string{"A003", "A004"}, []bool{true, false}, 1},
		// A replay of an old event changes nothing.
		{ev(12, hallproto.EvCalled, 3, "A003", "social", "1", t0), t0.Add(11 * time.Second), "",
			[]string{"A003", "A004"}, []bool{true, false}, 1},
		// A call that reaches the display late (catch-up) is listed, not lit or said.
		{ev(15, hallproto.EvCalled, 5, "A005", "social", "3", t0.Add(12*time.Second)), t0.Add(40 * time.Second), "",
			[]string{"A005", "A003", "A004"}, []bool{false, false, false}, 0},
		{ev(16, hallproto.EvFinished, 3, "A003", "social", "1", t0.Add(41*time.Second)), t0.Add(41 * time.Second), "",
			[]string{"A005", "A003", "A004"}, []bool{false, false, false}, 0},
	}
	for i, s := range steps {
		ch, err := m.Apply(s.e, s.now)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		got := ""
		if ch.Announce != nil {
			got = ch.Announce.Number
		}
		if got != s.announce {
			t.Errorf("step %d: announced %q, want %q", i, got, s.announce)
		}
		v := m.View(s.now)
		if len(v.Calls) != len(s.calls) {
			t.Fatalf("step %d: calls %+v, want %v", i, v.Calls, s.calls)
		}
		for j, c := range v.Calls {
			if c.Number != s.calls[j] || c.Highlight != s.lit[j] {
				t.Errorf("step %d call %d: %s lit %v, want %s lit %v", i, j, c.Number, c.Highlight, s.calls[j], s.lit[j])
			}
		}
		if w := waiting(v, "social"); w != s.social {
			t.Errorf("step %d: social waiting %d, want %d", i, w, s.social)
		}
	}
	v := m.View(t0.Add(time.Minute))
	if v.HallName != "示范县政务服务中心" || len(v.Notices) != 1 {
		t.Errorf("hall %q notices %q", v.HallName, v.Notices)
	}
	if v.Windows[0].Status != hallproto.WindowIdle || v.Windows[1].Current != "A005" || v.Windows[1].Status != hallproto.WindowCalling {
		t.Errorf("windows %+v", v.Windows)
	}
	// A gap leaves the model as it was and asks for a snapshot.
	if _, err := m.Apply(ev(18, hallproto.EvIssued, 6, "A006", "social", "", t0), t0); !errors.Is(err, ErrGap) {
		t.Fatalf("gap: %v", err)
	}
	if m.Seq() != 16 {
		t.Errorf("seq after gap %d", m.Seq())
	}
	// Reload keeps the calls history.
	s := demoSnapshot()
	s.Seq, s.Hall = 30, nil
	m.Load(s, t0.Add(time.Minute))
	if v := m.View(t0.Add(time.Minute)); len(v.Calls) != 3 || v.HallName == "" || waiting(v, "social") != 2 {
		t.Errorf("after reload: %+v", v)
	}
	// A day roll and a config change need a snapshot.
	for i, typ := range []hallproto.EventType{hallproto.EvDayRolled, hallproto.EvConfigChanged} {
		m.Load(s, t0.Add(time.Minute))
		ch, err := m.Apply(&hallproto.Event{Seq: 31, Type: typ, At: t0}, t0)
		if err != nil || !ch.Stale || !m.Stale() {
			t.Errorf("%d %s: %+v %v", i, typ, ch, err)
		}
	}
}

// TestSnapshotCalls: a display that starts in the middle of the day lists
// the windows' current tickets, newest call first, unlit.
func TestSnapshotCalls(t *testing.T) {
	s := demoSnapshot()
	at1, at2 := t0, t0.Add(time.Minute)
	s.Windows[0].Current = &hallproto.Ticket{ID: 1, Number: "A001", Service: "social", Status: hallproto.Called, CalledAt: &at1, Window: "1"}
	s.Windows[1].Current = &hallproto.Ticket{ID: 2, Number: "A002", Service: "social", Status: hallproto.Serving, CalledAt: &at2,
		StartedAt: &at2, Window: "3"}
	m := New(nil)
	m.Load(s, t0.Add(time.Minute))
	v := m.View(at2)
	if len(v.Calls) != 2 || v.Calls[0].Number != "A002" || v.Calls[0].Highlight || v.Calls[1].WindowName != "1号窗口" {
		t.Errorf("calls %+v", v.Calls)
	}
	if v.Windows[1].Status != hallproto.WindowServing {
		t.Errorf("window 3: %+v", v.Windows[1])
	}
	// Window 1 called A001 again (a recall) and window 3 moved on to A009
	// while the display was reloading: both are announced once.
	s2 := demoSnapshot()
	s2.Seq = 20
	at3 := at2.Add(30 * time.Second)
	s2.Windows[0].Current = &hallproto.Ticket{ID: 1, Number: "A001", Service: "social", Status: hallproto.Called, CalledAt: &at1, Window: "1", Calls: 2}
	s2.Windows[1].Current = &hallproto.Ticket{ID: 9, Number: "A009", Service: "social", Status: hallproto.Called, CalledAt: &at3, Window: "3", Calls: 1}
	fresh := m.Load(s2, at3.Add(2*time.Second))
	if len(fresh) != 1 || fresh[0].Number != "A009" {
		t.Errorf("fresh after reload: %+v (A001's first call is too old to be lit)", fresh)
	}
	v = m.View(at3.Add(3 * time.Second))
	if len(v.Calls) != 3 || v.Calls[0].Number != "A009" || !v.Calls[0].Highlight {
		t.Errorf("calls after reload: %+v", v.Calls)
	}
	if again := m.Load(s2, at3.Add(4*time.Second)); len(again) != 0 {
		t.Errorf("a second load announced %+v again", again)
	}
}
