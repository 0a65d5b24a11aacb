package virtual

import "errors"

// Sentinel errors. Wrapped errors keep these so callers can use errors.Is.
var (
	// ErrClosed is returned by Read and Draw after Close.
	ErrClosed = errors.New("virtual: closed")
	// ErrSize means the screen size is not positive or absurdly large.
	ErrSize = errors.New("virtual: bad screen size")
	// ErrTouch means a posted touch is malformed: unknown kind, position
	// not a number, or contact id out of range.
	ErrTouch = errors.New("virtual: bad touch")
	// ErrBusy means touches arrive faster than the application reads them.
	ErrBusy = errors.New("virtual: touch queue full")
)
