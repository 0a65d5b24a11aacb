// Package button reads push buttons and drives indicator LEDs wired to the
// GPIO pins of a window terminal board, through periph.io (host.Init,
// gpioreg.ByName). Contacts bounce, so Dev samples the pin and reports a
// press only when it has been stable for 30 ms (Debouncer), with an
// injectable clock for tests (protocols.md section 4). Key turns a button
// into a keypad.Source, so board buttons produce the same events as keypads.
package button

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpioreg"
	"periph.io/x/host/v3"
)

// Sentinel errors.
var (
	// ErrNoPin: no GPIO pin of that name on this board.
	ErrNoPin = errors.New("button: no such pin")
	// ErrHalted: Next was called after Halt.
	ErrHalted = errors.New("button: halted")
)

// Clock supplies sample times; tests inject a fake.
type Clock interface{ Now() time.Time }

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

// Opts configures a button.
type Opts struct {
	Name string
	// ActiveHigh: the pin reads High when pressed (pull-down wiring). The
	// default is a button to ground with the internal pull-up.
	ActiveHigh bool
	Stable     time.Duration // debounce: 30 ms
	Sample     time.Duration // sampling period: 5 ms
	Clock      Clock
}

// DefaultOpts: pressed = Low with pull-up, 30 ms stable, 5 ms samples.
var DefaultOpts = Opts{Stable: 30 * time.Millisecond, Sample: 5 * time.Millisecond}

// Event is a debounced press or release.
type Event struct {
	Name    string
	Pressed bool
	Time    time.Time // when the new level was first seen
}

// Dev is one debounced button.
type Dev struct {
	pin    gpio.PinIn
	opts   Opts
	deb    Debouncer
	halted atomic.Bool
}

// Open initialises the host drivers once and opens the button on the pin
// called name (e.g. "GPIO17").
func Open(name string, opts *Opts) (*Dev, error) {
	if _, err := host.Init(); err != nil {
		return nil, fmt.Errorf("button: host init: %w", err)
	}
	p := gpioreg.ByName(name)
	if p == nil {
		return nil, fmt.Errorf("%w: %q", ErrNoPin, name)
	}
	o := DefaultOpts
	if opts != nil {
		o = *opts
	}
	if o.Name == "" {
		o.Name = name
	}
	return New(p, &o)
}

// New configures pin as an input with the pull that matches the wiring and
// edge detection on both edges.
func New(pin gpio.PinIn, opts *Opts) (*Dev, error) {
	o := DefaultOpts
	if opts != nil {
		o = *opts
	}
	if o.Stable <= 0 {
		o.Stable = DefaultOpts.Stable
	}
	if o.Sample <= 0 {
		o.Sample = DefaultOpts.Sample
	}
	if o.Clock == nil {
		o.Clock = realClock{}
	}
	if o.Name == "" {
		o.Name = pin.Name()
	}
	pull := gpio.PullUp
	if o.ActiveHigh {
		pull = gpio.PullDown
	}
	if err := pin.In(pull, gpio.BothEdges); err != nil {
		return nil, fmt.Errorf("button: %s: %w", o.Name, err)
	}
	return &Dev{pin: pin, opts: o, deb: Debouncer{Stable: o.Stable}}, nil
}

func (d *Dev) String() string { return fmt.Sprintf("button(%s)", d.opts.Name) }

// Halt ends a waiting Next within one sample period.
func (d *Dev) Halt() error {
	d.halted.Store(true)
	return nil
}

// Pressed returns the debounced state.
func (d *Dev) Pressed() bool { return d.deb.State() }

func (d *Dev) read() bool {
	return (d.pin.Read() == gpio.High) == d.opts.ActiveHigh
}

// Next waits for the next debounced press or release. It samples every
// Sample period, waking early on an edge; WaitForEdge always gets a positive
// timeout because implementations disagree on 0 and -1.
func (d *Dev) Next(ctx context.Context) (Event, error) {
	for {
		if d.halted.Load() {
			return Event{}, ErrHalted
		}
		if err := ctx.Err(); err != nil {
			return Event{}, err
		}
		if changed, at := d.deb.Sample(d.read(), d.opts.Clock.Now()); changed {
			return Event{Name: d.opts.Name, Pressed: d.deb.State(), Time: at}, nil
		}
		d.pin.WaitForEdge(d.opts.Sample)
	}
}

// LED is an indicator on an output pin.
type LED struct {
	pin        gpio.PinOut
	activeHigh bool
	on         atomic.Bool
}

// OpenLED initialises the host drivers and opens the LED on pin name; most
// boards drive LEDs active high.
func OpenLED(name string, activeHigh bool) (*LED, error) {
	if _, err := host.Init(); err != nil {
		return nil, fmt.Errorf("button: host init: %w", err)
	}
	p := gpioreg.ByName(name)
	if p == nil {
		return nil, fmt.Errorf("%w: %q", ErrNoPin, name)
	}
	return NewLED(p, activeHigh)
}

// NewLED drives pin as an LED, starting off.
func NewLED(pin gpio.PinOut, activeHigh bool) (*LED, error) {
	l := &LED{pin: pin, activeHigh: activeHigh}
	return l, l.Set(false)
}

// Set turns the LED on or off.
func (l *LED) Set(on bool) error {
	lvl := gpio.Level(on == l.activeHigh)
	if err := l.pin.Out(lvl); err != nil {
		return fmt.Errorf("button: led %s: %w", l.pin, err)
	}
	l.on.Store(on)
	return nil
}

// On reports the LED state as last set.
func (l *LED) On() bool { return l.on.Load() }

// Toggle inverts the LED.
func (l *LED) Toggle() error { return l.Set(!l.On()) }

// Blink toggles the LED every period until ctx is done, then turns it off.
func (l *LED) Blink(ctx context.Context, period time.Duration) error {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return l.Set(false)
		case <-t.C:
			if err := l.Toggle(); err != nil {
				return err
			}
		}
	}
}

func (l *LED) String() string { return fmt.Sprintf("led(%s)", l.pin) }

// Halt turns the LED off.
func (l *LED) Halt() error { return l.Set(false) }
