package escpos

import (
	"errors"

	"hallq/drivers/serialport"
)

// Sentinel errors. Message turns them into the Chinese text for staff and
// citizens.
var (
	// ErrPaperEnd: the roll is out; printing stopped.
	ErrPaperEnd = errors.New("escpos: paper end")
	// ErrPaperNearEnd: the roll is nearly out. A warning: printing goes on.
	ErrPaperNearEnd = errors.New("escpos: paper near end")
	// ErrCoverOpen: the cover is open.
	ErrCoverOpen = errors.New("escpos: cover open")
	// ErrCutter: the auto-cutter jammed or failed.
	ErrCutter = errors.New("escpos: cutter error")
	// ErrPrinterError: another unrecoverable or auto-recoverable error.
	ErrPrinterError = errors.New("escpos: printer error")
	// ErrOffline: the printer reports itself offline, or did not answer a
	// status request within the reply timeout (off or unplugged).
	ErrOffline = errors.New("escpos: printer offline")
	// ErrBadStatus: a status byte failed its fixed-bit check.
	ErrBadStatus = errors.New("escpos: malformed status byte")
	// ErrTruncated: an ESC/POS stream ended inside a command.
	ErrTruncated = errors.New("escpos: truncated command")
	// ErrBadCommand: a command's parameters are out of range.
	ErrBadCommand = errors.New("escpos: bad command parameters")
	// ErrTooLarge: a QR payload or image does not fit the command or paper.
	ErrTooLarge = errors.New("escpos: too large")
	// ErrRefused: Print gave up before any byte of the job reached the
	// port (the status check failed or the printer cannot print, or ctx
	// ended first). Nothing is on paper, so the job may be sent again
	// later. A Print error that does not match ErrRefused means part or
	// all of the job may have been printed: printing it again could hand
	// out a ticket twice. Every Print error is a *JobError.
	ErrRefused = errors.New("escpos: job refused before any byte was sent")
)

// JobError is the error of Dev.Print. It wraps the cause (a status
// sentinel such as ErrPaperEnd, a serialport error, ctx's error) and says
// how much of the job had been handed to the port. errors.Is(err,
// ErrRefused) and Refused report a refusal.
type JobError struct {
	// Sent counts the job's bytes written to the port before the
	// failure; Size is the job's length. Bytes written may still be in
	// the printer's buffer or on paper.
	Sent, Size int
	// Err is the cause.
	Err error

	refused bool
	// stage is the context in the message: "", "write", "after job",
	// "job may be incomplete: <status>" ...
	stage string
}

// Error keeps the message Print has always returned.
func (e *JobError) Error() string {
	if e.stage == "" {
		return "escpos: print: " + e.Err.Error()
	}
	return "escpos: print: " + e.stage + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *JobError) Unwrap() error { return e.Err }

// Refused reports that no byte of the job was sent.
func (e *JobError) Refused() bool { return e.refused }

// Is matches ErrRefused when the job was refused.
func (e *JobError) Is(target error) bool { return target == ErrRefused && e.refused }

// Message returns the Chinese text to show for an error of this package,
// or "" for nil.
func Message(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrPaperEnd):
		return "打印纸用完，请联系工作人员"
	case errors.Is(err, ErrCoverOpen):
		return "打印机盖未关好，请联系工作人员"
	case errors.Is(err, ErrCutter):
		return "打印机切纸故障，请联系工作人员"
	case errors.Is(err, ErrPaperNearEnd):
		return "打印纸即将用完，请通知工作人员更换"
	case errors.Is(err, ErrOffline), errors.Is(err, serialport.ErrHangup), errors.Is(err, serialport.ErrClosed):
		return "打印机未连接，请联系工作人员"
	}
	return "打印机故障，请联系工作人员"
}
