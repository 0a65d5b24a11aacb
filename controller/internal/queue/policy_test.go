package queue

import (
	"testing"
	"time"
)

// callOrder issues tickets at the given offsets and calls them all at window
// "1" at time `at`, finishing each, returning the numbers in call order.
func callOrder(t *testing.T, h *Hall, at time.Time) []string {
	t.Helper()
	var out []string
	for i := 0; i < 50; i++ {
		tk, err := h.Call(at, "1", CallArgs{})
		if err != nil {
			t.Fatal(err)
		}
		if tk == nil {
			return out
		}
		out = append(out, tk.Number+":"+tk.Channel.String())
		if _, err := h.Finish(at, "1", "", ""); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func eq(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestCompositeOrder(t *testing.T) {
	green := Green
	cases := []struct {
		name  string
		setup func(h *Hall)
		at    time.Time
		want  []string
	}{
		{"green first, by arrival", func(h *Hall) {
			h.Issue(t0, IssueArgs{Service: "social"})
			h.Issue(t0.Add(time.Minute), IssueArgs{Service: "social", Channel: &green, ByStaff: true})
			h.Issue(t0.Add(90*time.Second), IssueArgs{Service: "social", Category: "pregnant"})
		}, t0.Add(3 * time.Minute), []string{"A002:green", "A003:love", "A001:normal"}},
		{"love by weight x wait, cap of 2 consecutive", func(h *Hall) {
			h.Issue(t0, IssueArgs{Service: "social"}) // normal, waits 10 min
			for i := 1; i <= 4; i++ {
				h.Issue(t0.Add(time.Duration(5+i)*time.Second), IssueArgs{Service: "social", Category: "sick"}) // ~10 min x3
			}
		}, t0.Add(10 * time.Minute), []string{"A002:love", "A003:love", "A001:normal", "A004:love", "A005:love"}},
		{"normal wins when it waited over 3x longer", func(h *Hall) {
			h.Issue(t0, IssueArgs{Service: "social"})
			h.Issue(t0.Add(8*time.Minute), IssueArgs{Service: "social", Category: "sick"})
		}, t0.Add(10 * time.Minute), []string{"A001:normal", "A002:love"}},
		{"wait guard beats love", func(h *Hall) {
			h.Issue(t0, IssueArgs{Service: "social"})
			h.Issue(t0.Add(15*time.Minute), IssueArgs{Service: "social", Category: "sick"})
		}, t0.Add(26 * time.Minute), []string{"A001:normal", "A002:love"}},
		{"appointment only once its time has come", func(h *Hall) {
			h.Issue(t0, IssueArgs{Service: "social", AppointmentID: "b1", AppointmentAt: t0.Add(30 * time.Minute)})
			h.Issue(t0.Add(time.Minute), IssueArgs{Service: "social"})
		}, t0.Add(5 * time.Minute), []string{"A002:normal"}},
		{"due appointment before love and normal", func(h *Hall) {
			h.Issue(t0, IssueArgs{Service: "social"})
			h.Issue(t0, IssueArgs{Service: "social", Category: "sick"})
			h.Issue(t0.Add(time.Minute), IssueArgs{Service: "social", AppointmentID: "b1", AppointmentAt: t0.Add(2 * time.Minute)})
		}, t0.Add(5 * time.Minute), []string{"A003:appointment", "A002:love", "A001:normal"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHall(t)
			c.setup(h)
			if got := callOrder(t, h, c.at); !eq(got, c.want) {
				t.Fatalf("order %v, want %v", got, c.want)
			}
		})
	}
}

func TestEarlyAppointmentServedWhenIdle(t *testing.T) {
	cfg := testConfig()
	cfg.Policy.EarlyAppointmentsOK = true
	h, _ := New(cfg, []byte("k"))
	h.Login(t0, "1", "S")
	h.Issue(t0, IssueArgs{Service: "social", AppointmentID: "b1", AppointmentAt: t0.Add(30 * time.Minute)})
	if got := callOrder(t, h, t0.Add(time.Minute)); !eq(got, []string{"A001:appointment"}) {
		t.Fatalf("idle window did not serve the early appointment: %v", got)
	}
}
