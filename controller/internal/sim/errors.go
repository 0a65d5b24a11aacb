package sim

import (
	"errors"
	"fmt"
)

// Sentinel errors; compare with errors.Is.
var (
	// ErrScenario wraps every problem found in a scenario: the message
	// names the field.
	ErrScenario = errors.New("sim: bad scenario")
	// ErrRunaway is returned when a simulated day does not drain: the
	// load was impossible for the windows given.
	ErrRunaway = errors.New("sim: the queue does not drain")
	// ErrEventLog wraps problems with a day's event log given to the planner.
	ErrEventLog = errors.New("sim: bad event log")
	// ErrUsage is a bad command line.
	ErrUsage = errors.New("sim: usage")
)

// FieldError is a scenario problem in one field, e.g. "services[2].per_day".
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return fmt.Sprintf("sim: scenario: %s: %s", e.Field, e.Msg) }

// Unwrap makes errors.Is(err, ErrScenario) true.
func (e *FieldError) Unwrap() error { return ErrScenario }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}
