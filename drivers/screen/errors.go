package screen

import "errors"

// Sentinel errors. Wrapped errors keep these so callers can use errors.Is.
var (
	// ErrClosed is returned by a reopening input after Close.
	ErrClosed = errors.New("screen: closed")
	// ErrOpts means the options name no display or an impossible one.
	ErrOpts = errors.New("screen: bad option")
)
