package kioskapp

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"time"

	"hallq/kiosk/internal/devconfig"
	"hallq/kiosk/internal/devscreen"
	"hallq/kiosk/internal/ticket"
)

// Config is the kiosk's configuration file (YAML, strict: an unknown key is
// an error, so a typo never goes unnoticed).
type Config struct {
	// Device names the kiosk to the controller (device status, reports).
	Device string `yaml:"device"`
	// Controller is the hall controller's base URL, http://host:port.
	Controller string `yaml:"controller"`
	// Token is the kiosk's bearer token (role kiosk).
	Token string `yaml:"token"`

	CardReader CardReaderConfig `yaml:"card_reader"`
	Printer    PrinterConfig    `yaml:"printer"`
	Camera     CameraConfig     `yaml:"camera"`
	Screen     ScreenConfig     `yaml:"screen"`

	// Font is the CJK font for the screen and the ticket preview; empty
	// tries the usual Debian paths.
	Font string `yaml:"font"`
	// TechPIN opens the technician screen; GreenPIN unlocks the green
	// channel for staff at the kiosk. Empty disables them.
	TechPIN  string `yaml:"tech_pin"`
	GreenPIN string `yaml:"green_pin"`

	// StatusURL is the template of the ticket's status page printed as a
	// QR code: {id}, {number} and {k} (the check value) are replaced.
	// Empty: <controller>/m/t/{id}?k={k}.
	StatusURL string `yaml:"status_url"`
	// Footer is printed at the bottom of every ticket (HallInfo's
	// ticket_footer overrides it when the controller has one).
	Footer string `yaml:"footer"`

	Timeouts TimeoutsConfig `yaml:"timeouts"`

	// Outbox is the bbolt file of the offline outbox.
	Outbox string `yaml:"outbox"`
	// BusyFile is touched while a citizen session is in progress;
	// FirstFrameFile is created after the first drawn frame (firmware
	// contract).
	BusyFile       string `yaml:"busy_file"`
	FirstFrameFile string `yaml:"first_frame_file"`
	// StatusEvery is how often device status is reported even without a
	// change (60 s).
	StatusEvery time.Duration `yaml:"status_every"`

	// Headless runs the journey without a screen (tests, benchmarks,
	// soak runs): touches come from Kiosk.Send.
	Headless bool `yaml:"headless"`
	// Version is reported to the controller and the technician screen.
	Version string `yaml:"-"`
}

// CardReaderConfig is the ID card reader's serial port.
type CardReaderConfig struct {
	// Port is the serial device (/dev/serial/by-id/...); empty: no reader,
	// plain tickets only.
	Port string `yaml:"port"`
	// Bauds are probed in order (115200 then 9600).
	Bauds []int `yaml:"bauds"`
	// Poll is the find-card period (300-1000 ms).
	Poll time.Duration `yaml:"poll"`
}

// PrinterConfig is the receipt printer.
type PrinterConfig struct {
	// Port is the printer's serial device; empty: no printer (the kiosk
	// shows tickets on screen only and reports printer_missing).
	Port string `yaml:"port"`
	Baud int    `yaml:"baud"`
	// Profile: 58mm, 80mm, 80mm-512 or 80mm-noqr ("58", "80" also).
	Profile string `yaml:"profile"`
	// Poll is how often the status is checked while idle (5 s).
	Poll time.Duration `yaml:"poll"`
}

// CameraConfig is the document camera.
type CameraConfig struct {
	// Device is /dev/videoN; empty: no document capture.
	Device string `yaml:"device"`
}

// ScreenConfig selects the screen: a framebuffer with a touch device, or
// the browser virtual screen for development and the demo.
type ScreenConfig = devscreen.Config

// TimeoutsConfig are the journey's timeouts.
type TimeoutsConfig struct {
	Idle  time.Duration `yaml:"idle"`  // back to attract (60 s)
	Done  time.Duration `yaml:"done"`  // done and message screens (15 s)
	Issue time.Duration `yaml:"issue"` // the controller's answer (30 s)
	Print time.Duration `yaml:"print"` // the printer (30 s)
}

// Errors of the configuration.
var (
	// ErrConfig: the configuration is invalid; the message says where.
	ErrConfig = errors.New("kioskapp: bad configuration")
	// ErrNoScreen: the binary was built without -tags noos and cannot draw
	// a screen; run it with headless: true or rebuild with -tags noos.
	ErrNoScreen = errors.New("kioskapp: built without -tags noos: no screen support (use headless: true, or build with -tags noos)")
)

// LoadConfig reads a YAML configuration file strictly.
func LoadConfig(path string) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return ParseConfig(b)
}

// ParseConfig decodes YAML strictly and checks it.
func ParseConfig(b []byte) (Config, error) {
	var c Config
	if err := devconfig.Decode(b, &c); err != nil {
		return Config{}, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	if err := c.Check(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// Check validates the configuration and fills defaults.
func (c *Config) Check() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrConfig}, a...)...)
	}
	u, err := url.Parse(c.Controller)
	if c.Controller == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return bad("controller %q is not an http://host:port url", c.Controller)
	}
	if len(c.Token) < 16 {
		return bad("token must have at least 16 characters")
	}
	if c.Device == "" {
		c.Device = "kiosk"
	}
	if _, err := ticket.LayoutFor(c.Printer.Profile); err != nil {
		return bad("printer profile %q (58mm, 80mm, 80mm-512, 80mm-noqr)", c.Printer.Profile)
	}
	if c.Printer.Baud == 0 {
		c.Printer.Baud = 115200
	}
	if c.Printer.Poll <= 0 {
		c.Printer.Poll = 5 * time.Second
	}
	if c.StatusURL == "" {
		c.StatusURL = c.Controller + "/m/t/{id}?k={k}"
	}
	if _, err := ticket.StatusURL(c.StatusURL, 1, "A001", "k"); err != nil {
		return bad("status_url: %v", err)
	}
	for _, p := range []struct{ name, v string }{{"tech_pin", c.TechPIN}, {"green_pin", c.GreenPIN}} {
		for _, r := range p.v {
			if r < '0' || r > '9' {
				return bad("%s must be digits", p.name)
			}
		}
		if p.v != "" && (len(p.v) < 4 || len(p.v) > 12) {
			return bad("%s must have 4 to 12 digits", p.name)
		}
	}
	if !c.Headless && c.Screen.Virtual == "" && c.Screen.Framebuffer == "" {
		return bad("screen: set virtual (browser) or framebuffer, or headless: true")
	}
	if c.Screen.Virtual != "" && (c.Screen.Width <= 0 || c.Screen.Height <= 0) {
		c.Screen.Width, c.Screen.Height = 1280, 800
	}
	if c.BusyFile == "" {
		c.BusyFile = "/run/hallq/busy"
	}
	if c.FirstFrameFile == "" {
		c.FirstFrameFile = "/run/hallq/first-frame"
	}
	if c.StatusEvery <= 0 {
		c.StatusEvery = time.Minute
	}
	return nil
}
