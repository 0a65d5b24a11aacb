package keypad

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"hallq/drivers/serialport"
)

// Bus frame bytes. L counts ADDR..last data byte and SUM is the byte sum of
// the same span, the convention of M-Bus style 68 L L 68 framing; the
// leading FF is a wake-up byte and optional on receive.
const (
	busPreamble = 0xFF
	busStart    = 0x68
	busEnd      = 0x16
	busMaxL     = 64 // longer frames are not caller or evaluator frames
)

// Bus function codes. Callers send keys with FuncKey; evaluators on the
// same bus send a level 1..5 with FuncRate.
const (
	FuncKey  = 0x01
	FuncRate = 0x02
)

// Caller key codes (the last data byte of a FuncKey frame); 0x00-0x09 are
// digits.
const (
	KeyAskRating = 0x0B
	KeyCallNext  = 0x0C
	KeyRecall    = 0x0D
	KeyCancel    = 0x0E
	KeyConfirm   = 0x0F
	KeyPause     = 0x12
	KeyTransfer  = 0x13
)

// DefaultBusKeys maps caller key codes to kinds. Cancel (0E) drops the
// current ticket, which the queue records as a no-show.
var DefaultBusKeys = map[uint8]Kind{
	KeyAskRating: KindAskRating, KeyCallNext: KindCallNext, KeyRecall: KindRecall,
	KeyCancel: KindNoShow, KeyConfirm: KindConfirm, KeyPause: KindPause, KeyTransfer: KindTransfer,
}

// BusFrame is one caller/evaluator frame.
type BusFrame struct {
	Addr uint8
	Func uint8
	Data []byte // at least one byte; the last is the key or level
}

// AppendBusFrame appends f's wire bytes, FF preamble included.
func AppendBusFrame(dst []byte, f BusFrame) ([]byte, error) {
	l := 2 + len(f.Data)
	if len(f.Data) == 0 || l > busMaxL {
		return dst, fmt.Errorf("%w: %d data bytes", ErrFrame, len(f.Data))
	}
	dst = append(dst, busPreamble, busStart, byte(l), byte(l), busStart, f.Addr, f.Func)
	dst = append(dst, f.Data...)
	sum := f.Addr + f.Func
	for _, b := range f.Data {
		sum += b
	}
	return append(dst, sum, busEnd), nil
}

// BusDecoder finds bus frames in a byte stream, skipping garbage and
// resynchronising one byte after any damaged frame.
type BusDecoder struct{ buf []byte }

const busMaxBuffered = 4 * (busMaxL + 7)

// Write adds received bytes; the buffer is bounded.
func (d *BusDecoder) Write(p []byte) (int, error) {
	d.buf = append(d.buf, p...)
	if n := len(d.buf) - busMaxBuffered; n > 0 {
		d.buf = append(d.buf[:0], d.buf[n:]...)
	}
	return len(p), nil
}

// Pending reports whether part of a frame is buffered.
func (d *BusDecoder) Pending() bool { return len(d.buf) > 0 }

// Reset drops what is buffered.
func (d *BusDecoder) Reset() { d.buf = d.buf[:0] }

// Next returns the next frame and its exact wire bytes (for the echo). ok is
// false when more bytes are needed; err (ErrFrame, ErrChecksum) reports
// dropped bytes, call Next again.
func (d *BusDecoder) Next() (f BusFrame, raw []byte, ok bool, err error) {
	for {
		i := bytes.IndexByte(d.buf, busStart)
		if i < 0 {
			// Keep a trailing preamble: the frame may follow in the next read.
			if n := len(d.buf); n > 0 && d.buf[n-1] == busPreamble {
				d.drop(n - 1)
			} else {
				d.Reset()
			}
			return BusFrame{}, nil, false, nil
		}
		pre := i > 0 && d.buf[i-1] == busPreamble
		if pre {
			i--
		}
		d.drop(i)
		h := 0
		if pre {
			h = 1
		}
		if len(d.buf) < h+4 {
			return BusFrame{}, nil, false, nil
		}
		l1, l2 := int(d.buf[h+1]), int(d.buf[h+2])
		if l1 != l2 || d.buf[h+3] != busStart || l1 < 3 || l1 > busMaxL {
			d.drop(h + 1)
			return BusFrame{}, nil, false, fmt.Errorf("%w: header % X", ErrFrame, d.headerBytes(h))
		}
		total := h + 4 + l1 + 2
		if len(d.buf) < total {
			return BusFrame{}, nil, false, nil
		}
		body := d.buf[h+4 : h+4+l1]
		if d.buf[total-1] != busEnd {
			d.drop(h + 1)
			return BusFrame{}, nil, false, fmt.Errorf("%w: end byte missing", ErrFrame)
		}
		var sum byte
		for _, b := range body {
			sum += b
		}
		if sum != d.buf[total-2] {
			got := d.buf[total-2]
			d.drop(h + 1)
			return BusFrame{}, nil, false, fmt.Errorf("%w: sum %02X, frame says %02X", ErrChecksum, sum, got)
		}
		f = BusFrame{Addr: body[0], Func: body[1], Data: append([]byte(nil), body[2:]...)}
		raw = append([]byte(nil), d.buf[:total]...)
		d.drop(total)
		return f, raw, true, nil
	}
}

func (d *BusDecoder) headerBytes(h int) []byte {
	return d.buf[:min(len(d.buf), h+4)]
}

func (d *BusDecoder) drop(n int) { d.buf = append(d.buf[:0], d.buf[n:]...) }

// Port is what Bus needs: an io.ReadWriter whose Read returns within a
// bounded time, through SetReadDeadline (pty, *os.File) or its own read
// timeout (drivers/serialport).
type Port interface{ io.ReadWriter }

// BusOpts configures a Bus.
type BusOpts struct {
	// Windows names the window of each address; an address not listed is
	// named by its number.
	Windows map[uint8]string
	// Keys maps caller key codes to kinds (digits are built in).
	Keys map[uint8]Kind
	// DupWindow: the same frame again from the same address within this
	// time is a retransmission (its echo was lost), not a second press.
	DupWindow time.Duration
	// InterByte: a longer gap inside a frame drops it.
	InterByte time.Duration
	// OnError sees damaged frames and unknown keys, which Next skips.
	OnError func(error)
	Clock   Clock
}

// DefaultBusOpts: default key map, 300 ms duplicate window, 20 ms gap.
var DefaultBusOpts = BusOpts{Keys: DefaultBusKeys, DupWindow: 300 * time.Millisecond, InterByte: 20 * time.Millisecond}

// Bus is the host side of the RS-485 caller/evaluator bus.
type Bus struct {
	port Port
	opts BusOpts

	mu      sync.Mutex
	dec     BusDecoder
	buf     []byte
	queue   []Event
	digits  map[uint8]*digits
	last    map[uint8]sent
	lastB   time.Time
	hungUp  bool
	stopped atomic.Bool
}

type sent struct {
	raw string
	at  time.Time
}

var _ Source = (*Bus)(nil)

// NewBus returns the host side of a bus on port.
func NewBus(port Port, opts *BusOpts) *Bus {
	o := DefaultBusOpts
	if opts != nil {
		o = *opts
	}
	if o.Keys == nil {
		o.Keys = DefaultBusKeys
	}
	if o.InterByte <= 0 {
		o.InterByte = DefaultBusOpts.InterByte
	}
	if o.Clock == nil {
		o.Clock = realClock{}
	}
	return &Bus{port: port, opts: o, buf: make([]byte, 128), digits: map[uint8]*digits{}, last: map[uint8]sent{}}
}

func (b *Bus) String() string { return "keypad.Bus(rs485)" }

// Halt makes later Next calls return io.EOF; the port stays open (its
// owner closes it).
func (b *Bus) Halt() error {
	b.stopped.Store(true)
	return nil
}

// Next returns the next key press or rating on the bus, acknowledging each
// valid frame by echoing it.
func (b *Bus) Next(ctx context.Context) (Event, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.hungUp {
		if r, ok := b.port.(interface{ Reopen(context.Context) error }); ok {
			if err := r.Reopen(ctx); err != nil {
				return Event{}, fmt.Errorf("keypad: reopen: %w: %w", ErrHangup, err)
			}
		}
		b.hungUp = false
	}
	dl, hasDL := b.port.(interface{ SetReadDeadline(time.Time) error })
	fastEOF := 0
	for {
		if b.stopped.Load() {
			return Event{}, io.EOF
		}
		if len(b.queue) > 0 {
			e := b.queue[0]
			b.queue = b.queue[1:]
			return e, nil
		}
		if err := b.drain(); err != nil {
			return Event{}, err
		}
		if len(b.queue) > 0 {
			continue
		}
		if err := ctx.Err(); err != nil {
			return Event{}, err
		}
		if hasDL {
			d := time.Now().Add(100 * time.Millisecond)
			if b.dec.Pending() && !b.lastB.IsZero() {
				d = b.lastB.Add(b.opts.InterByte + time.Millisecond)
			}
			_ = dl.SetReadDeadline(d)
		}
		start := time.Now()
		n, err := b.port.Read(b.buf)
		now := time.Now()
		if n > 0 {
			if b.dec.Pending() && !b.lastB.IsZero() && now.Sub(b.lastB) > b.opts.InterByte {
				b.dec.Reset()
			}
			b.lastB = now
			b.dec.Write(b.buf[:n])
			fastEOF = 0
			continue
		}
		if b.dec.Pending() && !b.lastB.IsZero() && now.Sub(b.lastB) > b.opts.InterByte {
			b.report(fmt.Errorf("%w: truncated frame dropped after %v of silence", ErrFrame, now.Sub(b.lastB).Round(time.Millisecond)))
			b.dec.Reset()
		}
		switch {
		case err == nil, errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, serialport.ErrTimeout):
		case errors.Is(err, io.EOF) && !hasDL && now.Sub(start) >= 10*time.Millisecond:
		case errors.Is(err, io.EOF) && !hasDL:
			if fastEOF++; fastEOF >= 3 {
				b.hungUp = true
				return Event{}, fmt.Errorf("keypad: read: %w", ErrHangup)
			}
		default:
			if errors.Is(err, io.EOF) || errors.Is(err, syscall.EIO) || errors.Is(err, os.ErrClosed) ||
				errors.Is(err, serialport.ErrHangup) || errors.Is(err, serialport.ErrClosed) {
				b.hungUp = true
				return Event{}, fmt.Errorf("keypad: read: %w: %w", ErrHangup, err)
			}
			return Event{}, fmt.Errorf("keypad: read: %w", err)
		}
	}
}

func (b *Bus) report(err error) {
	if b.opts.OnError != nil {
		b.opts.OnError(err)
	}
}

// drain decodes buffered frames, echoes them and queues their events.
func (b *Bus) drain() error {
	for {
		f, raw, ok, err := b.dec.Next()
		if err != nil {
			b.report(err)
			continue
		}
		if !ok {
			return nil
		}
		// Echo first: the device retransmits until it sees it.
		if _, err := b.port.Write(raw); err != nil {
			b.hungUp = true
			return fmt.Errorf("keypad: echo: %w: %w", ErrHangup, err)
		}
		now := b.opts.Clock.Now()
		if l, ok := b.last[f.Addr]; ok && l.raw == string(raw) && now.Sub(l.at) < b.opts.DupWindow {
			continue
		}
		b.last[f.Addr] = sent{raw: string(raw), at: now}
		e, err := b.event(f, now)
		if err != nil {
			b.report(err)
			continue
		}
		b.queue = append(b.queue, e)
	}
}

func (b *Bus) event(f BusFrame, now time.Time) (Event, error) {
	key := f.Data[len(f.Data)-1]
	e := Event{Time: now, Device: "rs485:" + strconv.Itoa(int(f.Addr)), Key: uint16(key), Digit: -1}
	if w, ok := b.opts.Windows[f.Addr]; ok {
		e.Window = w
	} else {
		e.Window = strconv.Itoa(int(f.Addr))
	}
	switch f.Func {
	case FuncKey:
		switch k, ok := b.opts.Keys[key]; {
		case key <= 9:
			e.Kind, e.Digit = KindDigit, int8(key)
		case ok:
			e.Kind = k
		default:
			return e, fmt.Errorf("%w: caller key 0x%02X from address %d", ErrUnknownKey, key, f.Addr)
		}
		d := b.digits[f.Addr]
		if d == nil {
			d = &digits{}
			b.digits[f.Addr] = d
		}
		d.apply(&e)
	case FuncRate:
		r := Rating(key)
		if !r.Valid() {
			return e, fmt.Errorf("%w: level %d from address %d", ErrRating, key, f.Addr)
		}
		e.Kind, e.Rating = KindRate, r
	default:
		return e, fmt.Errorf("%w: function 0x%02X from address %d", ErrUnknownKey, f.Func, f.Addr)
	}
	return e, nil
}
