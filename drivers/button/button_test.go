package button

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"

	"hallq/drivers/keypad"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

func TestDebouncer(t *testing.T) {
	type s struct {
		at      int // ms
		level   bool
		changed bool
		since   int
	}
	cases := []struct {
		name    string
		samples []s
	}{
		{"clean press", []s{{0, true, false, 0}, {10, true, false, 0}, {29, true, false, 0}, {30, true, true, 0}}},
		{"bounce restarts the count", []s{{0, true, false, 0}, {5, false, false, 0}, {10, true, false, 0}, {35, true, false, 0}, {40, true, true, 10}}},
		{"glitch shorter than stable", []s{{0, true, false, 0}, {20, false, false, 0}, {60, false, false, 0}}},
		{"press and release", []s{{0, true, false, 0}, {30, true, true, 0}, {100, false, false, 0}, {129, false, false, 0}, {130, false, true, 100}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := Debouncer{Stable: ms(30)}
			for i, x := range c.samples {
				changed, at := d.Sample(x.level, t0.Add(ms(x.at)))
				if changed != x.changed {
					t.Fatalf("sample %d at %d ms: changed %v, want %v", i, x.at, changed, x.changed)
				}
				if changed && !at.Equal(t0.Add(ms(x.since))) {
					t.Fatalf("sample %d: at %v, want +%d ms", i, at.Sub(t0), x.since)
				}
			}
		})
	}
}

// stepClock advances by step at every reading, so each sample of the loop
// is step apart whatever the real scheduling.
type stepClock struct {
	mu   sync.Mutex
	now  time.Time
	step time.Duration
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(c.step)
	return c.now
}

// scriptPin returns scripted levels, one per Read, then the last forever.
type scriptPin struct {
	*gpiotest.Pin
	mu     sync.Mutex
	levels []gpio.Level
}

func (p *scriptPin) Read() gpio.Level {
	p.mu.Lock()
	defer p.mu.Unlock()
	l := p.levels[0]
	if len(p.levels) > 1 {
		p.levels = p.levels[1:]
	}
	return l
}

func levels(s string) []gpio.Level {
	var l []gpio.Level
	for _, c := range s {
		l = append(l, c == 'H')
	}
	return l
}

func TestBouncingPress(t *testing.T) {
	// Pull-up wiring: L = pressed. Samples are 5 ms apart: the press bounces
	// for 20 ms, is held, then the release bounces too.
	pin := &scriptPin{Pin: &gpiotest.Pin{N: "GPIO17", EdgesChan: make(chan gpio.Level, 1)},
		levels: levels("HHLHLHLLLLLLLLLLLLLLHLHHHHHHHHH")}
	clk := &stepClock{now: t0, step: ms(5)}
	d, err := New(pin, &Opts{Name: "call-next", Clock: clk, Sample: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	e, err := d.Next(ctx)
	if err != nil || !e.Pressed || e.Name != "call-next" {
		t.Fatalf("press %+v %v", e, err)
	}
	// First low sample of the stable run is sample 6 (index from 0), at +35 ms.
	if want := t0.Add(ms(35)); !e.Time.Equal(want) {
		t.Errorf("press time +%v, want +35ms", e.Time.Sub(t0))
	}
	e, err = d.Next(ctx)
	if err != nil || e.Pressed {
		t.Fatalf("release %+v %v", e, err)
	}
	if want := t0.Add(ms(5 * 23)); !e.Time.Equal(want) {
		t.Errorf("release time +%v, want +115ms", e.Time.Sub(t0))
	}
}

func TestEdgeWakesNext(t *testing.T) {
	pin := &gpiotest.Pin{N: "GPIO27", EdgesChan: make(chan gpio.Level, 4)}
	d, err := New(pin, &Opts{Clock: &stepClock{now: t0, step: ms(10)}, Sample: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if pin.Read() != gpio.High || pin.P != gpio.PullUp {
		t.Fatalf("pin not set up with pull-up: %v %v", pin.Read(), pin.P)
	}
	pin.EdgesChan <- gpio.Low
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	e, err := d.Next(ctx)
	if err != nil || !e.Pressed || e.Name != "GPIO27" || !d.Pressed() {
		t.Fatalf("%+v %v", e, err)
	}
	d.Halt()
	if _, err := d.Next(ctx); !errors.Is(err, ErrHalted) {
		t.Fatalf("after halt: %v", err)
	}
}

func TestActiveHigh(t *testing.T) {
	pin := &gpiotest.Pin{N: "GPIO5", EdgesChan: make(chan gpio.Level, 1)}
	d, err := New(pin, &Opts{ActiveHigh: true, Clock: &stepClock{now: t0, step: ms(10)}, Sample: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if pin.P != gpio.PullDown {
		t.Fatalf("pull %v", pin.P)
	}
	pin.Out(gpio.High)
	e, err := d.Next(context.Background())
	if err != nil || !e.Pressed {
		t.Fatalf("%+v %v", e, err)
	}
}

func TestNoEdgesChan(t *testing.T) {
	if _, err := New(&gpiotest.Pin{N: "GPIO6"}, nil); err == nil {
		t.Fatal("New accepted a pin that cannot detect edges")
	}
}

func TestContextCancel(t *testing.T) {
	pin := &gpiotest.Pin{N: "GPIO22", EdgesChan: make(chan gpio.Level, 1)}
	d, _ := New(pin, &Opts{Sample: 5 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := d.Next(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v", err)
	}
	if took := time.Since(start); took > 500*time.Millisecond {
		t.Errorf("took %v", took)
	}
}

func TestLED(t *testing.T) {
	for _, activeHigh := range []bool{true, false} {
		pin := &gpiotest.Pin{N: "GPIO12", L: gpio.Low}
		l, err := NewLED(pin, activeHigh)
		if err != nil {
			t.Fatal(err)
		}
		off := gpio.Level(!activeHigh)
		if pin.Read() != off || l.On() {
			t.Fatalf("activeHigh %v: starts %v", activeHigh, pin.Read())
		}
		l.Set(true)
		if pin.Read() == off || !l.On() {
			t.Fatalf("activeHigh %v: on reads %v", activeHigh, pin.Read())
		}
		l.Toggle()
		if pin.Read() != off {
			t.Fatal("toggle did not turn off")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 25*time.Millisecond)
		l.Blink(ctx, 5*time.Millisecond)
		cancel()
		if l.On() || pin.Read() != off {
			t.Fatal("blink left the LED on")
		}
		l.Set(true)
		l.Halt()
		if l.On() {
			t.Fatal("halt left the LED on")
		}
	}
}

func TestOpenUnknownPin(t *testing.T) {
	if _, err := Open("NO_SUCH_PIN_99", nil); err == nil {
		t.Fatal("opened a pin that does not exist")
	} else if !errors.Is(err, ErrNoPin) {
		t.Logf("host init failed instead (no GPIO here): %v", err)
	}
}

func TestKeySource(t *testing.T) {
	pin := &scriptPin{Pin: &gpiotest.Pin{N: "GPIO17", EdgesChan: make(chan gpio.Level, 1)},
		levels: levels("HLLLLLLLLHHHHHHHHHLLLLLLLLL")}
	d, err := New(pin, &Opts{Name: "rate-5", Clock: &stepClock{now: t0, step: ms(5)}, Sample: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	k := NewKey(d, "7", keypad.Binding{Kind: keypad.KindRate, Rating: keypad.VerySatisfied})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for i := 0; i < 2; i++ { // two presses, the release between is skipped
		e, err := k.Next(ctx)
		if err != nil || e.Kind != keypad.KindRate || e.Rating != 5 || e.Window != "7" || e.Device != "gpio:rate-5" {
			t.Fatalf("press %d: %+v %v", i, e, err)
		}
	}
}
