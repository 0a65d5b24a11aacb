package keypad_test

import (
	"context"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"hallq/drivers/keypad"
	"hallq/drivers/keypad/keypadtest"
	"hallq/drivers/serialport"
	"hallq/internal/pty"
)

var _ keypad.Port = (*serialport.Dev)(nil)

type busRig struct {
	host *keypad.Bus
	emu  *keypadtest.Bus
	errs chan error
	done chan error
}

func newBusRig(t testing.TB) *busRig {
	t.Helper()
	p, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	slave, err := os.OpenFile(p.SlavePath, os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		p.Close()
		t.Fatal(err)
	}
	master := p.Master
	r := &busRig{emu: keypadtest.NewBus(master), errs: make(chan error, 64), done: make(chan error, 1)}
	o := keypad.DefaultBusOpts
	o.Windows = map[uint8]string{3: "3号窗口"}
	o.OnError = func(err error) {
		select {
		case r.errs <- err:
		default:
		}
	}
	r.host = keypad.NewBus(slave, &o)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { r.done <- r.emu.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		master.Close()
		slave.Close()
		select {
		case <-r.done:
		case <-time.After(2 * time.Second):
			t.Error("emulator did not stop")
		}
	})
	return r
}

// pressAndRead presses key at addr in the emulator while the host reads.
func (r *busRig) pressAndRead(t testing.TB, addr, key uint8) (keypad.Event, error, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	var perr error
	wg.Add(1)
	go func() { defer wg.Done(); perr = r.emu.Press(ctx, addr, key) }()
	e, err := r.host.Next(ctx)
	wg.Wait()
	return e, err, perr
}

func TestBusOverPty(t *testing.T) {
	r := newBusRig(t)
	e, err, perr := r.pressAndRead(t, 3, keypad.KeyCallNext)
	if err != nil || perr != nil {
		t.Fatal(err, perr)
	}
	if e.Kind != keypad.KindCallNext || e.Window != "3号窗口" || e.Device != "rs485:3" || e.Key != 0x0C {
		t.Fatalf("event %+v", e)
	}
	// A transfer to window 12: transfer, 1, 2, confirm.
	for _, k := range []uint8{keypad.KeyTransfer, 1, 2} {
		if _, err, perr := r.pressAndRead(t, 5, k); err != nil || perr != nil {
			t.Fatal(err, perr)
		}
	}
	e, err, _ = r.pressAndRead(t, 5, keypad.KeyConfirm)
	if err != nil || e.Kind != keypad.KindConfirm || e.Number != "12" || e.Window != "5" {
		t.Fatalf("confirm %+v %v", e, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	go r.emu.Rate(ctx, 3, 2)
	e, err = r.host.Next(ctx)
	if err != nil || e.Kind != keypad.KindRate || e.Rating != keypad.Dissatisfied || !e.Rating.Bad() {
		t.Fatalf("rate %+v %v", e, err)
	}
}

func TestBusFaults(t *testing.T) {
	cases := []struct {
		name    string
		fault   keypadtest.Fault
		sent    int   // transmissions by the device
		hostErr error // reported through OnError
	}{
		{"bad checksum once", keypadtest.Fault{Kind: keypadtest.BadSum, Times: 1}, 2, keypad.ErrChecksum},
		{"garbage before", keypadtest.Fault{Kind: keypadtest.Garbage, Times: 1}, 1, keypad.ErrFrame},
		{"split across writes", keypadtest.Fault{Kind: keypadtest.Split, Times: 1}, 1, nil},
		{"duplicate", keypadtest.Fault{Kind: keypadtest.Duplicate, Times: 1}, 1, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newBusRig(t)
			r.emu.SetFault(c.fault)
			e, err, perr := r.pressAndRead(t, 7, keypad.KeyRecall)
			if err != nil || perr != nil || e.Kind != keypad.KindRecall {
				t.Fatalf("event %+v err %v press %v", e, err, perr)
			}
			// A loaded machine can delay the echo past the device's
			// retransmit timer: extra sends are the protocol working.
			if got := r.emu.Sent(); got < c.sent {
				t.Errorf("device sent %d times, want at least %d", got, c.sent)
			}
			if c.hostErr != nil {
				select {
				case err := <-r.errs:
					if !errors.Is(err, c.hostErr) {
						t.Errorf("reported %v, want %v", err, c.hostErr)
					}
				default:
					t.Errorf("no error reported, want %v", c.hostErr)
				}
			}
			// The next press is one event, not two: a duplicate is dropped.
			e, err, _ = r.pressAndRead(t, 7, keypad.KeyPause)
			if err != nil || e.Kind != keypad.KindPause {
				t.Fatalf("next event %+v %v", e, err)
			}
		})
	}
}

func TestBusTruncated(t *testing.T) {
	r := newBusRig(t)
	r.emu.SetFault(keypadtest.Fault{Kind: keypadtest.Truncated, Times: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := r.emu.Press(ctx, 3, keypad.KeyCallNext); err != nil {
		t.Fatal(err)
	}
	short, cancel2 := context.WithTimeout(ctx, 150*time.Millisecond)
	defer cancel2()
	if e, err := r.host.Next(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("truncated frame gave %+v %v", e, err)
	}
	select {
	case err := <-r.errs:
		if !errors.Is(err, keypad.ErrFrame) {
			t.Fatalf("reported %v", err)
		}
	default:
		t.Fatal("truncated frame not reported")
	}
	e, err, _ := r.pressAndRead(t, 3, keypad.KeyCallNext)
	if err != nil || e.Kind != keypad.KindCallNext {
		t.Fatalf("after truncation %+v %v", e, err)
	}
}

func TestBusHangUp(t *testing.T) {
	r := newBusRig(t)
	r.emu.SetFault(keypadtest.Fault{Kind: keypadtest.HangUp})
	_, err, perr := r.pressAndRead(t, 3, keypad.KeyCallNext)
	if !errors.Is(err, keypad.ErrHangup) || !errors.Is(perr, keypadtest.ErrHungUp) {
		t.Fatalf("host %v, device %v", err, perr)
	}
	if keypad.Message(err) != "呼叫器或评价器已断开，请检查连线" {
		t.Errorf("message %q", keypad.Message(err))
	}
}

func TestBusHalt(t *testing.T) {
	r := newBusRig(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { _, err := r.host.Next(ctx); done <- err }()
	time.Sleep(20 * time.Millisecond)
	start := time.Now()
	r.host.Halt()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("Next returned an event after Halt")
		}
	case <-time.After(time.Second):
		t.Fatal("Halt did not end Next")
	}
	if d := time.Since(start); d > 300*time.Millisecond {
		t.Errorf("Halt took %v", d)
	}
}

// BenchmarkBusKeyLatency measures a caller key press from the emulator's
// first byte on the pty to the event returned by Next (echo excluded).
func BenchmarkBusKeyLatency(b *testing.B) {
	r := newBusRig(b)
	ctx := context.Background()
	var total time.Duration
	for i := 0; i < b.N; i++ {
		start := time.Now()
		go r.emu.Press(ctx, 3, keypad.KeyCallNext+uint8(i%2))
		if _, err := r.host.Next(ctx); err != nil {
			b.Fatal(err)
		}
		total += time.Since(start)
		time.Sleep(time.Millisecond) // let the echo reach the device
	}
	b.ReportMetric(float64(total.Microseconds())/float64(b.N), "µs/event")
}
