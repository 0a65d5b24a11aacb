package hallctl

import (
	"errors"
	"fmt"
)

// ErrUsage marks a command line that could not be understood; the command
// exits with status 2 instead of 1.
var ErrUsage = errors.New("hallctl: usage")

// ErrDBInUse: the database file is locked by a running controller.
var ErrDBInUse = errors.New("hallctl: the database is in use: stop the controller first")

// APIError is an error answer of the controller.
type APIError struct {
	Status    int
	Code      string
	Message   string // Chinese
	MessageEN string
}

func (e *APIError) Error() string {
	if e.MessageEN == "" {
		return fmt.Sprintf("hallctl: %d %s: %s", e.Status, e.Code, e.Message)
	}
	return fmt.Sprintf("hallctl: %d %s: %s (%s)", e.Status, e.Code, e.Message, e.MessageEN)
}

func usagef(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrUsage}, args...)...)
}
