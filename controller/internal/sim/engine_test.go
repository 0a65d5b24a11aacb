package sim

import (
	"errors"
	"math"
	"reflect"
	"testing"
	"time"

	"hallq/controller/internal/queue"
	"hallq/controller/internal/sim/policies"
)

func mustValid(t testing.TB, sc *Scenario) *Scenario {
	t.Helper()
	if err := sc.Validate(); err != nil {
		t.Fatal(err)
	}
	return sc
}

func TestDeterministic(t *testing.T) {
	sc := County()
	sc.Days = 2
	mustValid(t, sc)
	for _, f := range policies.All() {
		a, err := Run(sc, f, Options{})
		if err != nil {
			t.Fatal(err)
		}
		b, err := Run(sc, f, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(a.Records, b.Records) || a.Busy != b.Busy {
			t.Errorf("%s: same seed, different results", f.Name)
		}
	}
	a, _ := Run(sc, policies.Composite(), Options{})
	sc.Seed++
	b, _ := Run(sc, policies.Composite(), Options{})
	if reflect.DeepEqual(a.Records, b.Records) {
		t.Error("different seeds, same result")
	}
}

// TestSameCitizensForEveryPolicy: the policies are compared on the same
// arrivals (common random numbers).
func TestSameCitizensForEveryPolicy(t *testing.T) {
	sc := mustValid(t, County())
	sc.Days = 1
	var first []time.Duration
	for _, f := range policies.All() {
		res, err := Run(sc, f, Options{})
		if err != nil {
			t.Fatal(err)
		}
		var arr []time.Duration
		for _, r := range res.Records {
			arr = append(arr, r.Arrive)
		}
		if first == nil {
			first = arr
		} else if !reflect.DeepEqual(first, arr) {
			t.Errorf("%s saw other citizens", f.Name)
		}
	}
}

func oneWindow(perDay, minutes float64) *Scenario {
	return &Scenario{Name: "one", Seed: 7,
		Services: []ServiceSpec{{ID: "a", PerDay: perDay, Minutes: minutes, Dist: "fixed"}},
		Windows:  []WindowSpec{{ID: "W", Services: []string{"a"}}},
	}
}

// TestOvertimeServesEveryone: a pre-closing surge leaves a queue at the
// cut-off; every ticket is still served (延时服务) and the overtime counted.
func TestOvertimeServesEveryone(t *testing.T) {
	sc := oneWindow(70, 8) // 560 min of work for 480 min of hours
	sc.Profile = map[int]float64{16: 1}
	mustValid(t, sc)
	res, err := Run(sc, policies.Composite(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := Measure(res)
	// About 70 tickets of 8 minutes arrive 16:00-16:30 at one window: the
	// last finishes around 16:00 + 70x8 min, far after the 17:00 close.
	n := m.Overall.N
	if n < 40 {
		t.Fatalf("only %d tickets", n)
	}
	want := (16*60 + float64(n)*8 - 17*60) / 60
	if math.Abs(m.Overtime-want) > 0.6 {
		t.Errorf("overtime %.2f h, want about %.2f h for %d tickets", m.Overtime, want, n)
	}
	if m.WinOvertime < m.Overtime-0.01 {
		t.Errorf("window overtime %.2f h below the hall's %.2f h", m.WinOvertime, m.Overtime)
	}
}

func TestNoShowRate(t *testing.T) {
	sc := oneWindow(60, 3)
	sc.Days = 20
	sc.Citizens.NoShow = 0.3
	mustValid(t, sc)
	res, err := Run(sc, policies.Composite(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := Measure(res)
	if r := m.Overall.NoShowRate; math.Abs(r-0.3) > 0.04 {
		t.Errorf("no-show rate %.3f, want 0.3", r)
	}
	if m.Overall.NoShows == 0 || m.Overall.N+m.Overall.NoShows != len(res.Records) {
		t.Errorf("counts: %d served + %d no-shows vs %d records", m.Overall.N, m.Overall.NoShows, len(res.Records))
	}
}

func TestAppointmentForfeit(t *testing.T) {
	sc := oneWindow(40, 3)
	sc.Days = 5
	sc.Services[0].Channels = map[string]float64{"appointment": 0.5}
	sc.Citizens.ApptLate = 1 // everyone is more than 30 minutes late
	mustValid(t, sc)
	res, err := Run(sc, policies.Composite(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := Measure(res)
	if m.Channel[queue.Appointment].N != 0 {
		t.Errorf("%d appointments kept despite coming late", m.Channel[queue.Appointment].N)
	}
	if m.Channel[queue.Appointment].Forfeits < 50 {
		t.Errorf("only %d forfeits", m.Channel[queue.Appointment].Forfeits)
	}
	// Punctual appointment holders are called by their booked time.
	sc.Citizens.ApptLate, sc.Citizens.ApptEarly = 0, 20
	res, err = Run(sc, policies.Composite(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	m = Measure(res)
	if a := m.Channel[queue.Appointment]; a.N < 50 || a.Forfeits != 0 || a.ArrivedOnTime < 0.99 || a.Within10 < 0.9 {
		t.Errorf("punctual appointments: %+v", a)
	}
}

// TestBreakTakesWindowTime: with nobody coming, a window is available
// from the opening to the cut-off less its break.
func TestBreakTakesWindowTime(t *testing.T) {
	sc := oneWindow(0, 3)
	sc.Breaks = []BreakSpec{{From: "12:00", Minutes: 45}}
	mustValid(t, sc)
	res, err := Run(sc, policies.Composite(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if want := 8*time.Hour - 45*time.Minute; res.Available != want {
		t.Errorf("available %v, want %v", res.Available, want)
	}
}

// TestBreakDelaysService: tickets arriving during the only window's break
// wait for its end.
func TestBreakDelaysService(t *testing.T) {
	sc := oneWindow(0, 1)
	sc.Arrivals = []ArrivalSpec{{At: "12:10:00", Service: "a", Channel: "normal"}}
	sc.Breaks = []BreakSpec{{From: "12:00", Minutes: 40}}
	mustValid(t, sc)
	res, err := Run(sc, policies.Composite(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Records) != 1 || res.Records[0].Wait != 30*time.Minute {
		t.Errorf("records %+v, want one wait of 30 min", res.Records)
	}
}

func TestStaffingClosesWindows(t *testing.T) {
	sc := County()
	sc.Days = 2
	mustValid(t, sc)
	full, err := Run(sc, policies.Composite(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	half, err := Run(sc, policies.Composite(), Options{Staffing: map[int]int{8: 4}})
	if err != nil {
		t.Fatal(err)
	}
	if half.Available >= full.Available*3/4 {
		t.Errorf("4 of 8 windows: available %v vs %v", half.Available, full.Available)
	}
	if Measure(half).Overall.Mean <= Measure(full).Overall.Mean {
		t.Error("fewer windows, no longer waits")
	}
}

func TestStaffOrderInterleavesProfiles(t *testing.T) {
	var ws []*window
	for i, p := range []string{"a", "a", "a", "a", "b", "b", "c"} {
		ws = append(ws, &window{id: p + string(rune('0'+i)), services: []string{p}})
	}
	var got string
	for _, w := range StaffOrder(ws) {
		got += w.id[:1]
	}
	// a at 1/8, 3/8, 5/8, 7/8; b at 1/4, 3/4; c at 1/2.
	if got != "abacaba" {
		t.Errorf("order %s, want abacaba", got)
	}
}

func TestRunawayIsAnError(t *testing.T) {
	sc := mustValid(t, oneWindow(10, 30))
	sc.Services[0].PerDay = 400 // 200 window-hours, past validation: the engine must still stop
	_, err := Run(sc, policies.Composite(), Options{})
	if !errors.Is(err, ErrRunaway) {
		t.Fatalf("got %v, want ErrRunaway", err)
	}
}
