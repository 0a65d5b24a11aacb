// Package keypadtest emulates window callers and evaluators on the RS-485
// keypad bus (FF 68 L L 68 ADDR FUNC DATA SUM 16, echoed by the host), on a
// pty master or any io.ReadWriter, for tests, demos and drivers/cmd/devemu.
// A press is retransmitted until the host echoes it, as real devices do, and
// faults can be scripted: bad checksum, garbage before the frame, a frame
// split across writes, a truncated frame then silence, a duplicate, and a
// hang-up mid-frame.
package keypadtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"time"

	"hallq/drivers/keypad"
)

// FaultKind selects a misbehaviour of the next transmissions.
type FaultKind int

// Faults.
const (
	None      FaultKind = iota
	BadSum              // wrong checksum byte
	Garbage             // junk bytes before the frame
	Split               // frame written a byte at a time, 2 ms apart
	Truncated           // first half of the frame, then silence (no retry)
	Duplicate           // the frame twice back to back
	HangUp              // half a frame, then close the line
)

var faultNames = map[string]FaultKind{"none": None, "badsum": BadSum, "garbage": Garbage, "split": Split,
	"truncated": Truncated, "duplicate": Duplicate, "hangup": HangUp}

// ParseFault maps "badsum", "garbage", ... to a FaultKind.
func ParseFault(s string) (FaultKind, error) {
	k, ok := faultNames[s]
	if !ok {
		return None, fmt.Errorf("keypadtest: unknown fault %q", s)
	}
	return k, nil
}

// Fault applies to the next Times transmissions (0 = until cleared).
type Fault struct {
	Kind  FaultKind
	Times int
}

// Key names for scripts, as printed on caller keypads.
var Keys = map[string]uint8{
	"call": keypad.KeyCallNext, "recall": keypad.KeyRecall, "cancel": keypad.KeyCancel,
	"pause": keypad.KeyPause, "transfer": keypad.KeyTransfer, "ask-rating": keypad.KeyAskRating,
	"confirm": keypad.KeyConfirm,
}

// ParseKey accepts a name from Keys or a digit 0-9.
func ParseKey(s string) (uint8, error) {
	if k, ok := Keys[s]; ok {
		return k, nil
	}
	if n, err := strconv.Atoi(s); err == nil && n >= 0 && n <= 9 {
		return uint8(n), nil
	}
	return 0, fmt.Errorf("keypadtest: unknown key %q", s)
}

// Errors.
var (
	ErrNoEcho = errors.New("keypadtest: host did not echo the frame")
	ErrHungUp = errors.New("keypadtest: hung up")
)

// Bus is the device side of the keypad bus: any number of callers and
// evaluators, each known by its address in the frames it sends.
type Bus struct {
	// EchoWait is how long a device waits for the echo before sending
	// again; Retries is how many times it sends again.
	EchoWait time.Duration
	Retries  int

	rw     io.ReadWriter
	sendMu sync.Mutex // one device talks at a time, as on half-duplex RS-485
	mu     sync.Mutex
	fault  Fault
	echoes chan []byte
	closed bool
	sent   int
}

// NewBus returns a bus on rw; run Serve to see the host's echoes.
func NewBus(rw io.ReadWriter) *Bus {
	return &Bus{rw: rw, EchoWait: 200 * time.Millisecond, Retries: 2, echoes: make(chan []byte, 16)}
}

// SetFault scripts the next transmissions.
func (b *Bus) SetFault(f Fault) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.fault = f
}

// Sent returns how many transmissions went out (retries included).
func (b *Bus) Sent() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.sent
}

func (b *Bus) takeFault() Fault {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sent++
	f := b.fault
	if f.Times > 0 {
		if b.fault.Times--; b.fault.Times == 0 {
			b.fault = Fault{}
		}
	}
	return f
}

// Press sends a caller key from addr and waits for the echo.
func (b *Bus) Press(ctx context.Context, addr, key uint8) error {
	return b.Send(ctx, keypad.BusFrame{Addr: addr, Func: keypad.FuncKey, Data: []byte{key}})
}

// Rate sends an evaluator's level 1..5 from addr.
func (b *Bus) Rate(ctx context.Context, addr uint8, level uint8) error {
	return b.Send(ctx, keypad.BusFrame{Addr: addr, Func: keypad.FuncRate, Data: []byte{level}})
}

// Send transmits f until the host echoes it.
func (b *Bus) Send(ctx context.Context, f keypad.BusFrame) error {
	raw, err := keypad.AppendBusFrame(nil, f)
	if err != nil {
		return err
	}
	b.sendMu.Lock()
	defer b.sendMu.Unlock()
	// Echoes of earlier frames are no answer to this one.
	for len(b.echoes) > 0 {
		<-b.echoes
	}
	for attempt := 0; attempt <= b.Retries; attempt++ {
		fault := b.takeFault()
		if err := b.transmit(raw, fault); err != nil {
			return err
		}
		if fault.Kind == Truncated {
			return nil
		}
		timer := time.NewTimer(b.EchoWait)
		for waiting := true; waiting; {
			select {
			case e := <-b.echoes:
				// Hosts may echo without the FF wake-up byte.
				if bytes.Equal(bytes.TrimPrefix(e, []byte{0xFF}), raw[1:]) {
					timer.Stop()
					return nil
				}
			case <-timer.C:
				waiting = false
			case <-ctx.Done():
				timer.Stop()
				return ctx.Err()
			}
		}
	}
	return fmt.Errorf("%w after %d attempts", ErrNoEcho, b.Retries+1)
}

func (b *Bus) transmit(raw []byte, f Fault) error {
	out := raw
	switch f.Kind {
	case BadSum:
		out = append([]byte(nil), raw...)
		out[len(out)-2] ^= 0x5A
	case Garbage:
		out = append([]byte{0x00, 0x68, 0x03, 0x13, 0xFF, 0xFF}, raw...)
	case Duplicate:
		out = append(append([]byte(nil), raw...), raw...)
	case Truncated:
		out = raw[:len(raw)/2]
	case Split:
		for i := range raw {
			if _, err := b.rw.Write(raw[i : i+1]); err != nil {
				return err
			}
			time.Sleep(2 * time.Millisecond)
		}
		return nil
	case HangUp:
		_, _ = b.rw.Write(raw[:len(raw)/2])
		b.mu.Lock()
		b.closed = true
		b.mu.Unlock()
		if c, ok := b.rw.(io.Closer); ok {
			_ = c.Close()
		}
		return ErrHungUp
	}
	_, err := b.rw.Write(out)
	return err
}

// Serve reads the host's echoes until ctx is done or the line closes.
func (b *Bus) Serve(ctx context.Context) error {
	var dec keypad.BusDecoder
	buf := make([]byte, 128)
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
				_, raw, ok, derr := dec.Next()
				if derr != nil {
					continue
				}
				if !ok {
					break
				}
				select {
				case b.echoes <- raw:
				default: // nobody waiting; drop
				}
			}
		}
		if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			b.mu.Lock()
			closed := b.closed
			b.mu.Unlock()
			if closed {
				return ErrHungUp
			}
			if errors.Is(err, io.EOF) && dl == nil {
				continue
			}
			return fmt.Errorf("keypadtest: read: %w", err)
		}
	}
}
