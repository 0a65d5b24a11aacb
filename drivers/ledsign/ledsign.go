// Package ledsign drives LED window signs ("请A023号到3号窗口") over RS-485
// with KWS/1, the hall's published sign protocol (shared/design/protocols.md
// section 3): 55 AA framing, CRC-16/MODBUS, sequence numbers, acknowledged
// requests with retries, offline detection and a periodic refresh of the
// current call so a sign that lost power shows the right number again.
//
// Sign is the interface window terminals program against, so adapters for
// other controllers (Modbus number modules, vendor boards) can stand in for
// Dev. ledsigntest holds an emulator that speaks the slave side.
package ledsign

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"syscall"
	"time"

	"hallq/drivers/serialport"
)

// Sign is what a window terminal needs from a window display.
type Sign interface {
	// ShowCall shows a called ticket and keeps it refreshed.
	ShowCall(ctx context.Context, c Call) error
	// ShowText shows free text (and forgets the current call).
	ShowText(ctx context.Context, t Text) error
	// SetIdle stores the text shown when nothing else is.
	SetIdle(ctx context.Context, t Text) error
	// Clear blanks a region (RegionAll for everything).
	Clear(ctx context.Context, region uint8) error
	// SetBrightness sets 0-15, or BrightnessAuto.
	SetBrightness(ctx context.Context, level uint8) error
	// Online reports whether the last exchange succeeded.
	Online() bool
	String() string
	// Halt blanks the sign and stops refreshing.
	Halt() error
}

// BrightnessAuto lets the sign follow its light sensor.
const BrightnessAuto = 0xFF

// Port is what Dev needs from a serial line: an io.ReadWriter, either with
// SetReadDeadline (a pty or *os.File) or with its own read timeout that
// makes Read return (0, nil), (0, io.EOF) or a timeout error when no byte
// arrives (drivers/serialport, github.com/tarm/serial with ReadTimeout).
// A port that blocks forever in Read without either is not supported.
type Port interface {
	io.ReadWriter
}

type reopener interface {
	Reopen(ctx context.Context) error
}

type deadliner interface {
	SetReadDeadline(t time.Time) error
}

// Clock supplies the time for the refresh schedule; tests inject a fake.
type Clock interface{ Now() time.Time }

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

// Opts configures a Dev.
type Opts struct {
	Addr         uint8         // 1-247, or 0 to broadcast (no replies awaited)
	Baud         int           // line speed, for air time in the reply wait
	Wait         time.Duration // reply wait before air time (150 ms)
	Retries      int           // re-sends after the first attempt (2)
	InterByte    time.Duration // a longer gap inside a frame drops it (20 ms)
	RefreshEvery time.Duration // re-send the current call this often (30 s)
	Clock        Clock         // nil = wall clock
	Name         string        // for String(), e.g. "window 3"
}

// DefaultOpts are the protocol's defaults for address 1.
var DefaultOpts = Opts{Addr: 1, Baud: 9600, Wait: 150 * time.Millisecond, Retries: 2,
	InterByte: 20 * time.Millisecond, RefreshEvery: 30 * time.Second}

// Dev is a KWS/1 sign at one address on a port. Methods are safe for
// concurrent use; exchanges are serialised.
type Dev struct {
	port Port
	opts Opts

	mu       sync.Mutex // serialises exchanges and guards what follows
	seq      uint8
	dec      Decoder
	buf      []byte
	online   bool
	current  *Call
	lastSent time.Time // of the current call
	shownAt  time.Time // when the current call was first shown, for Hold
	hungUp   bool      // the port hung up; reopen before the next exchange
}

var _ Sign = (*Dev)(nil)

// New returns a Dev on port. It does not talk to the sign: call Ping to
// check it is there.
func New(port Port, opts *Opts) (*Dev, error) {
	o := DefaultOpts
	if opts != nil {
		o = *opts
	}
	if o.Addr > MaxAddr {
		return nil, fmt.Errorf("%w: address %d (1-%d, 0 broadcast)", ErrParam, o.Addr, MaxAddr)
	}
	if o.Baud <= 0 {
		o.Baud = DefaultOpts.Baud
	}
	if o.Wait <= 0 {
		o.Wait = DefaultOpts.Wait
	}
	if o.Retries < 0 {
		o.Retries = 0
	}
	if o.InterByte <= 0 {
		o.InterByte = DefaultOpts.InterByte
	}
	if o.RefreshEvery <= 0 {
		o.RefreshEvery = DefaultOpts.RefreshEvery
	}
	if o.Clock == nil {
		o.Clock = realClock{}
	}
	return &Dev{port: port, opts: o, online: true, buf: make([]byte, 256)}, nil
}

func (d *Dev) String() string {
	if d.opts.Name != "" {
		return fmt.Sprintf("ledsign(%s, addr %d)", d.opts.Name, d.opts.Addr)
	}
	return fmt.Sprintf("ledsign(addr %d)", d.opts.Addr)
}

// Online reports whether the sign answered the last exchange.
func (d *Dev) Online() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.online
}

// Current returns the call being kept on the sign, if any.
func (d *Dev) Current() (Call, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.current == nil {
		return Call{}, false
	}
	return *d.current, true
}

// Halt blanks the sign and forgets the current call.
func (d *Dev) Halt() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	return d.Clear(ctx, RegionAll)
}

// ShowCall shows c and remembers it for Refresh. The call is remembered even
// if the sign does not answer, so that it appears once the sign is back.
func (d *Dev) ShowCall(ctx context.Context, c Call) error {
	p, err := c.MarshalBinary()
	if err != nil {
		return err
	}
	if _, ok := c.Render(); !ok {
		return fmt.Errorf("%w: template %d", ErrParam, c.Template)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.opts.Clock.Now()
	d.current, d.lastSent, d.shownAt = &c, now, now
	_, err = d.exchange(ctx, CmdShowCall, p)
	return err
}

// Refresh re-sends the current call when RefreshEvery has passed since it
// was last sent, without blinking again; a call whose Hold has expired is
// dropped instead. It reports whether it sent anything.
func (d *Dev) Refresh(ctx context.Context) (bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.current == nil {
		return false, nil
	}
	now := d.opts.Clock.Now()
	if h := d.current.Hold; h != 0 && now.Sub(d.shownAt) >= time.Duration(h)*time.Second {
		d.current = nil
		return false, nil
	}
	if now.Sub(d.lastSent) < d.opts.RefreshEvery {
		return false, nil
	}
	c := *d.current
	c.Blink = 0
	if h := c.Hold; h != 0 {
		left := time.Duration(h)*time.Second - now.Sub(d.shownAt)
		c.Hold = uint16((left + time.Second - 1) / time.Second)
	}
	p, err := c.MarshalBinary()
	if err != nil {
		return false, err
	}
	d.lastSent = now
	_, err = d.exchange(ctx, CmdShowCall, p)
	return true, err
}

// Run calls Refresh every poll interval until ctx is done. Errors are left
// to Online(); the next refresh tries again.
func (d *Dev) Run(ctx context.Context, poll time.Duration) {
	if poll <= 0 {
		poll = time.Second
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_, _ = d.Refresh(ctx)
		}
	}
}

func (d *Dev) forget() { d.current = nil }

// ShowText shows t; the current call is no longer refreshed.
func (d *Dev) ShowText(ctx context.Context, t Text) error {
	p, err := t.MarshalBinary()
	if err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if t.Region == RegionMain {
		d.forget()
	}
	_, err = d.exchange(ctx, CmdShowText, p)
	return err
}

// SetIdle stores t as the text shown when nothing else is (persisted by the
// sign).
func (d *Dev) SetIdle(ctx context.Context, t Text) error {
	p, err := t.MarshalBinary()
	if err != nil {
		return err
	}
	return d.simple(ctx, CmdSetIdle, p)
}

// Clear blanks region (RegionAll for everything) and forgets the current
// call when it was on the cleared region.
func (d *Dev) Clear(ctx context.Context, region uint8) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if region == RegionAll || region == RegionMain {
		d.forget()
	}
	_, err := d.exchange(ctx, CmdClear, []byte{region})
	return err
}

// SetBrightness sets level 0-15 or BrightnessAuto.
func (d *Dev) SetBrightness(ctx context.Context, level uint8) error {
	if level > 15 && level != BrightnessAuto {
		return fmt.Errorf("%w: brightness %d (0-15 or 0xFF)", ErrParam, level)
	}
	return d.simple(ctx, CmdBrightness, []byte{level})
}

// Identify makes the sign show its address and serial for seconds, so a
// technician can tell which sign is which.
func (d *Dev) Identify(ctx context.Context, seconds uint8) error {
	return d.simple(ctx, CmdIdentify, []byte{seconds})
}

// SetAddress gives the sign with serial the address newAddr. Send it from a
// Dev whose address is the sign's current one, or Broadcast (the sign then
// does not answer). On success this Dev talks to newAddr from then on.
func (d *Dev) SetAddress(ctx context.Context, serial [8]byte, newAddr uint8) error {
	if newAddr == Broadcast || newAddr > MaxAddr {
		return fmt.Errorf("%w: new address %d (1-%d)", ErrParam, newAddr, MaxAddr)
	}
	p := append(serial[:], newAddr)
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, err := d.exchange(ctx, CmdSetAddr, p); err != nil {
		return err
	}
	if d.opts.Addr != Broadcast {
		d.opts.Addr = newAddr
	}
	return nil
}

// Reset restarts the sign's controller.
func (d *Dev) Reset(ctx context.Context) error { return d.simple(ctx, CmdReset, nil) }

// Ping asks the sign who it is.
func (d *Dev) Ping(ctx context.Context) (Info, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var in Info
	p, err := d.exchange(ctx, CmdPing, nil)
	if err != nil {
		return in, err
	}
	if err := in.UnmarshalBinary(p); err != nil {
		return in, fmt.Errorf("ledsign: ping: %w", err)
	}
	return in, nil
}

// Status asks the sign for its state.
func (d *Dev) Status(ctx context.Context) (DevStatus, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var s DevStatus
	p, err := d.exchange(ctx, CmdStatus, nil)
	if err != nil {
		return s, err
	}
	if err := s.UnmarshalBinary(p); err != nil {
		return s, fmt.Errorf("ledsign: status: %w", err)
	}
	return s, nil
}

func (d *Dev) simple(ctx context.Context, cmd Cmd, p []byte) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	_, err := d.exchange(ctx, cmd, p)
	return err
}

// replyMax is the largest reply payload per command, for the air time.
func replyMax(cmd Cmd) int {
	switch cmd {
	case CmdPing:
		return infoLen
	case CmdStatus:
		return 8
	}
	return 1
}

// airTime is the time n bytes take on the line at 10 bits per byte.
func (d *Dev) airTime(n int) time.Duration {
	return time.Duration(n) * 10 * time.Second / time.Duration(d.opts.Baud)
}

// exchange sends one request and waits for its reply, retrying with the
// same SEQ so a sign that did act on a lost reply treats the retry as a
// duplicate. It returns the reply payload; for commands whose reply is a
// bare status, a non-zero status is a *StatusError. d.mu is held.
func (d *Dev) exchange(ctx context.Context, cmd Cmd, payload []byte) ([]byte, error) {
	d.seq++
	f := Frame{Addr: d.opts.Addr, Seq: d.seq, Cmd: cmd, Payload: payload}
	if f.Addr != Broadcast {
		f.Flags = FlagAck
	}
	req, err := AppendFrame(nil, f)
	if err != nil {
		return nil, err
	}
	if d.hungUp {
		// A replugged adapter comes back under the same stable path; ports
		// that can reopen (drivers/serialport) get the chance here.
		if r, ok := d.port.(reopener); ok {
			if err := r.Reopen(ctx); err != nil {
				return nil, fmt.Errorf("ledsign: %s: reopen: %w: %w", cmd, ErrHangup, err)
			}
		}
		d.hungUp = false
	}
	wait := d.opts.Wait + d.airTime(len(req)+overhead+replyMax(cmd))
	var last error
	for attempt := 0; attempt <= d.opts.Retries; attempt++ {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("ledsign: %s: %w", cmd, err)
		}
		d.dec.Reset() // stale bytes belong to no exchange of ours
		if _, err := d.port.Write(req); err != nil {
			d.online, d.hungUp = false, true
			return nil, fmt.Errorf("ledsign: %s: write: %w: %w", cmd, ErrHangup, err)
		}
		if f.Addr == Broadcast {
			return nil, nil
		}
		r, err := d.awaitReply(ctx, f, time.Now().Add(wait))
		if err == nil {
			d.online = true
			if r.Flags&FlagError != 0 || (replyMax(cmd) == 1 && (len(r.Payload) != 1 || r.Payload[0] != 0)) {
				st := StatusBadLength
				if len(r.Payload) > 0 {
					st = Status(r.Payload[0])
				}
				return nil, &StatusError{Cmd: cmd, Status: st}
			}
			return r.Payload, nil
		}
		last = err
		if errors.Is(err, ErrHangup) || ctx.Err() != nil {
			break
		}
	}
	d.online = false
	if errors.Is(last, ErrHangup) {
		d.hungUp = true
	}
	if errors.Is(last, ErrHangup) || ctx.Err() != nil {
		return nil, fmt.Errorf("ledsign: %s: %w", cmd, last)
	}
	return nil, fmt.Errorf("ledsign: %s to addr %d after %d attempts: %w", cmd, f.Addr, d.opts.Retries+1, last)
}

// awaitReply reads until the reply to req arrives or the deadline passes.
// Frames that are not that reply (our own echo on adapters that echo, stale
// replies, other signs) are skipped.
func (d *Dev) awaitReply(ctx context.Context, req Frame, deadline time.Time) (Frame, error) {
	dl, hasDeadline := d.port.(deadliner)
	var lastByte time.Time
	fastEOF := 0
	for {
		for {
			f, ok, err := d.dec.Next()
			if err != nil {
				continue // damaged bytes dropped; keep looking
			}
			if !ok {
				break
			}
			if f.Flags&FlagReply != 0 && f.Addr == req.Addr && f.Seq == req.Seq && f.Cmd == req.Cmd {
				return f, nil
			}
		}
		now := time.Now()
		if !now.Before(deadline) {
			return Frame{}, ErrNoReply
		}
		if ctx.Err() != nil {
			return Frame{}, ctx.Err()
		}
		if hasDeadline {
			// Wake at least every 50 ms to notice a cancelled context.
			until := earliest(deadline, now.Add(50*time.Millisecond))
			if !d.dec.Pending() || lastByte.IsZero() {
				_ = dl.SetReadDeadline(until)
			} else {
				_ = dl.SetReadDeadline(earliest(until, lastByte.Add(d.opts.InterByte)))
			}
		}
		start := time.Now()
		n, err := d.port.Read(d.buf)
		now = time.Now()
		if n > 0 {
			if d.dec.Pending() && !lastByte.IsZero() && now.Sub(lastByte) > d.opts.InterByte+readSlack(n, d) {
				d.dec.Reset()
			}
			lastByte = now
			d.dec.Write(d.buf[:n])
			fastEOF = 0
			continue
		}
		switch {
		case err == nil:
		case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, serialport.ErrTimeout), isTimeout(err):
		case errors.Is(err, io.EOF):
			// tarm/serial reports a read timeout as EOF; an EOF that comes
			// back at once, again and again, is a hang-up.
			if now.Sub(start) < 10*time.Millisecond {
				if fastEOF++; fastEOF >= 3 {
					return Frame{}, ErrHangup
				}
			} else {
				fastEOF = 0
			}
		case errors.Is(err, syscall.EIO), errors.Is(err, os.ErrClosed), errors.Is(err, serialport.ErrHangup), errors.Is(err, serialport.ErrClosed):
			return Frame{}, fmt.Errorf("%w: %w", ErrHangup, err)
		default:
			return Frame{}, fmt.Errorf("%w: read: %w", ErrHangup, err)
		}
		if d.dec.Pending() && !lastByte.IsZero() && now.Sub(lastByte) > d.opts.InterByte {
			d.dec.Reset()
			lastByte = time.Time{}
		}
	}
}

// readSlack allows for the time the bytes of one read took on the line.
func readSlack(n int, d *Dev) time.Duration { return d.airTime(n) }

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
