package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"hallq/controller/internal/queue"
	"hallq/controller/internal/sim/policies"
)

func smallCounty() *Scenario {
	sc := County()
	sc.Days = 3
	return sc
}

// TestPlanIsMinimal: the plan meets the target, and one window fewer in
// any hour (the others as planned) misses it.
func TestPlanIsMinimal(t *testing.T) {
	sc := mustValid(t, smallCounty())
	p, err := PlanStaffing(sc, PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !p.Feasible {
		t.Fatal("the county day should be plannable")
	}
	staffing := func() map[int]int {
		m := map[int]int{}
		for i, h := range p.Hours {
			m[h] = p.Windows[i]
		}
		return m
	}
	res, err := Run(sc, policies.Composite(), Options{Staffing: staffing()})
	if err != nil {
		t.Fatal(err)
	}
	if ok, why := meets(res, 0.95, 30*time.Minute); !ok {
		t.Fatalf("the plan misses the target: %s", why)
	}
	total := 0
	for i := range p.Hours {
		total += p.Windows[i]
		if p.Windows[i] <= 1 {
			continue
		}
		p.Windows[i]--
		res, err := Run(sc, policies.Composite(), Options{Staffing: staffing()})
		if err == nil {
			if ok, _ := meets(res, 0.95, 30*time.Minute); ok {
				t.Errorf("%02d:00: %d windows would do, the plan says %d", p.Hours[i], p.Windows[i], p.Windows[i]+1)
			}
		}
		p.Windows[i]++
	}
	if total >= p.Total*len(p.Hours) {
		t.Errorf("the plan saves nothing: %v", p.Windows)
	}
	var out bytes.Buffer
	if _, err := p.WriteTo(&out); err != nil || !strings.Contains(out.String(), "| from | windows | open |") {
		t.Errorf("plan output: %v\n%s", err, out.String())
	}
}

func TestPlanUnreachable(t *testing.T) {
	sc := oneWindow(110, 5) // 550 minutes of work in 480: waits beyond 30 min
	mustValid(t, sc)
	p, err := PlanStaffing(sc, PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Feasible {
		t.Fatal("an overloaded single window reported as meeting the target")
	}
	var out bytes.Buffer
	p.WriteTo(&out)
	if !strings.Contains(out.String(), "NOT REACHABLE") {
		t.Errorf("output does not say so:\n%s", out.String())
	}
}

// TestEventLogRoundTrip: a simulated day written as the controller's event
// log becomes a scenario with the same citizens, windows and breaks.
func TestEventLogRoundTrip(t *testing.T) {
	sc := mustValid(t, smallCounty())
	path := filepath.Join(t.TempDir(), "day.jsonl")
	if err := WriteEventLog(path, sc); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := FromEventLog(f, nil)
	if err != nil {
		t.Fatal(err)
	}
	one := *sc
	one.Days = 1
	res, err := Run(&one, policies.Composite(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Arrivals) != len(res.Records) {
		t.Errorf("%d arrivals from the log, the day had %d tickets", len(got.Arrivals), len(res.Records))
	}
	if len(got.Windows) != 8 {
		t.Errorf("%d windows inferred, want 8", len(got.Windows))
	}
	if len(got.Breaks) != 8 {
		t.Errorf("%d breaks inferred, want 8 lunches", len(got.Breaks))
	}
	if ns := got.Citizens.NoShow; ns < 0.01 || ns > 0.1 {
		t.Errorf("no-show rate %.3f from the log", ns)
	}
	for _, s := range got.Services {
		if len(s.Sample) < 20 {
			t.Errorf("service %s: %d observed service times", s.ID, len(s.Sample))
		}
	}
	// Replaying the recorded day gives the same arrival times.
	rep, err := Run(got, policies.Composite(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	day0 := 0
	for _, r := range rep.Records {
		if r.Day == 0 {
			day0++
		}
	}
	walkIns := func(rs []Record) []time.Duration {
		var out []time.Duration
		for _, r := range rs {
			if r.Day == 0 && r.Channel != queue.Appointment && !r.Forfeit {
				out = append(out, r.Arrive.Truncate(time.Second))
			}
		}
		slices.Sort(out)
		return out
	}
	if got.Days != 5 || day0 != len(res.Records) || !slices.Equal(walkIns(rep.Records), walkIns(res.Records)) {
		t.Errorf("replay differs: %d vs %d tickets on day 0", day0, len(res.Records))
	}
}

func TestEventLogErrors(t *testing.T) {
	good, _ := json.Marshal(queue.Event{Seq: 1, Type: queue.EvIssued, At: t0(), Ticket: 1, Service: "a", Number: "A001"})
	cases := map[string]string{
		"not json":      "hello\n",
		"unknown type":  `{"seq":1,"type":"exploded","at":"2026-03-16T09:00:00+08:00"}` + "\n",
		"no tickets":    `{"seq":1,"type":"day_rolled","day":"2026-03-16","at":"2026-03-16T09:00:00+08:00"}` + "\n",
		"no window":     string(good) + "\n",
		"ticket no svc": `{"seq":1,"type":"issued","ticket":1,"number":"A001","at":"2026-03-16T09:00:00+08:00"}` + "\n",
	}
	for name, text := range cases {
		_, err := FromEventLog(strings.NewReader(text), nil)
		if !errors.Is(err, ErrEventLog) {
			t.Errorf("%s: got %v, want ErrEventLog", name, err)
		}
	}
}

func t0() time.Time { return time.Date(2026, 3, 16, 9, 0, 0, 0, time.FixedZone("CST", 8*3600)) }

func FuzzFromEventLog(f *testing.F) {
	f.Add([]byte(`{"seq":1,"type":"issued","ticket":1,"service":"a","number":"A001","at":"2026-03-16T09:00:00+08:00"}
{"seq":2,"type":"called","ticket":1,"service":"a","window":"W1","at":"2026-03-16T09:01:00+08:00"}
{"seq":3,"type":"finished","ticket":1,"service":"a","window":"W1","at":"2026-03-16T09:05:00+08:00"}
`))
	f.Add([]byte("\x01{\"seq\":1}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		sc, err := FromEventLog(bytes.NewReader(b), nil)
		if err != nil && !errors.Is(err, ErrEventLog) {
			t.Fatalf("error %v is not ErrEventLog", err)
		}
		if err == nil && len(sc.Arrivals) == 0 {
			t.Fatal("scenario without arrivals")
		}
	})
}
