package pii

import "errors"

// Sentinel errors; compare with errors.Is. Error carries a Chinese message
// for citizens and staff in addition.
var (
	// ErrNoKey: no key is configured, or a sealed value names a key that is
	// no longer configured (rotated away too early).
	ErrNoKey = errors.New("pii: no such key")
	// ErrSealed: a sealed value is malformed or fails authentication
	// (tampered with, or sealed for another record).
	ErrSealed = errors.New("pii: sealed value corrupt or not authentic")
	// ErrBadKey: a configured key is not 32 bytes of base64, or ids clash.
	ErrBadKey = errors.New("pii: bad key configuration")
	// ErrBadID: an ID number fails GB 11643 validation; the *Error says why.
	ErrBadID = errors.New("pii: invalid ID number")
	// ErrBadName: a name is empty, too long or not plain text.
	ErrBadName = errors.New("pii: invalid name")
	// ErrBadPhone: a phone number is not an 11-digit mainland mobile number.
	ErrBadPhone = errors.New("pii: invalid phone number")
)

// Error is a validation failure with the message a citizen sees.
type Error struct {
	Err       error  // one of the sentinels above
	Message   string // Chinese
	MessageEN string
}

func (e *Error) Error() string { return e.Err.Error() + ": " + e.MessageEN }

// Unwrap makes errors.Is match the sentinel.
func (e *Error) Unwrap() error { return e.Err }
