package idcardtest

import (
	"context"
	"errors"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"hallq/drivers/idcard"
)

// FaultKind is a misbehaviour the emulator can inject into its answers.
type FaultKind int

const (
	// NoFault answers correctly.
	NoFault FaultKind = iota
	// Silent swallows the request and answers nothing.
	Silent
	// Slow waits Fault.Delay before answering.
	Slow
	// BadChecksum flips the answer's XOR byte.
	BadChecksum
	// Truncate sends half the answer, then nothing.
	Truncate
	// Hangup sends half the answer, then hangs up (Opts.OnHangup, or closes
	// the port if it is an io.Closer); Run returns ErrHungUp.
	Hangup
	// Garbage sends junk, including a partial preamble, before the answer.
	Garbage
	// Split sends the answer in pieces of 1-7 bytes.
	Split
	// Duplicate sends the answer twice.
	Duplicate
	// ReadFails answers a read with SW3 41 (card moved).
	ReadFails
	// AuthFails answers select and read with SW3 32 (fake or damaged card).
	AuthFails
)

// Fault selects a misbehaviour for the next Count answers (0 = until
// SetFault(Fault{}) clears it).
type Fault struct {
	Kind  FaultKind
	Count int
	Delay time.Duration // for Slow
}

// ErrHungUp is returned by Run after a Hangup fault.
var ErrHungUp = errors.New("idcardtest: hung up")

// Opts configures an Emulator. The zero value answers at once, unpaced.
type Opts struct {
	// Baud paces the answers like a UART at this speed (10 bits a byte);
	// 0 sends as fast as the pty takes them.
	Baud int
	// ModuleBaud, if set and the port is a pty master, makes the module deaf
	// unless the driver's side of the pty is set to this speed, so baud
	// probing can be tested. A SetBaud command changes it.
	ModuleBaud int
	// FindDelay, SelectDelay and ReadDelay are the module's own processing
	// times before it starts answering.
	FindDelay, SelectDelay, ReadDelay time.Duration
	// OnHangup is called for the Hangup fault after the partial frame.
	OnHangup func()
}

// RealisticOpts models a typical module: 115200 baud and processing times
// that give a read of about 0.5 s (the low end of the 0.5-1.5 s in
// protocols.md) including the wire time.
var RealisticOpts = Opts{
	Baud:        115200,
	FindDelay:   10 * time.Millisecond,
	SelectDelay: 15 * time.Millisecond,
	ReadDelay:   400 * time.Millisecond,
}

// Card is what sits on the emulated reader.
type Card struct {
	Identity   *idcard.Identity // Photo holds the raw WLT bytes to send
	ChipSerial [8]byte
	Address    string // appended address, "" for none
}

// Stats counts traffic, for wire-time floors in benchmarks.
type Stats struct {
	BytesIn, BytesOut, Requests int64
}

// Emulator is a SAM module on the master side of a pty (or any
// io.ReadWriter, such as a serialport.Pipe end).
type Emulator struct {
	opts     Opts
	moduleID [16]byte

	mu    sync.Mutex
	rw    io.ReadWriter
	card  *Card
	fresh bool // placed and not yet read: answers find with 9F
	sel   bool // selected since placed
	fault Fault
	modBd int

	bytesIn, bytesOut, requests atomic.Int64
}

// NewEmulator returns an emulator for rw; call Run to serve. A nil opts is
// the zero Opts.
func NewEmulator(rw io.ReadWriter, opts *Opts) *Emulator {
	e := &Emulator{rw: rw}
	if opts != nil {
		e.opts = *opts
	}
	e.modBd = e.opts.ModuleBaud
	copy(e.moduleID[:], "HALLQ-EMU-SAM-01")
	return e
}

// SetPort swaps the port, e.g. after a Hangup fault and a new pty.
func (e *Emulator) SetPort(rw io.ReadWriter) {
	e.mu.Lock()
	e.rw = rw
	e.mu.Unlock()
}

// PlaceCard puts a card in the field (replacing any other).
func (e *Emulator) PlaceCard(c Card) {
	e.mu.Lock()
	e.card, e.fresh, e.sel = &c, true, false
	e.mu.Unlock()
}

// RemoveCard takes the card away.
func (e *Emulator) RemoveCard() {
	e.mu.Lock()
	e.card, e.fresh, e.sel = nil, false, false
	e.mu.Unlock()
}

// SetFault injects a fault; SetFault(Fault{}) clears it.
func (e *Emulator) SetFault(f Fault) {
	e.mu.Lock()
	e.fault = f
	e.mu.Unlock()
}

// Stats returns the traffic counters.
func (e *Emulator) Stats() Stats {
	return Stats{BytesIn: e.bytesIn.Load(), BytesOut: e.bytesOut.Load(), Requests: e.requests.Load()}
}

// ResetStats zeroes the traffic counters.
func (e *Emulator) ResetStats() {
	e.bytesIn.Store(0)
	e.bytesOut.Store(0)
	e.requests.Store(0)
}

// takeFault returns the fault for the answer to req and counts it down;
// card faults count only on the commands they affect.
func (e *Emulator) takeFault(req idcard.Request) Fault {
	e.mu.Lock()
	defer e.mu.Unlock()
	f := e.fault
	switch {
	case f.Kind == ReadFails && req.Cmd != idcard.CmdRead,
		f.Kind == AuthFails && req.Cmd != idcard.CmdRead && !(req.Cmd == idcard.CmdCard && req.Para == idcard.ParaSelect):
		return Fault{}
	}
	if f.Kind != NoFault && f.Count > 0 {
		e.fault.Count--
		if e.fault.Count == 0 {
			e.fault = Fault{}
		}
	}
	return f
}

// Run serves requests until ctx is done, the port fails, or a Hangup fault.
// If the port has SetReadDeadline (an *os.File pty master does) Run returns
// promptly on cancel; otherwise close the port to stop it.
func (e *Emulator) Run(ctx context.Context) error {
	e.mu.Lock()
	rw := e.rw
	e.mu.Unlock()
	type chunk struct {
		b   []byte
		err error
	}
	in := make(chan chunk)
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
				case in <- chunk{b: append([]byte(nil), buf[:n]...)}:
				case <-stop:
					return
				}
			}
			if err != nil {
				if errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, syscall.EIO) {
					// EIO on a pty master: the driver closed its side
					// (reopening); wait for it to come back.
					if errors.Is(err, syscall.EIO) {
						time.Sleep(20 * time.Millisecond)
					}
					select {
					case <-stop:
						return
					default:
					}
					continue
				}
				select {
				case in <- chunk{err: err}:
				case <-stop:
				}
				return
			}
		}
	}()
	var dec idcard.Decoder
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case c := <-in:
			if c.err != nil {
				return c.err
			}
			e.bytesIn.Add(int64(len(c.b)))
			dec.Write(c.b)
			for {
				body, err := dec.Next()
				if errors.Is(err, idcard.ErrNeedMore) {
					break
				}
				if err != nil {
					// A real module answers 10 to a bad host checksum.
					if errors.Is(err, idcard.ErrChecksum) {
						e.send(ctx, rw, idcard.Response{SW3: 0x10}, Fault{})
					}
					continue
				}
				req, err := idcard.ParseRequest(body)
				if err != nil {
					continue
				}
				e.requests.Add(1)
				if err := e.serve(ctx, rw, req); err != nil {
					return err
				}
			}
		}
	}
}

func (e *Emulator) deaf(rw io.ReadWriter) bool {
	e.mu.Lock()
	want := e.modBd
	e.mu.Unlock()
	f, ok := rw.(*os.File)
	if want == 0 || !ok {
		return false
	}
	t, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	if err != nil {
		return false
	}
	return t.Cflag&unix.CBAUD != baudFlag(want)
}

func baudFlag(b int) uint32 {
	switch b {
	case 9600:
		return unix.B9600
	case 19200:
		return unix.B19200
	case 38400:
		return unix.B38400
	case 57600:
		return unix.B57600
	case 115200:
		return unix.B115200
	}
	return 0
}

var setBauds = []int{115200, 57600, 38400, 19200, 9600}

func (e *Emulator) serve(ctx context.Context, rw io.ReadWriter, req idcard.Request) error {
	if e.deaf(rw) {
		return nil // at the wrong speed the module hears only noise
	}
	f := e.takeFault(req)
	e.mu.Lock()
	var r idcard.Response
	var delay time.Duration
	card := e.card
	switch {
	case req.Cmd == idcard.CmdReset || req.Cmd == idcard.CmdStatus:
		r.SW3 = idcard.SW3OK
	case req.Cmd == idcard.CmdModuleID:
		r.SW3, r.Data = idcard.SW3OK, e.moduleID[:]
	case req.Cmd == idcard.CmdCard && req.Para == idcard.ParaFind:
		delay = e.opts.FindDelay
		if card != nil && e.fresh {
			r.SW3, r.Data = idcard.SW3CardFound, []byte{0, 0, 0, 0}
		} else {
			r.SW3 = idcard.SW3NoCard
		}
	case req.Cmd == idcard.CmdCard && req.Para == idcard.ParaSelect:
		delay = e.opts.SelectDelay
		switch {
		case card == nil:
			r.SW3 = idcard.SW3SelectFailed
		case f.Kind == AuthFails:
			r.SW3 = 0x32
		default:
			e.sel = true
			r.SW3, r.Data = idcard.SW3OK, card.ChipSerial[:]
		}
	case req.Cmd == idcard.CmdRead && (req.Para == idcard.ParaTextPhoto || req.Para == idcard.ParaTextFinger):
		delay = e.opts.ReadDelay
		switch {
		case card == nil || !e.sel || f.Kind == ReadFails:
			r.SW3 = idcard.SW3ReadFailed
		case f.Kind == AuthFails:
			r.SW3 = 0x32
		default:
			text, err := idcard.EncodeText(card.Identity)
			if err != nil {
				r.SW3 = 0x40
				break
			}
			photo := make([]byte, idcard.PhotoSize)
			copy(photo, card.Identity.Photo)
			r.SW3, r.Data = idcard.SW3OK, idcard.EncodeTextPhoto(text, photo)
			if req.Para == idcard.ParaTextFinger {
				d := r.Data
				r.Data = append(append(append([]byte{}, d[:4]...), 0, 0), d[4:]...)
			}
			e.fresh, e.sel = false, false // the card halts until it leaves the field
		}
	case req.Cmd == idcard.CmdRead && req.Para == idcard.ParaAddress:
		switch {
		case card == nil:
			r.SW3 = idcard.SW3ReadFailed
		case card.Address == "":
			r.SW3 = idcard.SW3NoContent
		default:
			r.SW3, r.Data = idcard.SW3OK, utf16Field(card.Address, 70)
		}
	case req.Cmd == idcard.CmdSetBaud && int(req.Para) < len(setBauds):
		r.SW3 = idcard.SW3OK
		defer func() {
			e.mu.Lock()
			if e.modBd != 0 {
				e.modBd = setBauds[req.Para]
			}
			e.mu.Unlock()
		}()
	default:
		r.SW3 = 0x21
	}
	e.mu.Unlock()
	if e.opts.Baud > 0 {
		// The request arrived through the pty at once; a real UART would
		// still be clocking it in (8 bytes of frame plus the body).
		delay += time.Duration(8+2+len(req.Data)) * 10 * time.Second / time.Duration(e.opts.Baud)
	}
	if !sleep(ctx, delay) {
		return ctx.Err()
	}
	return e.send(ctx, rw, r, f)
}

func (e *Emulator) send(ctx context.Context, rw io.ReadWriter, r idcard.Response, f Fault) error {
	out := idcard.EncodeResponse(r)
	switch f.Kind {
	case Silent:
		return nil
	case Slow:
		if !sleep(ctx, f.Delay) {
			return ctx.Err()
		}
	case BadChecksum:
		out[len(out)-1] ^= 0x5A
	case Truncate:
		return e.write(ctx, rw, out[:len(out)/2])
	case Hangup:
		if err := e.write(ctx, rw, out[:len(out)/2]); err != nil {
			return err
		}
		if e.opts.OnHangup != nil {
			e.opts.OnHangup()
		} else if c, ok := rw.(io.Closer); ok {
			c.Close()
		}
		return ErrHungUp
	case Garbage:
		junk := []byte{0x00, 0xFF, 0xAA, 0xAA, 0x96, 0x13, 0xAA, 0xAA, 0xAA, 0x96, 0x69, 0xFF, 0xFF}
		out = append(junk, out...)
	case Duplicate:
		out = append(out, out...)
	case Split:
		for len(out) > 0 {
			n := min(len(out), 1+len(out)%7)
			if err := e.write(ctx, rw, out[:n]); err != nil {
				return err
			}
			out = out[n:]
			if !sleep(ctx, time.Millisecond) {
				return ctx.Err()
			}
		}
		return nil
	}
	return e.write(ctx, rw, out)
}

// write paces b at Opts.Baud.
func (e *Emulator) write(ctx context.Context, rw io.ReadWriter, b []byte) error {
	if e.opts.Baud <= 0 {
		e.bytesOut.Add(int64(len(b)))
		_, err := rw.Write(b)
		return err
	}
	start := time.Now()
	const chunk = 32
	for sent := 0; sent < len(b); {
		n := min(chunk, len(b)-sent)
		if _, err := rw.Write(b[sent : sent+n]); err != nil {
			return err
		}
		sent += n
		e.bytesOut.Add(int64(n))
		due := start.Add(time.Duration(sent) * 10 * time.Second / time.Duration(e.opts.Baud))
		if !sleep(ctx, time.Until(due)) {
			return ctx.Err()
		}
	}
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
