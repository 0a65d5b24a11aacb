package booking

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"hallq/controller/internal/workday"
)

// decodeStrict decodes a booking section the way hallconfig.Parse does.
func decodeStrict(t *testing.T, src string) (Config, error) {
	t.Helper()
	var f struct {
		Booking Config `yaml:"booking"`
	}
	dec := yaml.NewDecoder(bytes.NewReader([]byte(src)))
	dec.KnownFields(true)
	err := dec.Decode(&f)
	return f.Booking, err
}

// TestMinDaysAheadYAML: an explicit 0 is same-day booking; only an absent
// key takes the default 1.
func TestMinDaysAheadYAML(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		min, max   int
		err        string // substring; "" = valid
	}{
		{"absent", "booking: {slot_minutes: 20}", 1, 5, ""},
		{"empty section", "booking: {}", 1, 5, ""},
		{"explicit zero", "booking: {min_days_ahead: 0}", 0, 5, ""},
		{"explicit zero block", "booking:\n  min_days_ahead: 0\n  max_days_ahead: 0\n", 0, 0, ""},
		{"explicit two", "booking: {min_days_ahead: 2, max_days_ahead: 7}", 2, 7, ""},
		{"same_day", "booking: {same_day: true}", 0, 5, ""},
		{"same_day wins over 3", "booking: {same_day: true, min_days_ahead: 3}", 0, 5, ""},
		{"negative", "booking: {min_days_ahead: -1}", -1, 5, "min_days_ahead"},
		{"min above max", "booking: {min_days_ahead: 6}", 6, 5, "min_days_ahead"},
		{"unknown key", "booking:\n  min_day_ahead: 0\n", 0, 0, `line 2: unknown key "min_day_ahead"`},
		{"unknown nested key", "booking:\n  services:\n    - {id: social, capacity: 3}\n", 0, 0, `line 3: unknown key "capacity"`},
		{"unknown hours key", "booking:\n  hours:\n    - {from: \"09:00\", to: \"10:00\"}\n", 0, 0, `unknown key "to"`},
		{"explicit zero slot length refused", "booking: {slot_minutes: 0}", 1, 5, "slot_minutes"},
		{"wrong type", "booking: {min_days_ahead: soon}", 0, 0, "cannot unmarshal"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := decodeStrict(t, tc.yaml)
			if err == nil {
				c.Defaults()
				err = c.Validate([]string{"social"})
				if c.MinDaysAhead != tc.min || c.MaxDaysAhead != tc.max {
					t.Errorf("min/max %d/%d, want %d/%d", c.MinDaysAhead, c.MaxDaysAhead, tc.min, tc.max)
				}
			}
			switch {
			case tc.err == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Fatalf("error %v, want one containing %q", err, tc.err)
			}
		})
	}
}

// TestZeroRulesYAML: zeros that are valid rules stay zero.
func TestZeroRulesYAML(t *testing.T) {
	c, err := decodeStrict(t, "booking: {cancel_before_minutes: 0, block_days: 0}")
	if err != nil {
		t.Fatal(err)
	}
	c.Defaults()
	if err := c.Validate(nil); err != nil {
		t.Fatal(err)
	}
	if c.CancelBeforeMinutes != 0 || c.BlockDays != 0 || c.NoShowLimit != 3 || c.MinDaysAhead != 1 {
		t.Fatalf("%+v", c)
	}
}

// TestSameDayFromYAML: with min_days_ahead: 0 today's later slots can be
// booked; the earlier ones are past.
func TestSameDayFromYAML(t *testing.T) {
	cfg, err := decodeStrict(t, "booking: {min_days_ahead: 0, max_days_ahead: 1}")
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, cfg) // Monday 2026-11-23 10:00
	if got := strings.Join(e.s.Rules().BookableDates, ","); got != "2026-11-23,2026-11-24" {
		t.Fatalf("bookable dates %s", got)
	}
	if _, err := e.book("social", "2026-11-23", "10:30", card(idA, "张三")); err != nil {
		t.Fatalf("same-day booking: %v", err)
	}
	if _, err := e.book("social", "2026-11-23", "09:30", card(idB, "李四")); code(err) != "bad_slot" {
		t.Fatalf("a past slot of today: %v", err)
	}
	// The default still starts tomorrow.
	e2 := newEnv(t, Config{})
	if _, err := e2.book("social", "2026-11-23", "10:30", card(idA, "张三")); code(err) != "out_of_booking_window" {
		t.Fatalf("default config, today: %v", err)
	}
}

// TestWorkdaysAheadCalendar: the booking window counts working days of the
// hall calendar: weekends and public holidays are skipped, the adjusted
// (make-up) Saturdays and Sundays count, and a same-day window on a day
// off starts at the next working day.
func TestWorkdaysAheadCalendar(t *testing.T) {
	cal := workday.Default()
	if cal.IsWorkingDay(at("2026-10-01", "10:00")) {
		t.Skip("calendar without 2026 holidays")
	}
	for _, tc := range []struct {
		today    string
		min, max int
		want     string
	}{
		{"2026-11-27", 0, 1, "2026-11-27,2026-11-30"},            // Friday, same day
		{"2026-11-27", 1, 2, "2026-11-30,2026-12-01"},            // Friday: Monday, Tuesday
		{"2026-11-28", 0, 1, "2026-11-30"},                       // Saturday, same day: not today
		{"2026-11-29", 0, 0, ""},                                 // Sunday, today only: nothing
		{"2026-09-18", 1, 2, "2026-09-20,2026-09-21"},            // make-up Sunday 20 September
		{"2026-09-30", 0, 2, "2026-09-30,2026-10-08,2026-10-09"}, // National Day week skipped
		{"2026-10-09", 1, 1, "2026-10-10"},                       // make-up Saturday 10 October
		{"2026-02-13", 1, 2, "2026-02-14,2026-02-24"},            // Spring Festival
		{"2026-05-01", 0, 1, "2026-05-06"},                       // Labour Day: 1-5 May off
	} {
		var got []string
		for _, d := range workdaysAhead(cal, at(tc.today, "00:00"), tc.min, tc.max) {
			got = append(got, d.Format(time.DateOnly))
		}
		if strings.Join(got, ",") != tc.want {
			t.Errorf("%s [%d,%d]: %v, want %s", tc.today, tc.min, tc.max, got, tc.want)
		}
	}
}

// FuzzConfigYAML: any booking section decodes or fails with an error,
// never a panic, and a decoded one validates or fails cleanly.
func FuzzConfigYAML(f *testing.F) {
	for _, s := range []string{
		"booking: {min_days_ahead: 0}",
		"booking:\n  services:\n    - {id: social, hours: [{from: \"09:00\", until: \"10:00\"}]}\n",
		"booking: &a {min_days_ahead: 0}\nx: *a",
		"booking: [1, 2]",
		"booking: {hours: {from: 1}}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var c Config
		if err := yaml.Unmarshal([]byte(s), &struct {
			B *Config `yaml:"booking"`
		}{&c}); err != nil {
			return
		}
		c.Defaults()
		_ = c.Validate([]string{"social"})
	})
}
