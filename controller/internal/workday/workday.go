package workday

import (
	"errors"
	"fmt"
	"sort"
	"time"

	"gopkg.in/yaml.v3"
)

// Date is a civil date (no time of day, no zone). In YAML and JSON it is
// written "2006-01-02".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the civil date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// ParseDate parses "2006-01-02".
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("workday: bad date %q (want YYYY-MM-DD)", s)
	}
	return DateOf(t), nil
}

func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day) }

// time returns midnight UTC of d; only used for day arithmetic.
func (d Date) time() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// AddDays returns d moved by n calendar days.
func (d Date) AddDays(n int) Date { return DateOf(d.time().AddDate(0, 0, n)) }

// Weekday of d.
func (d Date) Weekday() time.Weekday { return d.time().Weekday() }

// Before reports whether d is earlier than e.
func (d Date) Before(e Date) bool { return d.time().Before(e.time()) }

// IsZero reports whether d is unset.
func (d Date) IsZero() bool { return d == Date{} }

// In returns midnight of d in loc.
func (d Date) In(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// daysBetween is e - d in calendar days.
func daysBetween(d, e Date) int {
	return int(e.time().Sub(d.time()).Hours() / 24)
}

// UnmarshalYAML reads "2006-01-02". yaml.v3 hands a custom type the raw
// scalar, so an unquoted date is not turned into a timestamp first.
func (d *Date) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("workday: line %d: want a date YYYY-MM-DD", n.Line)
	}
	v, err := ParseDate(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*d = v
	return nil
}

// MarshalYAML writes "2006-01-02".
func (d Date) MarshalYAML() (any, error) { return d.String(), nil }

// MarshalText writes "2006-01-02" (JSON and map keys).
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads "2006-01-02".
func (d *Date) UnmarshalText(b []byte) error {
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Holiday is one festival of the holiday notice: the days off from From to
// To inclusive, and the weekend days worked in exchange.
type Holiday struct {
	Name     string `yaml:"name" json:"name"`
	From     Date   `yaml:"from" json:"from"`
	To       Date   `yaml:"to" json:"to"`
	Workdays []Date `yaml:"workdays,omitempty" json:"workdays,omitempty"`
}

// Config is the calendar section of the hall configuration. An empty
// Config means weekends only; Defaults fills the national schedule.
type Config struct {
	Holidays []Holiday `yaml:"holidays" json:"holidays"`
}

// maxHolidayDays bounds one festival; the longest national one is 9 days,
// so anything beyond a month is a typo (a wrong year or month).
const maxHolidayDays = 31

// ErrNoWorkingDay is returned (wrapped) by New when the configuration
// leaves no working day in some stretch of a year, which would make every
// working-day deadline unbounded.
var ErrNoWorkingDay = errors.New("workday: no working day within a year")

// Calendar answers working-day questions. It is immutable and safe for
// concurrent use.
type Calendar struct {
	off map[Date]string // holiday date -> festival name
	on  map[Date]string // adjusted working day -> festival name
}

// New validates c and builds its calendar.
func New(c Config) (*Calendar, error) {
	cal := &Calendar{off: map[Date]string{}, on: map[Date]string{}}
	for i, h := range c.Holidays {
		where := fmt.Sprintf("workday: holidays[%d] (%s)", i, h.Name)
		if h.From.IsZero() || h.To.IsZero() {
			return nil, fmt.Errorf("%s: from and to are required", where)
		}
		n := daysBetween(h.From, h.To)
		if n < 0 {
			return nil, fmt.Errorf("%s: to %s is before from %s", where, h.To, h.From)
		}
		if n >= maxHolidayDays {
			return nil, fmt.Errorf("%s: %d days is longer than %d", where, n+1, maxHolidayDays)
		}
		for d := h.From; !h.To.Before(d); d = d.AddDays(1) {
			if other, ok := cal.off[d]; ok {
				return nil, fmt.Errorf("%s: %s is already a day off of %s", where, d, other)
			}
			cal.off[d] = h.Name
		}
	}
	// Adjusted working days are checked after all days off are known, so
	// the order of festivals in the file does not matter.
	for i, h := range c.Holidays {
		for _, w := range h.Workdays {
			where := fmt.Sprintf("workday: holidays[%d] (%s): workday %s", i, h.Name, w)
			if w.IsZero() {
				return nil, fmt.Errorf("%s: empty date", where)
			}
			if other, ok := cal.off[w]; ok {
				return nil, fmt.Errorf("%s: is a day off of %s", where, other)
			}
			if wd := w.Weekday(); wd != time.Saturday && wd != time.Sunday {
				return nil, fmt.Errorf("%s: is a %s, already a working day", where, wd)
			}
			cal.on[w] = h.Name
		}
	}
	// Festivals are at most a month and apart from weekends at least one
	// day a week is on, so a gap can only come from overlapping entries;
	// still, check each configured day's neighbourhood so AddWorkingDays
	// can rely on finding a working day within maxGap.
	for d := range cal.off {
		if _, ok := cal.nextWorking(d, 1); !ok {
			return nil, fmt.Errorf("%w after %s", ErrNoWorkingDay, d)
		}
	}
	return cal, nil
}

// MustNew is New for configurations known to be valid (DefaultConfig).
func MustNew(c Config) *Calendar {
	cal, err := New(c)
	if err != nil {
		panic(err)
	}
	return cal
}

// maxGap bounds the search for the next working day.
const maxGap = 366

// IsWorkingDay reports whether t's civil date is a working day.
func (c *Calendar) IsWorkingDay(t time.Time) bool { return c.IsWorkingDate(DateOf(t)) }

// IsWorkingDate reports whether d is a working day.
func (c *Calendar) IsWorkingDate(d Date) bool {
	if c == nil {
		wd := d.Weekday()
		return wd != time.Saturday && wd != time.Sunday
	}
	if _, ok := c.on[d]; ok {
		return true
	}
	if _, ok := c.off[d]; ok {
		return false
	}
	wd := d.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// Holiday returns the festival name when d is a configured day off or an
// adjusted working day ("" otherwise), for display.
func (c *Calendar) Holiday(d Date) string {
	if c == nil {
		return ""
	}
	if n, ok := c.off[d]; ok {
		return n
	}
	return c.on[d]
}

func (c *Calendar) nextWorking(d Date, step int) (Date, bool) {
	for range maxGap {
		d = d.AddDays(step)
		if c.IsWorkingDate(d) {
			return d, true
		}
	}
	return d, false
}

// AddWorkingDays returns t moved to the n-th working day after t's date
// (before it when n is negative), keeping the time of day and location.
// The day t falls on is not counted, whether it is a working day or not:
// a rating given on Saturday with n=1 lands on Monday, one given on Friday
// also lands on Monday. n=0 returns t unchanged.
func (c *Calendar) AddWorkingDays(t time.Time, n int) time.Time {
	step := 1
	if n < 0 {
		step, n = -1, -n
	}
	d := DateOf(t)
	for range n {
		next, ok := c.nextWorking(d, step)
		if !ok {
			// Only reachable with a calendar built without New; count
			// the day anyway so the loop stays bounded.
			next = d.AddDays(step)
		}
		d = next
	}
	moved := daysBetween(DateOf(t), d)
	return t.AddDate(0, 0, moved)
}

// EndOfWorkingDay returns the last instant of t's date: deadlines are met
// when the work is done any time on their day.
func EndOfWorkingDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 23, 59, 59, 0, t.Location())
}

// WorkingDaysBetween counts the working days AddWorkingDays steps over
// going from a to b, so that WorkingDaysBetween(t, AddWorkingDays(t, n))
// is n for any n: when b is not before a, the working days after a's date
// up to and including b's date; when b is before a, minus the working
// days from b's date up to but not including a's date.
func (c *Calendar) WorkingDaysBetween(a, b time.Time) int {
	da, db := DateOf(a), DateOf(b)
	if db.Before(da) {
		return -c.countAfter(db.AddDays(-1), da.AddDays(-1))
	}
	return c.countAfter(da, db)
}

// countAfter counts working days in (da, db], da not after db.
func (c *Calendar) countAfter(da, db Date) int {
	total := daysBetween(da, db)
	// Whole weeks contribute five weekdays each; only configured
	// holidays and adjusted days inside the range need a correction,
	// so this stays cheap across years.
	weeks := total / 7
	n := weeks * 5
	d := da.AddDays(weeks * 7)
	for d.Before(db) {
		d = d.AddDays(1)
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n++
		}
	}
	if c != nil {
		for day := range c.off {
			if da.Before(day) && !db.Before(day) {
				if wd := day.Weekday(); wd != time.Saturday && wd != time.Sunday {
					n--
				}
			}
		}
		for day := range c.on {
			if da.Before(day) && !db.Before(day) {
				n++
			}
		}
	}
	return n
}

// Dates lists the configured days off and adjusted working days in order,
// for display and tests.
func (c *Calendar) Dates() (off, on []Date) {
	if c == nil {
		return nil, nil
	}
	for d := range c.off {
		off = append(off, d)
	}
	for d := range c.on {
		on = append(on, d)
	}
	less := func(s []Date) func(i, j int) bool { return func(i, j int) bool { return s[i].Before(s[j]) } }
	sort.Slice(off, less(off))
	sort.Slice(on, less(on))
	return off, on
}

func monthOf(m int) time.Month { return time.Month(m) }

// After reports whether d is later than e.
func (d Date) After(e Date) bool { return e.Before(d) }
