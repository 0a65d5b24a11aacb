package touch

import "errors"

// Sentinel errors. Wrapped errors keep these so callers can use errors.Is.
var (
	// ErrTruncated means the input ended in the middle of an input_event:
	// the recording was cut or the reader is not an evdev device.
	ErrTruncated = errors.New("touch: truncated input event")
	// ErrCalibration means the axis ranges are missing or empty (max not
	// above min) and the device could not report them.
	ErrCalibration = errors.New("touch: no usable calibration")
	// ErrOpts means an option is out of range: screen size, rotation not
	// a multiple of 90, event size other than 16 or 24.
	ErrOpts = errors.New("touch: bad option")
	// ErrClosed is returned by Read after Close.
	ErrClosed = errors.New("touch: closed")
)
