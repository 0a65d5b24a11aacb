package workday

import (
	"errors"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

var shanghai = time.FixedZone("CST", 8*3600)

func day(s string) time.Time {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d.In(shanghai).Add(10 * time.Hour) // 10:00, a time the hall is open
}

func TestIsWorkingDay2026(t *testing.T) {
	cal := Default()
	cases := []struct {
		date string
		want bool
	}{
		{"2026-01-01", false}, // 元旦, Thursday
		{"2026-01-04", true},  // Sunday worked for 元旦
		{"2026-01-05", true},
		{"2026-01-10", false}, // plain Saturday
		{"2026-02-14", true},  // Saturday worked for 春节
		{"2026-02-15", false},
		{"2026-02-23", false}, // last day of 春节, a Monday
		{"2026-02-24", true},
		{"2026-02-28", true}, // Saturday worked for 春节
		{"2026-04-06", false},
		{"2026-05-05", false},
		{"2026-05-09", true},
		{"2026-06-19", false},
		{"2026-09-20", true},
		{"2026-09-25", false},
		{"2026-10-07", false},
		{"2026-10-08", true},
		{"2026-10-10", true},
		{"2026-10-11", false},
		{"2026-11-20", true},
	}
	for _, c := range cases {
		if got := cal.IsWorkingDay(day(c.date)); got != c.want {
			t.Errorf("IsWorkingDay(%s) = %v, want %v", c.date, got, c.want)
		}
	}
}

func TestAddWorkingDays(t *testing.T) {
	cal := Default()
	cases := []struct {
		from string
		n    int
		want string
	}{
		{"2026-09-24", 15, "2026-10-22"}, // across 中秋 and 国庆, with 10-10 worked
		{"2026-02-13", 1, "2026-02-14"},  // the worked Saturday counts
		{"2026-02-13", 2, "2026-02-24"},  // then the whole Spring Festival is skipped
		{"2026-11-20", 1, "2026-11-23"},  // Friday -> Monday
		{"2026-11-21", 1, "2026-11-23"},  // Saturday -> Monday
		{"2026-11-23", 0, "2026-11-23"},
		{"2026-11-21", 0, "2026-11-21"},  // n=0 does not move to a working day
		{"2026-10-08", -1, "2026-09-30"}, // backwards over 国庆
		{"2026-12-31", 1, "2027-01-01"},  // 2027 is not configured: weekdays only
	}
	for _, c := range cases {
		start := day(c.from)
		got := cal.AddWorkingDays(start, c.n)
		if DateOf(got).String() != c.want {
			t.Errorf("AddWorkingDays(%s, %d) = %s, want %s", c.from, c.n, DateOf(got), c.want)
		}
		if got.Hour() != 10 || got.Location() != shanghai {
			t.Errorf("AddWorkingDays(%s, %d) lost the time of day: %v", c.from, c.n, got)
		}
	}
}

// TestBetweenInvertsAdd checks the two counting functions against each
// other and against a day-by-day count for every start day of 2026.
func TestBetweenInvertsAdd(t *testing.T) {
	cal := Default()
	start := day("2025-12-20")
	for i := range 400 {
		t0 := start.AddDate(0, 0, i)
		for _, n := range []int{1, 5, 15, -3} {
			t1 := cal.AddWorkingDays(t0, n)
			if got := cal.WorkingDaysBetween(t0, t1); got != n {
				t.Fatalf("WorkingDaysBetween(%s, AddWorkingDays(.., %d)=%s) = %d", DateOf(t0), n, DateOf(t1), got)
			}
			if !cal.IsWorkingDay(t1) {
				t.Fatalf("AddWorkingDays(%s, %d) = %s, not a working day", DateOf(t0), n, DateOf(t1))
			}
		}
		for _, span := range []int{0, 1, 6, 7, 30, 200} {
			t1 := t0.AddDate(0, 0, span)
			want := 0
			for d := DateOf(t0).AddDays(1); !DateOf(t1).Before(d); d = d.AddDays(1) {
				if cal.IsWorkingDate(d) {
					want++
				}
			}
			if got := cal.WorkingDaysBetween(t0, t1); got != want {
				t.Fatalf("WorkingDaysBetween(%s, +%d days) = %d, counted %d", DateOf(t0), span, got, want)
			}
			back := 0
			for d := DateOf(t0); DateOf(t1).After(d); d = d.AddDays(1) {
				if cal.IsWorkingDate(d) {
					back++
				}
			}
			if got := cal.WorkingDaysBetween(t1, t0); got != -back {
				t.Fatalf("WorkingDaysBetween(%s, %s) = %d, want %d", DateOf(t1), DateOf(t0), got, -back)
			}
		}
	}
}

func TestYear2026Totals(t *testing.T) {
	// Every adjusted working day swaps with a day off, so a year has
	// 365 - 104 weekend days - 13 statutory holidays (元旦 1, 春节 4,
	// 清明 1, 劳动 2, 端午 1, 中秋 1, 国庆 3) = 248 working days.
	cal := Default()
	got := cal.WorkingDaysBetween(day("2025-12-31"), day("2026-12-31"))
	if got != 248 {
		t.Fatalf("2026 has %d working days, want 248", got)
	}
}

func TestNilCalendarIsWeekendsOnly(t *testing.T) {
	var cal *Calendar
	if cal.IsWorkingDay(day("2026-10-01")) != true || cal.IsWorkingDay(day("2026-10-10")) {
		t.Fatal("nil calendar should know weekends only")
	}
	if got := DateOf(cal.AddWorkingDays(day("2026-10-09"), 1)).String(); got != "2026-10-12" {
		t.Fatalf("nil calendar: %s", got)
	}
}

func TestConfigYAML(t *testing.T) {
	src := `holidays:
  - {name: 国庆节, from: 2026-10-01, to: 2026-10-07, workdays: [2026-09-20, 2026-10-10]}
`
	var c Config
	dec := yaml.NewDecoder(strings.NewReader(src))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		t.Fatal(err)
	}
	cal, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	if cal.IsWorkingDay(day("2026-10-02")) || !cal.IsWorkingDay(day("2026-10-10")) {
		t.Fatal("yaml calendar wrong")
	}
	if cal.Holiday(Date{2026, 10, 10}) != "国庆节" {
		t.Fatal("holiday name lost")
	}
	out, err := yaml.Marshal(c)
	if err != nil || !strings.Contains(string(out), "2026-09-20") {
		t.Fatalf("marshal: %v\n%s", err, out)
	}
}

func TestBadConfigs(t *testing.T) {
	d := func(s string) Date { v, _ := ParseDate(s); return v }
	cases := map[string]struct {
		c    Config
		want string
	}{
		"reversed":        {Config{[]Holiday{{Name: "x", From: d("2026-10-07"), To: d("2026-10-01")}}}, "before from"},
		"too long":        {Config{[]Holiday{{Name: "x", From: d("2026-01-01"), To: d("2026-03-01")}}}, "longer than"},
		"missing":         {Config{[]Holiday{{Name: "x", From: d("2026-01-01")}}}, "required"},
		"overlap":         {Config{[]Holiday{{Name: "a", From: d("2026-10-01"), To: d("2026-10-03")}, {Name: "b", From: d("2026-10-03"), To: d("2026-10-04")}}}, "already a day off"},
		"workday off":     {Config{[]Holiday{{Name: "a", From: d("2026-10-01"), To: d("2026-10-07"), Workdays: []Date{d("2026-10-03")}}}}, "is a day off"},
		"weekday workday": {Config{[]Holiday{{Name: "a", From: d("2026-10-01"), To: d("2026-10-07"), Workdays: []Date{d("2026-10-08")}}}}, "already a working day"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := New(c.c)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want %q", err, c.want)
			}
		})
	}
	var c Config
	if err := yaml.Unmarshal([]byte("holidays: [{name: x, from: 2026-13-01, to: 2026-13-02}]"), &c); err == nil || !strings.Contains(err.Error(), "bad date") {
		t.Fatalf("bad month accepted: %v", err)
	}
	var year []Holiday
	for m := 1; m <= 12; m++ {
		from := Date{2027, time.Month(m), 1}
		year = append(year, Holiday{Name: "all", From: from, To: from.AddDays(30)})
	}
	if _, err := New(Config{year}); err == nil {
		t.Fatal("a year without working days was accepted")
	} else if !errors.Is(err, ErrNoWorkingDay) && !strings.Contains(err.Error(), "already a day off") {
		t.Fatalf("unexpected error %v", err)
	}
}

func FuzzConfigYAML(f *testing.F) {
	f.Add([]byte("holidays:\n  - {name: 国庆节, from: 2026-10-01, to: 2026-10-07, workdays: [2026-09-20, 2026-10-10]}\n"))
	f.Add([]byte("holidays: [{name: x, from: 2026-02-30, to: 2026-03-01}]"))
	f.Add([]byte("holidays: [{from: 9999-12-31, to: 0001-01-01}]"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var c Config
		if yaml.Unmarshal(b, &c) != nil {
			return
		}
		cal, err := New(c)
		if err != nil {
			return
		}
		// Any accepted calendar answers in bounded time with a working day.
		start := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
		if got := cal.AddWorkingDays(start, 20); !cal.IsWorkingDay(got) || cal.WorkingDaysBetween(start, got) != 20 {
			t.Fatalf("calendar %+v: AddWorkingDays gave %v", c, got)
		}
	})
}
