package ticket

import (
	"errors"

	"hallq/drivers/escpos"
)

// Sentinel errors.
var (
	// ErrBadTicket: the ticket data cannot be laid out (no number, a
	// number too wide for the paper, an unknown layout).
	ErrBadTicket = errors.New("ticket: bad ticket data")
	// ErrNoFont: no usable font file was found or it could not be parsed.
	ErrNoFont = errors.New("ticket: no usable font")
	// ErrCannotPrint: the printer reported a condition that stops
	// printing before the job was sent; it is joined with the escpos
	// sentinel (escpos.ErrPaperEnd, escpos.ErrCoverOpen, ...).
	ErrCannotPrint = errors.New("ticket: printer cannot print")
)

// Message returns the Chinese sentence for a citizen or staff member for
// an error of this package or of the printer, "" for nil.
func Message(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrBadTicket):
		return "号票内容有误，请联系工作人员"
	case errors.Is(err, ErrNoFont):
		return "未找到中文字体，请联系工作人员"
	}
	return escpos.Message(err)
}
