package escpostest

import (
	"context"
	"errors"
	"io"
	"os"
	"sync"
	"syscall"
	"time"

	"hallq/drivers/escpos"
)

// Paper is the state of the roll.
type Paper int

const (
	PaperOK Paper = iota
	PaperNearEnd
	PaperOut
)

// FaultKind is a misbehaviour of the emulated printer.
type FaultKind int

const (
	NoFault FaultKind = iota
	// Silent accepts bytes but never answers a status request (printer
	// switched off, cable half in).
	Silent
	// Slow answers status requests after Fault.Delay.
	Slow
	// Hangup answers the next status request with nothing and hangs up
	// (Opts.OnHangup, or closing the port); Run returns ErrHungUp.
	Hangup
)

// Fault is injected with SetFault; Count 0 means until cleared.
type Fault struct {
	Kind  FaultKind
	Count int
	Delay time.Duration
}

// ErrHungUp is returned by Run after a Hangup fault.
var ErrHungUp = errors.New("escpostest: hung up")

// Opts configures an Emulator.
type Opts struct {
	// Baud paces consumption of print data like a UART (10 bits a byte);
	// 0 takes it as fast as the pty delivers.
	Baud int
	// OnHangup is called for the Hangup fault.
	OnHangup func()
}

// Emulator is an ESC/POS receipt printer on the master side of a pty.
type Emulator struct {
	opts Opts

	mu       sync.Mutex
	rw       io.ReadWriter
	paper    Paper
	cover    bool
	offline  bool
	cutter   bool
	fault    Fault
	asb      byte
	outAfter int // lines until the paper runs out, -1 never
	printed  []escpos.Op
	raw      []byte
	lost     int
	cuts     int
	changed  chan struct{}
}

// NewEmulator returns a printer emulator for rw; call Run to serve.
func NewEmulator(rw io.ReadWriter, opts *Opts) *Emulator {
	e := &Emulator{rw: rw, outAfter: -1, changed: make(chan struct{})}
	if opts != nil {
		e.opts = *opts
	}
	return e
}

// SetPort swaps the port after a hang-up.
func (e *Emulator) SetPort(rw io.ReadWriter) {
	e.mu.Lock()
	e.rw = rw
	e.mu.Unlock()
}

func (e *Emulator) set(f func()) {
	e.mu.Lock()
	f()
	asb := e.asb != 0
	rw := e.rw
	g := e.asbGroup()
	e.mu.Unlock()
	if asb {
		rw.Write(g) // best effort, like the printer's own sensor report
	}
}

// SetPaper sets the roll state.
func (e *Emulator) SetPaper(p Paper) { e.set(func() { e.paper = p; e.outAfter = -1 }) }

// PaperOutAfter makes the paper run out after n more printed lines.
func (e *Emulator) PaperOutAfter(n int) { e.set(func() { e.outAfter = n }) }

// SetCoverOpen opens or closes the cover.
func (e *Emulator) SetCoverOpen(open bool) { e.set(func() { e.cover = open }) }

// SetOffline takes the printer offline (the online button, or an error).
func (e *Emulator) SetOffline(off bool) { e.set(func() { e.offline = off }) }

// SetCutterError jams or frees the cutter.
func (e *Emulator) SetCutterError(on bool) { e.set(func() { e.cutter = on }) }

// SetFault injects a fault; SetFault(Fault{}) clears it.
func (e *Emulator) SetFault(f Fault) {
	e.mu.Lock()
	e.fault = f
	e.mu.Unlock()
}

// Output returns the raw bytes of every read that carried printable data
// (a status request sharing such a read is included).
func (e *Emulator) Output() []byte {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]byte(nil), e.raw...)
}

// Decoded renders what was printed as readable text (escpos.Render).
func (e *Emulator) Decoded() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return escpos.Render(e.printed)
}

// Tickets returns the printed output split at each cut, rendered.
func (e *Emulator) Tickets() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	start := 0
	for i, op := range e.printed {
		if op.Kind == escpos.OpCut {
			out = append(out, escpos.Render(e.printed[start:i+1]))
			start = i + 1
		}
	}
	return out
}

// Lost counts printable ops dropped because the printer could not print.
func (e *Emulator) Lost() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.lost
}

// Reset forgets everything printed.
func (e *Emulator) Reset() {
	e.mu.Lock()
	e.printed, e.raw, e.lost, e.cuts = nil, nil, 0, 0
	e.mu.Unlock()
}

// WaitCuts waits until n cuts have been printed in total or ctx is done.
func (e *Emulator) WaitCuts(ctx context.Context, n int) error {
	for {
		e.mu.Lock()
		c, ch := e.cuts, e.changed
		e.mu.Unlock()
		if c >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		}
	}
}

func bit(v bool, n uint) byte {
	if v {
		return 1 << n
	}
	return 0
}

// canPrint: caller holds mu.
func (e *Emulator) canPrint() bool {
	return !e.offline && !e.cover && e.paper != PaperOut
}

// reply computes the DLE EOT n answer; caller holds mu.
func (e *Emulator) reply(n int) byte {
	const fixed = 0x12
	out := e.paper == PaperOut
	switch n {
	case 1:
		return fixed | bit(!e.canPrint(), 3)
	case 2:
		return fixed | bit(e.cover, 2) | bit(out, 5) | bit(e.cutter, 6)
	case 3:
		return fixed | bit(e.cutter, 3)
	case 4:
		v := byte(fixed)
		if out || e.paper == PaperNearEnd {
			v |= 0x0C
		}
		if out {
			v |= 0x60
		}
		return v
	}
	return fixed
}

// asbGroup: caller holds mu.
func (e *Emulator) asbGroup() []byte {
	out := e.paper == PaperOut
	b2 := byte(0)
	if out {
		b2 |= 0x0C
	}
	if out || e.paper == PaperNearEnd {
		b2 |= 0x03
	}
	return []byte{0x10 | bit(!e.canPrint(), 3) | bit(e.cover, 5), bit(e.cutter, 3), b2, 0}
}

func (e *Emulator) takeFault() Fault {
	f := e.fault
	if f.Kind != NoFault && f.Count > 0 {
		e.fault.Count--
		if e.fault.Count == 0 {
			e.fault = Fault{}
		}
	}
	return f
}

// Run consumes the byte stream until ctx is done, the port fails, or a
// Hangup fault. Status requests are answered at once (or per the fault);
// printable data is kept while the printer can print and counted as lost
// otherwise.
func (e *Emulator) Run(ctx context.Context) error {
	e.mu.Lock()
	rw := e.rw
	e.mu.Unlock()
	in := make(chan []byte)
	errc := make(chan error, 1)
	stop := make(chan struct{})
	defer close(stop)
	dl, _ := rw.(interface{ SetReadDeadline(time.Time) error })
	go func() {
		buf := make([]byte, 4096)
		for {
			if dl != nil {
				dl.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
			}
			n, err := rw.Read(buf)
			if n > 0 {
				select {
				case in <- append([]byte(nil), buf[:n]...):
				case <-stop:
					return
				}
			}
			if err != nil {
				if errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, syscall.EIO) {
					if errors.Is(err, syscall.EIO) {
						time.Sleep(20 * time.Millisecond) // driver side closed; wait for reopen
					}
					select {
					case <-stop:
						return
					default:
					}
					continue
				}
				errc <- err
				return
			}
		}
	}()
	var pending []byte
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-errc:
			return err
		case b := <-in:
			if e.opts.Baud > 0 {
				if !sleep(ctx, time.Duration(len(b))*10*time.Second/time.Duration(e.opts.Baud)) {
					return ctx.Err()
				}
			}
			pending = append(pending, b...)
			ops, used, _ := escpos.Parse(pending, false)
			raw := pending[:used]
			pending = append([]byte(nil), pending[used:]...)
			if err := e.apply(ctx, rw, ops, raw); err != nil {
				return err
			}
		}
	}
}

func (e *Emulator) apply(ctx context.Context, rw io.ReadWriter, ops []escpos.Op, raw []byte) error {
	e.mu.Lock()
	printable := false
	for _, op := range ops {
		switch op.Kind {
		case escpos.OpStatusRequest:
			f := e.takeFault()
			ans := e.reply(op.Arg)
			e.mu.Unlock()
			switch f.Kind {
			case Silent:
			case Hangup:
				if e.opts.OnHangup != nil {
					e.opts.OnHangup()
				} else if c, ok := rw.(io.Closer); ok {
					c.Close()
				}
				return ErrHungUp
			case Slow:
				if !sleep(ctx, f.Delay) {
					return ctx.Err()
				}
				fallthrough
			default:
				if _, err := rw.Write([]byte{ans}); err != nil {
					return err
				}
			}
			e.mu.Lock()
		case escpos.OpRecover:
			e.cutter = false
		case escpos.OpASB:
			e.asb = byte(op.Arg)
			if e.asb != 0 {
				g := e.asbGroup()
				e.mu.Unlock()
				rw.Write(g)
				e.mu.Lock()
			}
		default:
			if !e.canPrint() {
				e.lost++
				continue
			}
			printable = true
			if n := len(e.printed); n > 0 {
				last := &e.printed[n-1]
				if op.Kind == escpos.OpInit && last.Kind == escpos.OpInit {
					continue // ESC @ twice is ESC @ once
				}
				if op.Kind == escpos.OpText && last.Kind == escpos.OpText {
					last.Text += op.Text // a line split across reads
					continue
				}
			}
			e.printed = append(e.printed, op)
			if op.Kind == escpos.OpCut {
				e.cuts++
			}
			if op.Kind == escpos.OpLF && e.outAfter > 0 {
				e.outAfter--
				if e.outAfter == 0 {
					e.paper, e.outAfter = PaperOut, -1
					if e.asb != 0 {
						g := e.asbGroup()
						e.mu.Unlock()
						rw.Write(g)
						e.mu.Lock()
					}
				}
			}
		}
	}
	if printable {
		e.raw = append(e.raw, raw...)
		close(e.changed)
		e.changed = make(chan struct{})
	}
	e.mu.Unlock()
	return nil
}

func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
