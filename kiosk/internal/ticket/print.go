package ticket

import (
	"context"
	"errors"
	"fmt"

	"hallq/drivers/escpos"
)

// Printer is the part of *escpos.Dev the kiosk prints through.
type Printer interface {
	Status(ctx context.Context) (escpos.Status, error)
	Print(ctx context.Context, job []byte) error
}

var _ Printer = (*escpos.Dev)(nil)

// Check asks the printer for its status and returns an error wrapping
// ErrCannotPrint and the escpos sentinel (ErrPaperEnd, ErrCoverOpen,
// ErrOffline ...) when it cannot print. The status is returned in every
// case for the device report.
func Check(ctx context.Context, p Printer) (escpos.Status, error) {
	st, err := p.Status(ctx)
	if err != nil {
		return st, fmt.Errorf("%w: %w", ErrCannotPrint, err)
	}
	if err := st.Err(); err != nil {
		return st, fmt.Errorf("%w: %s: %w", ErrCannotPrint, st, err)
	}
	return st, nil
}

// Print sends job if the printer can print. escpos.Dev.Print checks the
// status itself before and after the job (under the port lock, so nothing
// slips in between); an error before any byte was sent wraps
// ErrCannotPrint, one after (paper ran out mid-ticket) does not, so the
// caller can tell "nothing printed, try later" from "maybe half printed,
// never print again: send the citizen to staff".
func Print(ctx context.Context, p Printer, job []byte) error {
	err := p.Print(ctx, job)
	if err == nil {
		return nil
	}
	if sentNothing(err) {
		return fmt.Errorf("%w: %w", ErrCannotPrint, err)
	}
	return fmt.Errorf("ticket: print: %w", err)
}

// sentNothing: the driver refused the job before any byte left (status
// check failed, printer offline), so nothing was printed and the ticket
// may be offered again; a failure after bytes left must not reprint.
func sentNothing(err error) bool { return errors.Is(err, escpos.ErrRefused) }

// Problems names a printer status for hallproto.DeviceStatus.Problems:
// printer_offline, printer_paper_end, printer_cover_open,
// printer_cutter_error, printer_error, printer_paper_near_end.
func Problems(st escpos.Status, err error) []string {
	var p []string
	switch {
	case errors.Is(err, escpos.ErrOffline) || (err != nil && !st.PaperEnd && !st.CoverOpen && !st.CutterError):
		p = append(p, "printer_offline")
	case st.Offline && !st.PaperEnd && !st.CoverOpen && !st.CutterError:
		p = append(p, "printer_offline")
	}
	if st.PaperEnd {
		p = append(p, "printer_paper_end")
	}
	if st.CoverOpen {
		p = append(p, "printer_cover_open")
	}
	if st.CutterError {
		p = append(p, "printer_cutter_error")
	}
	if (st.Unrecoverable || st.AutoRecoverable) && !st.CutterError {
		p = append(p, "printer_error")
	}
	if st.PaperNearEnd && !st.PaperEnd {
		p = append(p, "printer_paper_near_end")
	}
	return p
}
