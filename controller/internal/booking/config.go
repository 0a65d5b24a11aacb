package booking

import (
	"fmt"
	"slices"
	"strings"
)

// Period is a span of bookable time in a day ("HH:MM", hall time).
type Period struct {
	From  string `yaml:"from" json:"from"`
	Until string `yaml:"until" json:"until"`
}

// ServiceRule overrides the defaults for one service.
type ServiceRule struct {
	ID              string   `yaml:"id" json:"id"`
	SlotMinutes     int      `yaml:"slot_minutes" json:"slot_minutes"`
	CapacityPerSlot int      `yaml:"capacity_per_slot" json:"capacity_per_slot"`
	Hours           []Period `yaml:"hours" json:"hours"`
}

// Config is the hall configuration's booking section (hallconfig.File.Booking).
// Keys absent from the YAML (and zero values of a Config built in Go) take
// the defaults documented on each field; a number written in the YAML is
// taken as written, so "min_days_ahead: 0" is same-day booking and
// "slot_minutes: 0" is refused by Validate rather than silently replaced.
type Config struct {
	// Disabled turns the booking API off (every route answers 404).
	Disabled bool `yaml:"disabled" json:"disabled"`
	// SlotMinutes: length of a slot (30).
	SlotMinutes int `yaml:"slot_minutes" json:"slot_minutes"`
	// CapacityPerSlot: bookings per slot and service (4).
	CapacityPerSlot int `yaml:"capacity_per_slot" json:"capacity_per_slot"`
	// Hours: bookable periods of a working day (09:00-12:00, 13:30-16:30).
	Hours []Period `yaml:"hours" json:"hours"`
	// Services that can be booked with their overrides; empty: every service.
	Services []ServiceRule `yaml:"services" json:"services"`
	// EveryDay ignores the working-day calendar: every day can be booked
	// (a 24-hour self-service zone, or the demo, which runs on any day).
	EveryDay bool `yaml:"every_day" json:"every_day"`
	// SameDay allows booking for today (the minimum becomes 0 days ahead).
	SameDay bool `yaml:"same_day" json:"same_day"`
	// MinDaysAhead, MaxDaysAhead: bookable working days ahead (1 to 5).
	// An explicit min_days_ahead: 0 in the YAML means today (same day);
	// only an absent key takes the default 1. (In Go, where a zero value
	// cannot say "set", use SameDay.)
	MinDaysAhead int `yaml:"min_days_ahead" json:"min_days_ahead"`
	MaxDaysAhead int `yaml:"max_days_ahead" json:"max_days_ahead"`
	// CancelBeforeMinutes: a booking is cancelled at least this long before
	// its slot (120); administrators may cancel later.
	CancelBeforeMinutes int `yaml:"cancel_before_minutes" json:"cancel_before_minutes"`
	// AllowSeveralPerDay lifts the one-booking-per-person-per-day rule.
	AllowSeveralPerDay bool `yaml:"allow_several_per_day" json:"allow_several_per_day"`
	// NoShowLimit no-shows within NoShowWindowDays days block booking for
	// BlockDays days after the last one (3 in 30 days block 30 days).
	NoShowLimit      int `yaml:"no_show_limit" json:"no_show_limit"`
	NoShowWindowDays int `yaml:"no_show_window_days" json:"no_show_window_days"`
	BlockDays        int `yaml:"block_days" json:"block_days"`
	// RetentionDays: bookings (with their sealed personal data) are deleted
	// this many days after their date (90). It must cover NoShowWindowDays.
	RetentionDays int `yaml:"retention_days" json:"retention_days"`
	// SweepSeconds: how often lapsed bookings become no-shows and the
	// retention purge runs (60).
	SweepSeconds int `yaml:"sweep_seconds" json:"sweep_seconds"`

	// set holds the keys present in the YAML: their zeros are meant, not
	// missing values.
	set map[string]bool
}

// Defaults fills the values not given: zero fields whose key was absent
// from the YAML.
func (c *Config) Defaults() {
	def := func(p *int, key string, v int) {
		if *p == 0 && !c.set[key] {
			*p = v
		}
	}
	def(&c.SlotMinutes, "slot_minutes", 30)
	def(&c.CapacityPerSlot, "capacity_per_slot", 4)
	def(&c.MinDaysAhead, "min_days_ahead", 1)
	if c.SameDay {
		c.MinDaysAhead = 0
	}
	def(&c.MaxDaysAhead, "max_days_ahead", 5)
	def(&c.CancelBeforeMinutes, "cancel_before_minutes", 120)
	def(&c.NoShowLimit, "no_show_limit", 3)
	def(&c.NoShowWindowDays, "no_show_window_days", 30)
	def(&c.BlockDays, "block_days", 30)
	def(&c.RetentionDays, "retention_days", 90)
	def(&c.SweepSeconds, "sweep_seconds", 60)
	if len(c.Hours) == 0 {
		c.Hours = []Period{{"09:00", "12:00"}, {"13:30", "16:30"}}
	}
}

// Validate checks the section against the hall's services. Defaults must
// have run.
func (c *Config) Validate(services []string) error {
	bad := func(f, format string, a ...any) error {
		return fmt.Errorf("booking: config: %s: %s", f, fmt.Sprintf(format, a...))
	}
	if c.SlotMinutes < 5 || c.SlotMinutes > 480 {
		return bad("slot_minutes", "%d outside 5-480", c.SlotMinutes)
	}
	if c.CapacityPerSlot < 1 || c.CapacityPerSlot > 1000 {
		return bad("capacity_per_slot", "%d outside 1-1000", c.CapacityPerSlot)
	}
	if c.MinDaysAhead < 0 || c.MaxDaysAhead < c.MinDaysAhead || c.MaxDaysAhead > 60 {
		return bad("min_days_ahead/max_days_ahead", "%d-%d invalid (0 <= min <= max <= 60)", c.MinDaysAhead, c.MaxDaysAhead)
	}
	if c.CancelBeforeMinutes < 0 || c.NoShowLimit < 1 || c.NoShowWindowDays < 1 || c.BlockDays < 0 || c.SweepSeconds < 1 {
		return bad("rules", "negative or zero value")
	}
	if c.RetentionDays < c.NoShowWindowDays {
		return bad("retention_days", "%d shorter than no_show_window_days %d", c.RetentionDays, c.NoShowWindowDays)
	}
	if err := checkPeriods("hours", c.Hours); err != nil {
		return err
	}
	seen := map[string]bool{}
	for i, s := range c.Services {
		f := fmt.Sprintf("services[%d]", i)
		if !slices.Contains(services, s.ID) {
			return bad(f+".id", "unknown service %q", s.ID)
		}
		if seen[s.ID] {
			return bad(f+".id", "duplicate %q", s.ID)
		}
		seen[s.ID] = true
		if s.SlotMinutes != 0 && (s.SlotMinutes < 5 || s.SlotMinutes > 480) || s.CapacityPerSlot < 0 {
			return bad(f, "slot_minutes or capacity_per_slot out of range")
		}
		if err := checkPeriods(f+".hours", s.Hours); err != nil {
			return err
		}
	}
	return nil
}

func checkPeriods(f string, ps []Period) error {
	last := -1
	for i, p := range ps {
		a, err1 := parseHM(p.From)
		b, err2 := parseHM(p.Until)
		if err1 != nil || err2 != nil || b <= a || a < last {
			return fmt.Errorf("booking: config: %s[%d]: %q-%q must be HH:MM, increasing, not overlapping", f, i, p.From, p.Until)
		}
		last = b
	}
	return nil
}

// parseHM parses "HH:MM" into minutes after midnight.
func parseHM(s string) (int, error) {
	var h, m int
	if len(s) != 5 || s[2] != ':' || strings.Trim(s[:2]+s[3:], "0123456789") != "" {
		return 0, fmt.Errorf("time must be HH:MM: %q", s)
	}
	fmt.Sscanf(s, "%02d:%02d", &h, &m)
	if h > 24 || m > 59 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("invalid time %q", s)
	}
	return h*60 + m, nil
}

func hm(mins int) string { return fmt.Sprintf("%02d:%02d", mins/60, mins%60) }

// rule is the effective rule of one service.
type rule struct {
	slotMinutes, capacity int
	hours                 []Period
}

func (c *Config) ruleFor(service string) (rule, bool) {
	r := rule{c.SlotMinutes, c.CapacityPerSlot, c.Hours}
	if len(c.Services) == 0 {
		return r, true
	}
	for _, s := range c.Services {
		if s.ID != service {
			continue
		}
		if s.SlotMinutes != 0 {
			r.slotMinutes = s.SlotMinutes
		}
		if s.CapacityPerSlot != 0 {
			r.capacity = s.CapacityPerSlot
		}
		if len(s.Hours) > 0 {
			r.hours = s.Hours
		}
		return r, true
	}
	return r, false
}

// slotStarts lists the start minutes of a service's slots; a slot that would
// run past the end of its period is not offered.
func (r rule) slotStarts() []int {
	var out []int
	for _, p := range r.hours {
		a, _ := parseHM(p.From)
		b, _ := parseHM(p.Until)
		for m := a; m+r.slotMinutes <= b; m += r.slotMinutes {
			out = append(out, m)
		}
	}
	return out
}
