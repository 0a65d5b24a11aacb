package button

import (
	"context"
	"fmt"

	"hallq/drivers/keypad"
)

// Key makes a debounced button a keypad.Source: every press (not release)
// is one normalised event, so a board's call-next button and a USB or
// RS-485 keypad look the same to a window terminal.
type Key struct {
	dev     *Dev
	window  string
	binding keypad.Binding
}

var _ keypad.Source = (*Key)(nil)

// NewKey binds dev to what its press means at window.
func NewKey(dev *Dev, window string, b keypad.Binding) *Key {
	return &Key{dev: dev, window: window, binding: b}
}

func (k *Key) String() string {
	return fmt.Sprintf("button.Key(%s: %s)", k.dev.opts.Name, k.binding.Kind)
}

// Halt stops the button.
func (k *Key) Halt() error { return k.dev.Halt() }

// Next returns the next press as an event.
func (k *Key) Next(ctx context.Context) (keypad.Event, error) {
	for {
		e, err := k.dev.Next(ctx)
		if err != nil {
			return keypad.Event{}, err
		}
		if !e.Pressed {
			continue
		}
		ev := keypad.Event{Time: e.Time, Device: "gpio:" + e.Name, Window: k.window, Kind: k.binding.Kind,
			Digit: -1, Rating: k.binding.Rating}
		if k.binding.Kind == keypad.KindDigit {
			ev.Digit = k.binding.Digit
		}
		return ev, nil
	}
}
