// Package ledsigntest emulates KWS/1 LED window signs on the slave side of a
// serial line (a pty master or any io.ReadWriter), for tests, demos and
// drivers/cmd/devemu. It keeps what each sign shows so a demo page can draw
// it, and injects the faults a hall sees: a silent sign, a slow one, a
// corrupted checksum, an error reply, garbage on the line, a reply split
// across writes, and a hang-up in the middle of a reply.
package ledsigntest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"hallq/drivers/ledsign"
)

// FaultKind selects a misbehaviour.
type FaultKind int

// Faults.
const (
	None    FaultKind = iota
	Silent            // no reply at all
	Slow              // reply after Fault.Delay
	Corrupt           // reply with a wrong CRC
	NAK               // error reply with Fault.Status (default busy)
	Garbage           // junk bytes before the reply
	Split             // reply written a byte at a time
	HangUp            // half a reply, then close the port and stop
)

var faultNames = map[string]FaultKind{"none": None, "silent": Silent, "slow": Slow, "corrupt": Corrupt,
	"nak": NAK, "garbage": Garbage, "split": Split, "hangup": HangUp}

// ParseFault maps "silent", "slow", ... to a FaultKind.
func ParseFault(s string) (FaultKind, error) {
	k, ok := faultNames[s]
	if !ok {
		return None, fmt.Errorf("ledsigntest: unknown fault %q", s)
	}
	return k, nil
}

// Fault is a scripted misbehaviour for the next Times requests (0 = until
// cleared).
type Fault struct {
	Kind   FaultKind
	Delay  time.Duration  // Slow
	Status ledsign.Status // NAK
	Times  int
}

// Screen is a snapshot of what a sign shows.
type Screen struct {
	Addr       uint8
	Text       string // main region; the idle text when nothing else is shown
	Idle       string
	Regions    map[uint8]string // other regions
	Blink      uint8            // blinks requested by the last new call
	Brightness uint8
	Identify   bool
	Shows      int // SHOW_CALL frames acted on (duplicates not counted)
	Requests   int // frames addressed to this sign, duplicates included
	LastSeq    uint8
	Call       *ledsign.Call
}

// Sign is one emulated sign.
type Sign struct {
	mu         sync.Mutex
	addr       uint8
	info       ledsign.Info
	text       string
	showing    bool
	idle       string
	regions    map[uint8]string
	blink      uint8
	brightness uint8
	identUntil time.Time
	shows      int
	requests   int
	lastSeq    uint8
	lastSeqAt  time.Time
	seenSeq    bool
	call       *ledsign.Call
	fault      Fault
	started    time.Time
	changed    chan struct{}
}

// NewSign returns a blank sign at addr with a serial derived from it.
func NewSign(addr uint8) *Sign {
	s := &Sign{addr: addr, regions: map[uint8]string{}, brightness: 8, started: time.Now(), changed: make(chan struct{})}
	s.info = ledsign.Info{Model: "KWS-EMU-64x16", Firmware: "1.0", Width: 128, Height: 32, Colours: 3, Encodings: 3,
		Serial: [8]byte{'E', 'M', 'U', '0', '0', '0', '0' + addr/10%10, '0' + addr%10}}
	return s
}

// Serial returns the sign's serial number (for SET_ADDR).
func (s *Sign) Serial() [8]byte { s.mu.Lock(); defer s.mu.Unlock(); return s.info.Serial }

// SetFault scripts the next replies.
func (s *Sign) SetFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fault = f
}

// Screen returns what the sign shows now.
func (s *Sign) Screen() Screen {
	s.mu.Lock()
	defer s.mu.Unlock()
	sc := Screen{Addr: s.addr, Text: s.text, Idle: s.idle, Regions: map[uint8]string{}, Blink: s.blink,
		Brightness: s.brightness, Identify: time.Now().Before(s.identUntil), Shows: s.shows,
		Requests: s.requests, LastSeq: s.lastSeq}
	if !s.showing {
		sc.Text = s.idle
	}
	if s.identUntil.After(time.Now()) {
		sc.Text = fmt.Sprintf("地址%d %s", s.addr, string(s.info.Serial[:]))
	}
	for k, v := range s.regions {
		sc.Regions[k] = v
	}
	if s.call != nil {
		c := *s.call
		sc.Call = &c
	}
	return sc
}

// Changed returns a channel closed at the next change of the screen.
func (s *Sign) Changed() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}

// PowerCycle blanks the screen as a sign does after losing power (the idle
// text survives, it is persisted).
func (s *Sign) PowerCycle() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.text, s.showing, s.call, s.seenSeq, s.regions = "", false, nil, false, map[uint8]string{}
	s.notify()
}

func (s *Sign) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// handle acts on a request and returns the reply (nil for none) and the
// fault to apply. s.mu is not held.
func (s *Sign) handle(f ledsign.Frame) (*ledsign.Frame, Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	addr := s.addr // a reply to SET_ADDR still comes from the old address
	fault := s.fault
	if fault.Times > 0 {
		if fault.Times--; fault.Times == 0 {
			s.fault = Fault{}
		} else {
			s.fault.Times = fault.Times
		}
	}
	now := time.Now()
	dup := s.seenSeq && f.Seq == s.lastSeq && now.Sub(s.lastSeqAt) < 2*time.Second
	s.lastSeq, s.lastSeqAt, s.seenSeq = f.Seq, now, true

	status, payload := ledsign.StatusOK, []byte(nil)
	if fault.Kind == NAK {
		status = fault.Status
		if status == ledsign.StatusOK {
			status = ledsign.StatusBusy
		}
	} else if !dup {
		status, payload = s.apply(f, now)
	} else if f.Cmd == ledsign.CmdPing || f.Cmd == ledsign.CmdStatus {
		_, payload = s.apply(f, now) // queries are safe to answer again
	}
	if f.Addr == ledsign.Broadcast || f.Flags&ledsign.FlagAck == 0 {
		return nil, fault
	}
	r := &ledsign.Frame{Addr: addr, Flags: ledsign.FlagReply, Seq: f.Seq, Cmd: f.Cmd}
	switch {
	case status != ledsign.StatusOK:
		r.Flags |= ledsign.FlagError
		r.Payload = []byte{uint8(status)}
	case payload != nil:
		r.Payload = payload
	default:
		r.Payload = []byte{0}
	}
	return r, fault
}

// apply changes the screen for a request; s.mu is held.
func (s *Sign) apply(f ledsign.Frame, now time.Time) (ledsign.Status, []byte) {
	switch f.Cmd {
	case ledsign.CmdPing:
		if len(f.Payload) != 0 {
			return ledsign.StatusBadLength, nil
		}
		p, _ := s.info.MarshalBinary()
		return ledsign.StatusOK, p
	case ledsign.CmdStatus:
		if len(f.Payload) != 0 {
			return ledsign.StatusBadLength, nil
		}
		p, _ := ledsign.DevStatus{Uptime: uint32(now.Sub(s.started) / time.Second), LastSeq: s.lastSeq}.MarshalBinary()
		return ledsign.StatusOK, p
	case ledsign.CmdShowCall:
		var c ledsign.Call
		if err := c.UnmarshalBinary(f.Payload); err != nil {
			return ledsign.StatusBadLength, nil
		}
		txt, ok := c.Render()
		if !ok || c.Ticket == "" || c.Window == "" {
			return ledsign.StatusBadParameter, nil
		}
		s.text, s.showing, s.call, s.blink = txt, true, &c, c.Blink
		s.shows++
	case ledsign.CmdShowText, ledsign.CmdSetIdle:
		var t ledsign.Text
		if err := t.UnmarshalBinary(f.Payload); err != nil {
			if errors.Is(err, ledsign.ErrEncoding) {
				return ledsign.StatusUnsupportedChr, nil
			}
			if errors.Is(err, ledsign.ErrParam) {
				return ledsign.StatusBadParameter, nil
			}
			return ledsign.StatusBadLength, nil
		}
		switch {
		case f.Cmd == ledsign.CmdSetIdle:
			s.idle = t.Text
		case t.Region == ledsign.RegionMain:
			s.text, s.showing, s.call = t.Text, true, nil
		default:
			s.regions[t.Region] = t.Text
		}
	case ledsign.CmdClear:
		if len(f.Payload) != 1 {
			return ledsign.StatusBadLength, nil
		}
		r := f.Payload[0]
		if r == ledsign.RegionAll || r == ledsign.RegionMain {
			s.text, s.showing, s.call = "", false, nil
		}
		if r == ledsign.RegionAll {
			s.regions = map[uint8]string{}
		} else {
			delete(s.regions, r)
		}
	case ledsign.CmdBrightness:
		if len(f.Payload) != 1 {
			return ledsign.StatusBadLength, nil
		}
		if b := f.Payload[0]; b > 15 && b != ledsign.BrightnessAuto {
			return ledsign.StatusBadParameter, nil
		}
		s.brightness = f.Payload[0]
	case ledsign.CmdSetAddr:
		if len(f.Payload) != 9 {
			return ledsign.StatusBadLength, nil
		}
		if [8]byte(f.Payload[:8]) != s.info.Serial {
			return ledsign.StatusBadParameter, nil // not us; a real bus would stay silent
		}
		if a := f.Payload[8]; a == 0 || a > ledsign.MaxAddr {
			return ledsign.StatusBadParameter, nil
		}
		s.addr = f.Payload[8]
	case ledsign.CmdIdentify:
		if len(f.Payload) != 1 {
			return ledsign.StatusBadLength, nil
		}
		s.identUntil = now.Add(time.Duration(f.Payload[0]) * time.Second)
	case ledsign.CmdReset:
		s.text, s.showing, s.call, s.regions = "", false, nil, map[uint8]string{}
	default:
		return ledsign.StatusUnknownCommand, nil
	}
	s.notify()
	return ledsign.StatusOK, nil
}

// Bus is a set of emulated signs sharing one line, as on an RS-485 bus.
type Bus struct {
	// Baud, when set, delays each reply by the air time the request and
	// reply would take at that speed (10 bits a byte), since a pty has no
	// line speed. Set it before Serve.
	Baud  int
	rw    io.ReadWriter
	mu    sync.Mutex
	signs []*Sign
}

// NewBus serves signs on rw (a pty master).
func NewBus(rw io.ReadWriter, signs ...*Sign) *Bus {
	return &Bus{rw: rw, signs: signs}
}

// Add puts another sign on the bus.
func (b *Bus) Add(s *Sign) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.signs = append(b.signs, s)
}

// Sign returns the sign at addr, or nil.
func (b *Bus) Sign(addr uint8) *Sign {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, s := range b.signs {
		s.mu.Lock()
		a := s.addr
		s.mu.Unlock()
		if a == addr {
			return s
		}
	}
	return nil
}

func (b *Bus) all() []*Sign {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]*Sign(nil), b.signs...)
}

// ErrHungUp is returned by Serve after a HangUp fault closed the line.
var ErrHungUp = errors.New("ledsigntest: hung up")

// Serve answers requests until ctx is done, the line fails, or a HangUp
// fault closes it. On a pty, closing the master also ends Serve.
func (b *Bus) Serve(ctx context.Context) error {
	var dec ledsign.Decoder
	buf := make([]byte, 256)
	dl, _ := b.rw.(interface{ SetReadDeadline(time.Time) error })
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		if dl != nil {
			_ = dl.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		}
		n, err := b.rw.Read(buf)
		if n > 0 {
			dec.Write(buf[:n])
			for {
				f, ok, derr := dec.Next()
				if derr != nil {
					continue // a real sign ignores damaged frames
				}
				if !ok {
					break
				}
				if f.Flags&ledsign.FlagReply != 0 {
					continue
				}
				if b.Baud > 0 {
					time.Sleep(time.Duration(len(f.Payload)+2*11+1) * 10 * time.Second / time.Duration(b.Baud))
				}
				if err := b.dispatch(ctx, f); err != nil {
					return err
				}
			}
		}
		if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			if errors.Is(err, io.EOF) && dl == nil {
				continue
			}
			return fmt.Errorf("ledsigntest: read: %w", err)
		}
	}
}

func (b *Bus) dispatch(ctx context.Context, f ledsign.Frame) error {
	for _, s := range b.all() {
		s.mu.Lock()
		a := s.addr
		s.mu.Unlock()
		if f.Addr != ledsign.Broadcast && f.Addr != a {
			continue
		}
		r, fault := s.handle(f)
		if r == nil {
			continue
		}
		if err := b.reply(ctx, *r, fault); err != nil {
			return err
		}
	}
	return nil
}

func (b *Bus) reply(ctx context.Context, r ledsign.Frame, fault Fault) error {
	out, err := ledsign.AppendFrame(nil, r)
	if err != nil {
		return err
	}
	switch fault.Kind {
	case Silent:
		return nil
	case Slow:
		select {
		case <-time.After(fault.Delay):
		case <-ctx.Done():
			return ctx.Err()
		}
	case Corrupt:
		out[len(out)-1] ^= 0xFF
	case Garbage:
		out = append([]byte{0x00, 0x55, 0x13, 0x55, 0xAA, 0x07, 0xFF}, out...)
	case Split:
		for i := range out {
			if _, err := b.rw.Write(out[i : i+1]); err != nil {
				return err
			}
			time.Sleep(2 * time.Millisecond)
		}
		return nil
	case HangUp:
		_, _ = b.rw.Write(out[:len(out)/2])
		if c, ok := b.rw.(io.Closer); ok {
			_ = c.Close()
		}
		return ErrHungUp
	}
	_, err = b.rw.Write(out)
	return err
}
