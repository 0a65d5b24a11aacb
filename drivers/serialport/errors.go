package serialport

import "errors"

// Sentinel errors. Callers test them with errors.Is; wrapped errors keep the
// port name for context.
var (
	// ErrTimeout means no byte arrived within one read timeout slice. It is
	// a normal event on a quiet line, not a failure.
	ErrTimeout = errors.New("serialport: read timeout")
	// ErrHangup means the device is gone (unplugged, pty master closed):
	// reads end at once with EOF, or the kernel returns EIO. Call Reopen.
	ErrHangup = errors.New("serialport: hang-up")
	// ErrClosed means the port was closed by Close.
	ErrClosed = errors.New("serialport: port closed")
)
