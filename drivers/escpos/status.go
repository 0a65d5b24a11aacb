package escpos

import (
	"errors"
	"fmt"
	"strings"
)

// Status is the printer's condition, from DLE EOT replies or automatic
// status back.
type Status struct {
	Offline         bool
	CoverOpen       bool
	PaperEnd        bool // paper end sensor: printing stopped
	PaperNearEnd    bool
	CutterError     bool
	Unrecoverable   bool
	AutoRecoverable bool
	Error           bool // DLE EOT 2 bit 6: an error occurred (details in n=3)
}

// Err returns nil when the printer can print, or an error wrapping the
// most specific sentinel (paper end before cover open before cutter ...).
// Paper near end alone is not an error: use Warning.
func (s Status) Err() error {
	var errs []error
	if s.PaperEnd {
		errs = append(errs, ErrPaperEnd)
	}
	if s.CoverOpen {
		errs = append(errs, ErrCoverOpen)
	}
	if s.CutterError {
		errs = append(errs, ErrCutter)
	}
	if s.Unrecoverable || s.AutoRecoverable || s.Error && len(errs) == 0 {
		errs = append(errs, ErrPrinterError)
	}
	if s.Offline && len(errs) == 0 {
		errs = append(errs, ErrOffline)
	}
	return errors.Join(errs...)
}

// Warning returns ErrPaperNearEnd when the roll should be changed soon.
func (s Status) Warning() error {
	if s.PaperNearEnd && !s.PaperEnd {
		return ErrPaperNearEnd
	}
	return nil
}

// String lists the set flags, "ok" if none.
func (s Status) String() string {
	var f []string
	for _, x := range []struct {
		on   bool
		name string
	}{{s.Offline, "offline"}, {s.CoverOpen, "cover-open"}, {s.PaperEnd, "paper-end"}, {s.PaperNearEnd, "paper-near-end"},
		{s.CutterError, "cutter-error"}, {s.Error, "error"}, {s.Unrecoverable, "unrecoverable"}, {s.AutoRecoverable, "auto-recoverable"}} {
		if x.on {
			f = append(f, x.name)
		}
	}
	if len(f) == 0 {
		return "ok"
	}
	return strings.Join(f, ",")
}

// Real-time status request types for DLE EOT n.
const (
	StatusPrinter = 1
	StatusOffline = 2
	StatusError   = 3
	StatusPaper   = 4
)

// IsRealtimeReply reports whether b has the fixed bits of a DLE EOT reply.
func IsRealtimeReply(b byte) bool { return b&0x93 == 0x12 }

// IsASBHeader reports whether b can start an automatic status back group.
func IsASBHeader(b byte) bool { return b&0x93 == 0x10 }

// ApplyRealtime merges the reply b to DLE EOT n into s.
func (s *Status) ApplyRealtime(n int, b byte) error {
	if !IsRealtimeReply(b) {
		return fmt.Errorf("%w: %02X for DLE EOT %d", ErrBadStatus, b, n)
	}
	bit := func(i int) bool { return b&(1<<i) != 0 }
	switch n {
	case StatusPrinter:
		s.Offline = bit(3)
	case StatusOffline:
		s.CoverOpen = bit(2)
		// "Stopped by paper end": n=4 says the same with more detail, but
		// some printers answer only n=1 and n=2.
		if bit(5) {
			s.PaperEnd = true
		}
		s.Error = bit(6)
	case StatusError:
		s.CutterError = bit(3)
		s.Unrecoverable = bit(5)
		s.AutoRecoverable = bit(6)
	case StatusPaper:
		s.PaperNearEnd = b&0x0C == 0x0C
		s.PaperEnd = b&0x60 == 0x60
	default:
		return fmt.Errorf("%w: DLE EOT %d", ErrBadCommand, n)
	}
	return nil
}

// ParseASB decodes one 4-byte automatic status back group.
func ParseASB(g []byte) (Status, error) {
	if len(g) != 4 {
		return Status{}, fmt.Errorf("%w: asb group of %d bytes", ErrBadStatus, len(g))
	}
	if !IsASBHeader(g[0]) || g[1]&0x90 != 0 || g[2]&0x90 != 0 || g[3]&0x90 != 0 {
		return Status{}, fmt.Errorf("%w: asb % X", ErrBadStatus, g)
	}
	return Status{
		Offline:       g[0]&0x08 != 0,
		CoverOpen:     g[0]&0x20 != 0,
		CutterError:   g[1]&0x08 != 0,
		Unrecoverable: g[1]&0x20 != 0,
		PaperEnd:      g[2]&0x0C != 0,
		PaperNearEnd:  g[2]&0x03 != 0,
	}, nil
}

// StatusScanner splits the bytes a printer sends back into DLE EOT replies
// and ASB groups, resynchronising on anything else.
type StatusScanner struct {
	asb     []byte
	Dropped int
}

// Feed consumes one byte. It returns (reply, true, nil-group) for a DLE EOT
// reply, or a complete ASB group, or neither.
func (sc *StatusScanner) Feed(b byte) (reply byte, isReply bool, group []byte) {
	if len(sc.asb) > 0 {
		if b&0x90 == 0 {
			sc.asb = append(sc.asb, b)
			if len(sc.asb) == 4 {
				g := sc.asb
				sc.asb = nil
				return 0, false, g
			}
			return 0, false, nil
		}
		sc.Dropped += len(sc.asb)
		sc.asb = nil
	}
	switch {
	case IsRealtimeReply(b):
		return b, true, nil
	case IsASBHeader(b):
		sc.asb = []byte{b}
	default:
		sc.Dropped++
	}
	return 0, false, nil
}
