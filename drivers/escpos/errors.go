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
)

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
