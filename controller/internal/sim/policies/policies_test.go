package policies

import (
	"slices"
	"testing"
	"time"

	"hallq/controller/internal/queue"
)

var t0 = time.Date(2026, 3, 16, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))

// view is a hand-made hall: lines per service and channel, kept in line
// order as the hall keeps them.
type view struct {
	lines map[string]map[queue.Channel][]*queue.Ticket
	fw    map[string][]*queue.Ticket
	hc    int
}

func (v *view) Line(s string, ch queue.Channel) []*queue.Ticket { return v.lines[s][ch] }
func (v *view) ForWindow(w string) []*queue.Ticket              { return v.fw[w] }
func (v *view) HallConsecutive() int                            { return v.hc }

// tk is a ticket that joined the line `ago` minutes before t0 (negative:
// an appointment booked in the future).
type tk struct {
	id  uint64
	svc string
	ch  queue.Channel
	ago float64
}

func build(ts ...tk) *view {
	v := &view{lines: map[string]map[queue.Channel][]*queue.Ticket{}, fw: map[string][]*queue.Ticket{}}
	for _, x := range ts {
		since := t0.Add(-time.Duration(x.ago * float64(time.Minute)))
		t := &queue.Ticket{ID: x.id, Service: x.svc, Num: int(x.id), Channel: x.ch, Status: queue.Waiting,
			Since: since, ArrivedAt: since, IssuedAt: since}
		if x.ch == queue.Appointment {
			t.AppointmentAt = since
		}
		if v.lines[x.svc] == nil {
			v.lines[x.svc] = map[queue.Channel][]*queue.Ticket{}
		}
		l := append(v.lines[x.svc][x.ch], t)
		slices.SortStableFunc(l, func(a, b *queue.Ticket) int { return a.Since.Compare(b.Since) })
		v.lines[x.svc][x.ch] = l
	}
	return v
}

const (
	N = queue.Normal
	A = queue.Appointment
	L = queue.Love
	G = queue.Green
)

func win(consecutive int, services ...string) *queue.Window {
	return &queue.Window{ID: "W1", Services: services, Consecutive: consecutive, CalledFrom: map[string]int{}}
}

type orderCase struct {
	name    string
	tickets []tk
	w       *queue.Window
	want    uint64 // 0: nothing
}

func runCases(t *testing.T, newP func() queue.Policy, cases []orderCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := build(c.tickets...)
			got := newP().Pick(v, c.w, c.w.Services, t0)
			var id uint64
			if got != nil {
				id = got.ID
			}
			if id != c.want {
				t.Errorf("picked ticket %d, want %d", id, c.want)
			}
		})
	}
}

func TestFIFO(t *testing.T) {
	runCases(t, func() queue.Policy { return FIFO{} }, []orderCase{
		{"empty", nil, win(0, "a"), 0},
		{"oldest across channels", []tk{{1, "a", L, 5}, {2, "a", N, 9}, {3, "a", G, 2}}, win(0, "a"), 2},
		{"oldest across services", []tk{{1, "a", N, 5}, {2, "b", N, 7}}, win(0, "a", "b"), 2},
		{"not a service of the window", []tk{{1, "a", N, 5}, {2, "c", N, 70}}, win(0, "a", "b"), 1},
		{"future appointment waits", []tk{{1, "a", A, -10}}, win(0, "a"), 0},
		{"due appointment by booked time", []tk{{1, "a", A, 12}, {2, "a", N, 8}}, win(0, "a"), 1},
		{"tie: profile order", []tk{{1, "b", N, 5}, {2, "a", N, 5}}, win(0, "a", "b"), 2},
	})
}

func TestFIFOTransferredFirst(t *testing.T) {
	v := build(tk{1, "a", N, 50})
	tr := &queue.Ticket{ID: 9, Service: "a", Channel: N, Since: t0, ForWindow: "W1"}
	v.fw["W1"] = []*queue.Ticket{tr}
	for _, f := range All() {
		if got := f.New(queue.Config{Policy: queue.PolicyConfig{GuardMinutes: 25, LoveWeight: 3, NormalWeight: 1, MaxConsecutive: 2, ConsecutiveScope: "window"}}).Pick(v, win(0, "a"), []string{"a"}, t0); got != tr {
			t.Errorf("%s: did not call the ticket transferred to the window first", f.Name)
		}
	}
}

func TestStrict(t *testing.T) {
	runCases(t, func() queue.Policy { return Strict{} }, []orderCase{
		{"green before older love", []tk{{1, "a", L, 30}, {2, "a", G, 1}}, win(0, "a"), 2},
		{"love before much older normal", []tk{{1, "a", N, 90}, {2, "a", L, 1}}, win(0, "a"), 2},
		{"due appointment before normal", []tk{{1, "a", N, 90}, {2, "a", A, 0}}, win(0, "a"), 2},
		{"love before due appointment", []tk{{1, "a", A, 20}, {2, "a", L, 1}}, win(0, "a"), 2},
		{"future appointment after normal", []tk{{1, "a", A, -5}, {2, "a", N, 1}}, win(0, "a"), 2},
		{"within class by arrival across services", []tk{{1, "a", L, 3}, {2, "b", L, 4}}, win(0, "a", "b"), 2},
		{"consecutive count ignored", []tk{{1, "a", N, 90}, {2, "a", L, 1}}, win(9, "a"), 2},
	})
}

func TestSwap(t *testing.T) {
	runCases(t, func() queue.Policy { return &Swap{N: 3} }, []orderCase{
		{"strict below N", []tk{{1, "a", N, 20}, {2, "a", L, 1}}, win(2, "a"), 2},
		{"arrival order at N", []tk{{1, "a", N, 20}, {2, "a", L, 1}}, win(3, "a"), 1},
		{"arrival order may still pick priority", []tk{{1, "a", N, 20}, {2, "a", L, 25}}, win(3, "a"), 2},
	})
}

func TestAccumulating(t *testing.T) {
	runCases(t, func() queue.Policy { return &Accumulating{K: 2} }, []orderCase{
		{"love 6 min (12) beats normal 10 min (10)", []tk{{1, "a", N, 10}, {2, "a", L, 6}}, win(0, "a"), 2},
		{"normal 10 min (10) beats love 4 min (8)", []tk{{1, "a", N, 10}, {2, "a", L, 4}}, win(0, "a"), 1},
		{"green 4 min (12) beats normal 11 min (11)", []tk{{1, "a", N, 11}, {2, "a", G, 4}}, win(0, "a"), 2},
		{"appointment counts from booked time", []tk{{1, "a", N, 9}, {2, "a", A, 5}}, win(0, "a"), 2},
		{"after K priority calls a normal goes", []tk{{1, "a", N, 2}, {2, "a", L, 30}}, win(2, "a"), 1},
		{"after K with no normal, priority goes", []tk{{2, "a", L, 30}}, win(2, "a"), 2},
	})
}

func TestLexicographic(t *testing.T) {
	cfg := queue.Config{Services: []queue.ServiceConfig{{ID: "a"}, {ID: "b"}, {ID: "c"}}}
	runCases(t, func() queue.Policy { return NewLexicographic(cfg) }, []orderCase{
		{"due appointment first", []tk{{1, "a", G, 9}, {2, "b", A, 1}}, win(0, "a", "b"), 2},
		{"earlier booked time first", []tk{{1, "a", A, 1}, {2, "b", A, 3}}, win(0, "a", "b"), 2},
		{"primary service before secondary priority", []tk{{1, "a", N, 1}, {2, "b", G, 30}}, win(0, "a", "b"), 1},
		{"priority within the secondary services", []tk{{1, "b", N, 30}, {2, "c", L, 1}}, win(0, "a", "b", "c"), 2},
		{"service weight among secondaries", []tk{{1, "c", N, 30}, {2, "b", N, 1}}, win(0, "a", "c", "b"), 2},
		{"arrival last", []tk{{1, "a", N, 3}, {2, "a", N, 5}}, win(0, "a"), 2},
		{"future appointment never before its time", []tk{{1, "a", A, -5}}, win(0, "a"), 0},
	})
}

func TestWorkProfileConditions(t *testing.T) {
	runCases(t, func() queue.Policy { return NewWorkProfile(nil) }, []orderCase{
		{"green at once", []tk{{1, "a", N, 20}, {2, "b", G, 0}}, win(0, "a", "b"), 2},
		{"due appointment at once", []tk{{1, "a", N, 20}, {2, "b", A, 0}}, win(0, "a", "b"), 2},
		{"love after 5 minutes", []tk{{1, "b", N, 20}, {2, "a", L, 6}}, win(0, "a", "b"), 2},
		{"love under 5 minutes waits its turn", []tk{{1, "a", N, 1}, {2, "b", L, 4}}, win(0, "a", "b"), 1},
		{"first service's quota before an older second", []tk{{1, "a", N, 1}, {2, "b", N, 20}}, win(0, "a", "b"), 1},
	})
}

func TestWorkProfileQuotas(t *testing.T) {
	p := NewWorkProfile(nil)
	w := win(0, "a", "b")
	v := build(tk{1, "a", N, 1}, tk{2, "a", N, 2}, tk{3, "a", N, 3}, tk{4, "a", N, 4}, tk{5, "b", N, 30}, tk{6, "b", N, 31}, tk{7, "b", N, 32})
	var got []uint64
	for range 7 {
		tkt := p.Pick(v, w, w.Services, t0)
		if tkt == nil {
			t.Fatal("nothing picked")
		}
		got = append(got, tkt.ID)
		// Remove it from its line, as a call does.
		l := v.lines[tkt.Service][tkt.Channel]
		v.lines[tkt.Service][tkt.Channel] = slices.DeleteFunc(l, func(x *queue.Ticket) bool { return x == tkt })
	}
	// Two from a (oldest first), two from b, counters reset, two from a,
	// then the last of b.
	want := []uint64{4, 3, 7, 6, 2, 1, 5}
	if !slices.Equal(got, want) {
		t.Errorf("call order %v, want %v", got, want)
	}
}

func TestMerge(t *testing.T) {
	runCases(t, func() queue.Policy { return NewMerge(5*time.Minute, 2) }, []orderCase{
		{"priority walk-ins by arrival", []tk{{1, "a", G, 1}, {2, "a", L, 3}}, win(0, "a"), 2},
		{"priority walk-in before due appointment", []tk{{1, "a", A, 10}, {2, "a", L, 1}}, win(0, "a"), 2},
		{"due appointment before older walk-in", []tk{{1, "a", N, 40}, {2, "a", A, 0}}, win(0, "a"), 2},
		{"future appointment waits", []tk{{1, "a", N, 1}, {2, "a", A, -1}}, win(0, "a"), 1},
		{"future appointment alone: nothing", []tk{{2, "a", A, -1}}, win(0, "a"), 0},
	})
}

func TestMergeEmbargo(t *testing.T) {
	p := NewMerge(5*time.Minute, 2)
	v := build(tk{1, "a", N, 10}, tk{2, "a", N, 5})
	w := win(0, "a")
	first := v.lines["a"][N][0]
	if !p.OnNoShow(first, t0) {
		t.Fatal("first no-show: want a re-queue")
	}
	if got := p.Pick(v, w, w.Services, t0.Add(4*time.Minute)); got == nil || got.ID != 2 {
		t.Errorf("during the embargo picked %v, want ticket 2", got)
	}
	if got := p.Pick(v, w, w.Services, t0.Add(5*time.Minute)); got == nil || got.ID != 1 {
		t.Errorf("after the embargo picked %v, want ticket 1", got)
	}
	if p.OnNoShow(first, t0.Add(6*time.Minute)) {
		t.Error("second no-show: the ticket should be missed, not re-queued")
	}
	if got := p.Pick(build(tk{1, "a", N, 10}), w, w.Services, t0.Add(7*time.Minute)); got == nil || got.ID != 1 {
		t.Errorf("a missed ticket keeps no embargo; picked %v", got)
	}
}

func TestByName(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range All() {
		if seen[f.Name] {
			t.Errorf("duplicate policy %s", f.Name)
		}
		seen[f.Name] = true
		g, ok := ByName(f.Name)
		if !ok || g.Name != f.Name {
			t.Errorf("ByName(%q) failed", f.Name)
		}
		if p := f.New(queue.Config{}); p == nil || (f.Name != "composite" && p.Name() != f.Name) {
			t.Errorf("%s builds %v", f.Name, p)
		}
	}
	if _, ok := ByName("nope"); ok {
		t.Error("ByName found an unknown policy")
	}
}

func TestProposal(t *testing.T) {
	cfg := queue.PolicyConfig{GuardMinutes: 25, LoveWeight: 3, NormalWeight: 1, MaxConsecutive: 2, ConsecutiveScope: "window"}
	newP := func() queue.Policy { return &Proposal{Config: cfg, Target: 30 * time.Minute, Hard: 60 * time.Minute} }
	runCases(t, newP, []orderCase{
		{"green first", []tk{{1, "a", N, 28}, {2, "a", G, 0}}, win(0, "a"), 2},
		{"due appointment next", []tk{{1, "a", N, 28}, {2, "a", A, 0}}, win(0, "a"), 2},
		{"savable normal (26) before one past the target (40)", []tk{{1, "a", N, 40}, {2, "b", N, 26}}, win(0, "a", "b"), 2},
		{"urgent love 9 min (27) before normal 26", []tk{{1, "a", N, 26}, {2, "a", L, 9}}, win(0, "a"), 2},
		{"normal 29 (29) before urgent love 9 (27)", []tk{{1, "a", N, 29}, {2, "a", L, 9}}, win(0, "a"), 1},
		{"past the hard limit first", []tk{{1, "a", N, 61}, {2, "b", N, 26}, {3, "a", L, 9}}, win(0, "a", "b"), 1},
		{"no urgency: weighted score", []tk{{1, "a", N, 10}, {2, "a", L, 4}}, win(0, "a"), 2},
		{"cap after consecutive priority calls", []tk{{1, "a", N, 1}, {2, "a", L, 5}}, win(2, "a"), 1},
		{"urgent love (42) before a normal past the target", []tk{{1, "a", N, 40}, {2, "a", L, 14}}, win(0, "a"), 2},
	})
}
