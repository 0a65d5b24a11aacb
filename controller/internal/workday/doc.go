// Package workday is the hall's working-day calendar: Saturdays and Sundays
// are off, public holidays are off, and the adjusted working days of the
// State Council's holiday notice (调休: a Saturday or Sunday worked in
// exchange for a longer holiday) are on. Deadlines counted in working days
// (15 working days for a follow-up of a bad evaluation, the booking
// horizon) use it.
//
// Dates are civil dates: a time.Time is reduced to its year, month and day
// in its own location, so callers pass times in the hall's time zone.
//
// The configuration mirrors the notice, one entry per festival:
//
//	calendar:
//	  holidays:
//	    - {name: 国庆节, from: 2026-10-01, to: 2026-10-07, workdays: [2026-09-20, 2026-10-10]}
//
// DefaultConfig is the 2026 national schedule (国办发明电〔2025〕7号).
package workday
