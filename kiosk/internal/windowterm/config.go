package windowterm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"hallq/drivers/button"
	"hallq/drivers/keypad"
	"hallq/drivers/ledsign"
	"hallq/drivers/serialport"
	"hallq/kiosk/internal/link"
)

// Config is the window terminal's configuration file (YAML, strict).
//
//	controller: http://192.168.1.10:8080
//	token_file: /etc/hallq/window.token   # a "window" role token for this window
//	window: "3"
//	input:
//	  kind: rs485            # rs485 | evdev | gpio
//	  port: /dev/ttyS1
//	  caller_addr: 3          # this window's caller on the bus
//	  evaluator_addr: 103     # this window's evaluator on the bus
//	sign: {port: /dev/ttyS2, addr: 3}
type Config struct {
	Controller string      `yaml:"controller"`
	Token      string      `yaml:"token"`      // or token_file
	TokenFile  string      `yaml:"token_file"` // preferred: keeps the token out of the config
	Window     string      `yaml:"window"`
	Device     string      `yaml:"device"`
	Input      InputConfig `yaml:"input"`
	Sign       SignConfig  `yaml:"sign"`
	BusyFile   string      `yaml:"busy_file"`   // default /run/hallq/busy; "-" for none
	DebounceMS int         `yaml:"debounce_ms"` // chatter: same key within this time (1000)
	StaleMS    int         `yaml:"stale_ms"`    // older presses are dropped (2000)
	Version    string      `yaml:"-"`
	// Logger is set by the command; nil discards.
	Logger *slog.Logger `yaml:"-"`
	// Options, when set by a caller (the demo), override the ones derived
	// from the fields above, except Window.
	Options *Options `yaml:"-"`
}

// InputConfig says where the keys come from.
type InputConfig struct {
	Kind string `yaml:"kind"` // rs485, evdev or gpio
	// rs485: the shared caller/evaluator bus.
	Port          string `yaml:"port"`
	Baud          int    `yaml:"baud"`
	CallerAddr    uint8  `yaml:"caller_addr"`
	EvaluatorAddr uint8  `yaml:"evaluator_addr"`
	// evdev: a USB keypad (key name -> kind, e.g. KEY_KP1: call-next) and
	// optionally a 5-key USB evaluator whose keys 1..5 are the levels.
	Evdev          string            `yaml:"evdev"`
	EvdevKeys      map[string]string `yaml:"evdev_keys"`
	EvaluatorEvdev string            `yaml:"evaluator_evdev"`
	// gpio: pin name -> kind ("GPIO17": call-next).
	GPIO map[string]string `yaml:"gpio"`
}

// SignConfig is the window's KWS/1 LED sign ("" port: no sign).
type SignConfig struct {
	Port string `yaml:"port"`
	Addr uint8  `yaml:"addr"`
	Baud int    `yaml:"baud"`
}

// ParseConfig decodes strictly and validates.
func ParseConfig(b []byte) (*Config, error) {
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// LoadConfig reads and parses a configuration file.
func LoadConfig(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("windowterm: %w", err)
	}
	c, err := ParseConfig(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// Validate names the first bad field.
func (c *Config) Validate() error {
	bad := func(f string, a ...any) error { return fmt.Errorf("%w: "+f, append([]any{ErrConfig}, a...)...) }
	if c.Controller == "" {
		return bad("controller is required (http://host:port)")
	}
	if c.Token == "" && c.TokenFile == "" {
		return bad("token or token_file is required")
	}
	if c.Window == "" {
		return bad("window is required")
	}
	switch c.Input.Kind {
	case "rs485":
		if c.Input.Port == "" || c.Input.CallerAddr == 0 {
			return bad("input: rs485 needs port and caller_addr")
		}
	case "evdev":
		if c.Input.Evdev == "" || len(c.Input.EvdevKeys) == 0 {
			return bad("input: evdev needs evdev and evdev_keys")
		}
		if _, err := keypad.ParseKeyMap(c.Input.EvdevKeys); err != nil {
			return bad("input.evdev_keys: %v", err)
		}
	case "gpio":
		if len(c.Input.GPIO) == 0 {
			return bad("input: gpio needs at least one pin")
		}
		for pin, k := range c.Input.GPIO {
			if _, err := keypad.ParseKind(k); err != nil {
				return bad("input.gpio[%s]: %v", pin, err)
			}
		}
	default:
		return bad("input.kind %q: rs485, evdev or gpio", c.Input.Kind)
	}
	if c.Sign.Port != "" && (c.Sign.Addr == 0 || c.Sign.Addr > ledsign.MaxAddr) {
		return bad("sign.addr %d: 1..%d", c.Sign.Addr, ledsign.MaxAddr)
	}
	if c.DebounceMS < 0 || c.StaleMS < 0 {
		return bad("debounce_ms and stale_ms are not negative")
	}
	return nil
}

// Run opens the devices of c and runs the terminal until ctx ends.
func Run(ctx context.Context, c Config) error {
	if err := c.Validate(); err != nil {
		return err
	}
	lg := c.Logger
	if lg == nil {
		lg = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	token := c.Token
	if c.TokenFile != "" {
		b, err := os.ReadFile(c.TokenFile)
		if err != nil {
			return fmt.Errorf("windowterm: token_file: %w", err)
		}
		token = strings.TrimSpace(string(b))
	}
	ctl, err := link.New(c.Controller, token, &link.Opts{Logger: lg, UserAgent: "hallq-window/" + c.Version})
	if err != nil {
		return err
	}
	var closers []func() error
	defer func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}()
	openPort := func(name string, baud int) (*serialport.Dev, error) {
		if baud == 0 {
			baud = 9600 // RS-485 callers and KWS/1 signs default to 9600 8N1
		}
		p, err := serialport.New(name, &serialport.Opts{Baud: baud})
		if err != nil {
			return nil, fmt.Errorf("windowterm: %s: %w", name, err)
		}
		closers = append(closers, p.Close)
		return p, nil
	}
	var sources []keypad.Source
	switch c.Input.Kind {
	case "rs485":
		p, err := openPort(c.Input.Port, c.Input.Baud)
		if err != nil {
			return err
		}
		o := keypad.DefaultBusOpts
		o.Windows = map[uint8]string{c.Input.CallerAddr: c.Window}
		if c.Input.EvaluatorAddr != 0 {
			o.Windows[c.Input.EvaluatorAddr] = c.Window
		}
		o.OnError = func(err error) { lg.Debug("keypad bus", "err", err) }
		sources = append(sources, &windowFilter{Source: keypad.NewBus(p, &o), addrs: o.Windows})
	case "evdev":
		km, _ := keypad.ParseKeyMap(c.Input.EvdevKeys)
		d, err := keypad.OpenEvdev(c.Input.Evdev, &keypad.EvdevOpts{Keys: km, Window: c.Window, Grab: true})
		if err != nil {
			return err
		}
		closers = append(closers, d.Halt)
		sources = append(sources, d)
		if c.Input.EvaluatorEvdev != "" {
			ev, err := keypad.OpenEvdev(c.Input.EvaluatorEvdev, &keypad.EvdevOpts{Keys: keypad.DigitRatings(), Window: c.Window, Grab: true})
			if err != nil {
				return err
			}
			closers = append(closers, ev.Halt)
			sources = append(sources, ev)
		}
	case "gpio":
		for pin, k := range c.Input.GPIO {
			kind, _ := keypad.ParseKind(k)
			b, err := button.Open(pin, nil)
			if err != nil {
				return err
			}
			closers = append(closers, b.Halt)
			sources = append(sources, button.NewKey(b, c.Window, keypad.Binding{Kind: kind, Digit: -1}))
		}
	}
	var sign ledsign.Sign
	if c.Sign.Port != "" {
		p, err := openPort(c.Sign.Port, c.Sign.Baud)
		if err != nil {
			return err
		}
		so := ledsign.DefaultOpts
		so.Addr, so.Name = c.Sign.Addr, "window "+c.Window
		if c.Sign.Baud > 0 {
			so.Baud = c.Sign.Baud
		}
		d, err := ledsign.New(p, &so)
		if err != nil {
			return err
		}
		sign = d
	}
	o := DefaultOptions
	if c.Options != nil {
		o = *c.Options
	}
	o.Window, o.Logger, o.Version = c.Window, lg, c.Version
	if c.Device != "" {
		o.Device = c.Device
	}
	if c.DebounceMS > 0 {
		o.Debounce = time.Duration(c.DebounceMS) * time.Millisecond
	}
	if c.StaleMS > 0 {
		o.Stale = time.Duration(c.StaleMS) * time.Millisecond
	}
	switch c.BusyFile {
	case "":
		o.BusyFile = "/run/hallq/busy"
	case "-":
		o.BusyFile = ""
	default:
		o.BusyFile = c.BusyFile
	}
	t, err := New(ctl, sign, sources, &o)
	if err != nil {
		return err
	}
	lg.Info("window terminal", "window", c.Window, "input", c.Input.Kind, "sign", c.Sign.Port != "")
	return t.Run(ctx)
}

// windowFilter passes only the events of the addresses configured for this
// window: a bus may carry other windows' devices.
type windowFilter struct {
	keypad.Source
	addrs map[uint8]string
}

func (f *windowFilter) Next(ctx context.Context) (keypad.Event, error) {
	for {
		e, err := f.Source.Next(ctx)
		if err != nil {
			return e, err
		}
		var a int
		if _, err := fmt.Sscanf(e.Device, "rs485:%d", &a); err == nil && a >= 0 && a < 256 {
			if _, ok := f.addrs[uint8(a)]; ok {
				return e, nil
			}
		}
	}
}
