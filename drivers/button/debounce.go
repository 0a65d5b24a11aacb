package button

import "time"

// Debouncer turns raw samples of a contact into clean transitions: a new
// level counts only once every sample for at least Stable agreed on it.
// periph's gpioutil.Debounce ignores its lock-out argument, hence this.
// It is a pure value: feed it samples and times, no goroutines.
type Debouncer struct {
	Stable time.Duration

	state     bool // debounced level (true = pressed)
	candidate bool
	since     time.Time // first sample of the candidate; zero if none
}

// State returns the debounced level.
func (d *Debouncer) State() bool { return d.state }

// Sample feeds one reading taken at now. It reports whether the debounced
// level changed and, if so, when the new level was first seen.
func (d *Debouncer) Sample(level bool, now time.Time) (changed bool, at time.Time) {
	if level == d.state {
		d.since = time.Time{}
		return false, time.Time{}
	}
	if d.since.IsZero() || d.candidate != level {
		d.candidate, d.since = level, now
	}
	if now.Sub(d.since) >= d.Stable {
		d.state = level
		at, d.since = d.since, time.Time{}
		return true, at
	}
	return false, time.Time{}
}
