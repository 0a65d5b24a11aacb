package booking

import "time"

// Calendar says which days the hall works. The window engineer's
// controller/internal/workday calendar (holidays and make-up working days)
// satisfies it; Weekdays is the fallback.
type Calendar interface {
	IsWorkingDay(day time.Time) bool
}

// Weekdays is Monday to Friday, without public holidays.
type Weekdays struct{}

// IsWorkingDay reports whether day is Monday to Friday.
func (Weekdays) IsWorkingDay(day time.Time) bool {
	wd := day.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// dayOf is midnight of t's date in loc.
func dayOf(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
}

// workdaysAhead lists the k-th working days after today for k in [min, max]
// (k = 0 is today, if it is a working day). Bounded: a calendar with no
// working day in a year yields nothing.
func workdaysAhead(cal Calendar, today time.Time, min, max int) []time.Time {
	var out []time.Time
	k := 0
	if cal.IsWorkingDay(today) && min == 0 {
		out = append(out, today)
	}
	d := today
	for i := 0; i < 366 && k < max; i++ {
		d = d.AddDate(0, 0, 1)
		if !cal.IsWorkingDay(d) {
			continue
		}
		k++
		if k >= min {
			out = append(out, d)
		}
	}
	return out
}

// everyDay is the calendar of Config.EveryDay.
type everyDay struct{}

func (everyDay) IsWorkingDay(time.Time) bool { return true }
