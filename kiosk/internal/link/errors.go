package link

import (
	"errors"
	"fmt"
)

// Sentinel errors; compare with errors.Is.
var (
	// ErrUnreachable wraps every failure to get an answer from the
	// controller: network errors, time-outs, and 5xx answers after the
	// retries. The kiosk's Issuer treats it as "offline".
	ErrUnreachable = errors.New("link: controller unreachable")
	// ErrNoLease: offline, and no lease with a free number for the service.
	ErrNoLease = errors.New("link: no leased number left for the service")
	// ErrOutboxClosed: the outbox was used after Close.
	ErrOutboxClosed = errors.New("link: outbox closed")
)

// APIError is an error answer of the controller: its status code and the
// body's code and messages (Message is Chinese, for staff and citizens).
type APIError struct {
	Status    int
	Code      string
	Message   string
	MessageEn string
}

func (e *APIError) Error() string {
	if e.MessageEn != "" {
		return fmt.Sprintf("link: controller answered %d %s: %s", e.Status, e.Code, e.MessageEn)
	}
	return fmt.Sprintf("link: controller answered %d %s", e.Status, e.Code)
}

// Temporary reports whether a retry may succeed (a 5xx answer).
func (e *APIError) Temporary() bool { return e.Status >= 500 }
