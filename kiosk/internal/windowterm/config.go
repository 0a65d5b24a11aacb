package windowterm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"hallq/drivers/button"
	"hallq/drivers/keypad"
	"hallq/drivers/ledsign"
	"hallq/drivers/serialport"
	"hallq/kiosk/internal/devconfig"
	"hallq/kiosk/internal/link"
)

// Config is the window terminal's configuration file (YAML, strict). One
// window:
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
//
// Or one host on a caller bus shared by several windows (a common wiring;
// the token then needs the staff role, or each window names its own):
//
//	input: {kind: rs485, port: /dev/ttyS1}
//	windows:
//	  - {window: "1", caller_addr: 1, evaluator_addr: 101, sign: {port: /dev/ttyS2, addr: 1}}
//	  - {window: "2", caller_addr: 2, evaluator_addr: 102, sign: {port: /dev/ttyS3, addr: 2}}
type Config struct {
	Controller string        `yaml:"controller"`
	Token      string        `yaml:"token"`      // or token_file
	TokenFile  string        `yaml:"token_file"` // preferred: keeps the token out of the config
	Window     string        `yaml:"window"`
	Device     string        `yaml:"device"`
	Input      InputConfig   `yaml:"input"`
	Sign       SignConfig    `yaml:"sign"`
	Windows    []WindowEntry `yaml:"windows"`     // several windows on one caller bus
	Screen     ScreenConfig  `yaml:"screen"`      // staff touch screen (one window; -tags noos)
	BusyFile   string        `yaml:"busy_file"`   // default /run/hallq/busy; "-" for none
	DebounceMS int           `yaml:"debounce_ms"` // chatter: same key within this time (1000)
	StaleMS    int           `yaml:"stale_ms"`    // older presses are dropped (2000)
	Version    string        `yaml:"-"`
	// Logger is set by the command; nil discards.
	Logger *slog.Logger `yaml:"-"`
	// Options, when set by a caller (the demo), are the base of every
	// window's options (Window, Device and Logger are set per window).
	Options *Options `yaml:"-"`
}

// WindowEntry is one window of a shared caller bus.
type WindowEntry struct {
	Window        string     `yaml:"window"`
	Device        string     `yaml:"device"`
	CallerAddr    uint8      `yaml:"caller_addr"`
	EvaluatorAddr uint8      `yaml:"evaluator_addr"`
	Sign          SignConfig `yaml:"sign"`
	Token         string     `yaml:"token"`
	TokenFile     string     `yaml:"token_file"`
}

// InputConfig says where the keys come from.
type InputConfig struct {
	Kind string `yaml:"kind"` // rs485, evdev or gpio
	// rs485: the shared caller/evaluator bus.
	Port          string `yaml:"port"`
	Baud          int    `yaml:"baud"` // 9600
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
	Baud int    `yaml:"baud"` // 9600
}

// ScreenConfig is the staff touch screen: a framebuffer, or the browser
// virtual screen for demos. Neither set: no screen.
type ScreenConfig struct {
	Framebuffer string `yaml:"framebuffer"` // /dev/fb0
	Virtual     string `yaml:"virtual"`     // host:port of the browser virtual screen
	Width       int    `yaml:"width"`       // virtual screen size (800x480)
	Height      int    `yaml:"height"`
	AllowRemote bool   `yaml:"allow_remote"` // virtual screen reachable from other hosts
	Font        string `yaml:"font"`         // CJK font file; default: the system's
	// FirstFrame is created after the first drawn frame (firmware
	// contract); default /run/hallq/first-frame, "-" for none.
	FirstFrame string `yaml:"first_frame"`
}

// Enabled reports whether a screen is configured.
func (s ScreenConfig) Enabled() bool { return s.Framebuffer != "" || s.Virtual != "" }

// ParseConfig decodes strictly and validates.
func ParseConfig(b []byte) (*Config, error) {
	var c Config
	if err := devconfig.Decode(b, &c); err != nil {
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

// entries returns the windows of c, the single-window form included.
func (c *Config) entries() []WindowEntry {
	if len(c.Windows) > 0 {
		return c.Windows
	}
	return []WindowEntry{{Window: c.Window, Device: c.Device, CallerAddr: c.Input.CallerAddr,
		EvaluatorAddr: c.Input.EvaluatorAddr, Sign: c.Sign}}
}

// Validate names the first bad field.
func (c *Config) Validate() error {
	bad := func(f string, a ...any) error { return fmt.Errorf("%w: "+f, append([]any{ErrConfig}, a...)...) }
	if c.Controller == "" {
		return bad("controller is required (http://host:port)")
	}
	if len(c.Windows) > 0 && (c.Window != "" || c.Sign.Port != "" || c.Input.CallerAddr != 0 || c.Input.EvaluatorAddr != 0) {
		return bad("give either window (with input.caller_addr and sign) or windows, not both")
	}
	if len(c.Windows) > 0 && c.Screen.Enabled() {
		return bad("screen: a touch screen serves one window; use window, not windows")
	}
	if c.Screen.Framebuffer != "" && c.Screen.Virtual != "" {
		return bad("screen: framebuffer or virtual, not both")
	}
	if len(c.Windows) > 0 && c.Input.Kind != "rs485" {
		return bad("windows: several windows share an rs485 bus only")
	}
	windows, addrs, ports := map[string]bool{}, map[uint8]string{}, map[string]string{}
	for i, w := range c.entries() {
		where := "window"
		if len(c.Windows) > 0 {
			where = fmt.Sprintf("windows[%d]", i)
		}
		if w.Window == "" {
			return bad("%s: window is required", where)
		}
		if windows[w.Window] {
			return bad("%s: window %s twice", where, w.Window)
		}
		windows[w.Window] = true
		if c.Token == "" && c.TokenFile == "" && w.Token == "" && w.TokenFile == "" {
			return bad("%s: token or token_file is required", where)
		}
		if c.Input.Kind == "rs485" {
			if w.CallerAddr == 0 {
				return bad("%s: caller_addr is required on an rs485 bus", where)
			}
			for _, a := range []uint8{w.CallerAddr, w.EvaluatorAddr} {
				if a == 0 {
					continue
				}
				if other, dup := addrs[a]; dup {
					return bad("%s: bus address %d is already window %s's", where, a, other)
				}
				addrs[a] = w.Window
			}
		}
		if w.Sign.Port != "" {
			if w.Sign.Addr == 0 || w.Sign.Addr > ledsign.MaxAddr {
				return bad("%s: sign.addr %d: 1..%d", where, w.Sign.Addr, ledsign.MaxAddr)
			}
			if other, dup := ports[w.Sign.Port]; dup {
				return bad("%s: sign.port %s is already window %s's", where, w.Sign.Port, other)
			}
			ports[w.Sign.Port] = w.Window
		}
	}
	switch c.Input.Kind {
	case "rs485":
		if c.Input.Port == "" {
			return bad("input: rs485 needs port")
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
	if c.DebounceMS < 0 || c.StaleMS < 0 {
		return bad("debounce_ms and stale_ms are not negative")
	}
	return nil
}

func readToken(tok, file string) (string, error) {
	if file == "" {
		return tok, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("windowterm: token_file: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// Run opens the devices of c and runs the terminal(s) until ctx ends.
func Run(ctx context.Context, c Config) error {
	if err := c.Validate(); err != nil {
		return err
	}
	lg := c.Logger
	if lg == nil {
		lg = slog.New(slog.NewTextHandler(io.Discard, nil))
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
	entries := c.entries()
	sources := map[string][]keypad.Source{}
	var bus *fanout
	switch c.Input.Kind {
	case "rs485":
		p, err := openPort(c.Input.Port, c.Input.Baud)
		if err != nil {
			return err
		}
		o := keypad.DefaultBusOpts
		o.Windows = map[uint8]string{}
		for _, w := range entries {
			o.Windows[w.CallerAddr] = w.Window
			if w.EvaluatorAddr != 0 {
				o.Windows[w.EvaluatorAddr] = w.Window
			}
		}
		o.OnError = func(err error) { lg.Debug("keypad bus", "err", err) }
		bus = newFanout(keypad.NewBus(p, &o), o.Windows, lg)
		for _, w := range entries {
			sources[w.Window] = []keypad.Source{bus.source(w.Window)}
		}
	case "evdev":
		km, _ := keypad.ParseKeyMap(c.Input.EvdevKeys)
		d, err := keypad.OpenEvdev(c.Input.Evdev, &keypad.EvdevOpts{Keys: km, Window: c.Window, Grab: true})
		if err != nil {
			return err
		}
		closers = append(closers, d.Halt)
		sources[c.Window] = append(sources[c.Window], d)
		if c.Input.EvaluatorEvdev != "" {
			ev, err := keypad.OpenEvdev(c.Input.EvaluatorEvdev, &keypad.EvdevOpts{Keys: keypad.DigitRatings(), Window: c.Window, Grab: true})
			if err != nil {
				return err
			}
			closers = append(closers, ev.Halt)
			sources[c.Window] = append(sources[c.Window], ev)
		}
	case "gpio":
		for pin, k := range c.Input.GPIO {
			kind, _ := keypad.ParseKind(k)
			b, err := button.Open(pin, nil)
			if err != nil {
				return err
			}
			closers = append(closers, b.Halt)
			sources[c.Window] = append(sources[c.Window], button.NewKey(b, c.Window, keypad.Binding{Kind: kind, Digit: -1}))
		}
	}
	var terms []*Terminal
	for _, w := range entries {
		tok := w.Token
		file := w.TokenFile
		if tok == "" && file == "" {
			tok, file = c.Token, c.TokenFile
		}
		token, err := readToken(tok, file)
		if err != nil {
			return err
		}
		ctl, err := link.New(c.Controller, token, &link.Opts{Logger: lg, UserAgent: "hallq-window/" + c.Version})
		if err != nil {
			return err
		}
		var sign ledsign.Sign
		if w.Sign.Port != "" {
			p, err := openPort(w.Sign.Port, w.Sign.Baud)
			if err != nil {
				return err
			}
			so := ledsign.DefaultOpts
			so.Addr, so.Name = w.Sign.Addr, "window "+w.Window
			if w.Sign.Baud > 0 {
				so.Baud = w.Sign.Baud
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
		o.Window, o.Device, o.Logger, o.Version = w.Window, w.Device, lg, c.Version
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
		t, err := New(ctl, sign, sources[w.Window], &o)
		if err != nil {
			return err
		}
		terms = append(terms, t)
	}
	if c.Screen.Enabled() && !ScreenSupported {
		return ErrNoScreen
	}
	lg.Info("window terminal", "windows", len(terms), "input", c.Input.Kind, "screen", c.Screen.Enabled())
	var wg sync.WaitGroup
	if bus != nil {
		wg.Add(1)
		go func() { defer wg.Done(); bus.run(ctx) }()
	}
	errs := make(chan error, len(terms))
	for _, t := range terms {
		wg.Add(1)
		go func() { defer wg.Done(); errs <- t.Run(ctx) }()
	}
	var all []error
	if c.Screen.Enabled() {
		// fyne's loop runs on this goroutine; the terminal keeps working if
		// the screen fails.
		if err := runScreen(ctx, terms[0], c.Screen, lg); err != nil && ctx.Err() == nil {
			lg.Error("touch screen", "err", err)
			all = append(all, err)
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		all = append(all, err)
	}
	return errors.Join(all...)
}

// fanout reads one caller bus and hands each event to the terminal of its
// window; events of addresses not configured are dropped.
type fanout struct {
	src   keypad.Source
	addrs map[uint8]string
	lg    *slog.Logger
	mu    sync.Mutex
	outs  map[string]chan keypad.Event
}

func newFanout(src keypad.Source, addrs map[uint8]string, lg *slog.Logger) *fanout {
	return &fanout{src: src, addrs: addrs, lg: lg, outs: map[string]chan keypad.Event{}}
}

func (f *fanout) source(window string) keypad.Source {
	f.mu.Lock()
	defer f.mu.Unlock()
	ch := make(chan keypad.Event, 32)
	f.outs[window] = ch
	return &chanSource{ch: ch, name: "rs485 window " + window}
}

func (f *fanout) run(ctx context.Context) {
	fails := 0
	for ctx.Err() == nil {
		e, err := f.src.Next(ctx)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, io.EOF) {
				return
			}
			fails++
			f.lg.Warn("keypad bus", "err", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(min(time.Duration(fails)*200*time.Millisecond, 5*time.Second)):
			}
			continue
		}
		fails = 0
		var a int
		if _, err := fmt.Sscanf(e.Device, "rs485:%d", &a); err != nil || a < 0 || a > 255 {
			continue
		}
		if _, ok := f.addrs[uint8(a)]; !ok {
			continue
		}
		f.mu.Lock()
		ch := f.outs[e.Window]
		f.mu.Unlock()
		if ch == nil {
			continue
		}
		select {
		case ch <- e:
		default:
			f.lg.Warn("keypad queue full: press dropped", "window", e.Window, "kind", e.Kind.String())
		}
	}
}

// chanSource is a keypad.Source fed by a fanout.
type chanSource struct {
	ch   chan keypad.Event
	name string
}

func (s *chanSource) Next(ctx context.Context) (keypad.Event, error) {
	select {
	case <-ctx.Done():
		return keypad.Event{}, ctx.Err()
	case e := <-s.ch:
		return e, nil
	}
}
func (s *chanSource) String() string { return s.name }
func (s *chanSource) Halt() error    { return nil }
