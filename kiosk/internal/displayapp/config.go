package displayapp

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"time"

	"hallq/kiosk/internal/devconfig"
)

// Config is the display's configuration file (YAML, strict).
type Config struct {
	// Device names the display to the controller.
	Device string `yaml:"device"`
	// Controller is the hall controller's base URL; Token a display-role
	// bearer token.
	Controller string `yaml:"controller"`
	Token      string `yaml:"token"`

	Screen ScreenConfig `yaml:"screen"`
	Voice  VoiceConfig  `yaml:"voice"`

	// Font is the CJK font; empty tries the usual Debian paths.
	Font string `yaml:"font"`
	// Calls is how many calls the screen lists (at most 6 are drawn);
	// Highlight how long a fresh call blinks.
	Calls     int           `yaml:"calls"`
	Highlight time.Duration `yaml:"highlight"`
	// ReloadAfter: after the link was down this long, the display reads
	// a fresh snapshot instead of replaying every missed event.
	ReloadAfter time.Duration `yaml:"reload_after"`
	// FirstFrameFile is created after the first drawn frame (firmware
	// contract).
	FirstFrameFile string `yaml:"first_frame_file"`
	// StatusEvery is how often the display reports its status.
	StatusEvery time.Duration `yaml:"status_every"`
	// Headless runs without a screen (tests, the demo's voice-only runs).
	Headless bool `yaml:"headless"`

	Version string       `yaml:"-"`
	Logger  *slog.Logger `yaml:"-"`
}

// ScreenConfig selects the screen.
type ScreenConfig struct {
	// Virtual serves the screen to a browser at this loopback address
	// (development, the demo) instead of the framebuffer.
	Virtual     string `yaml:"virtual"`
	AllowRemote bool   `yaml:"allow_remote"`
	Framebuffer string `yaml:"framebuffer"`
	Width       int    `yaml:"width"`
	Height      int    `yaml:"height"`
	// RenderScale lets fyne paint a smaller canvas that the driver scales
	// up (fyne's software painter costs time per pixel: a full 1080p paint
	// is ~70-85 ms here). 0 picks 1.5 for screens taller than 900 pixels;
	// the hall screen's text is large, so the upscale stays legible.
	RenderScale float64 `yaml:"render_scale"`
}

// VoiceConfig selects how calls are spoken.
type VoiceConfig struct {
	// Mode: "aplay" (espeak-ng or clips, played through ALSA), "wav"
	// (files into Dir), "off".
	Mode string `yaml:"mode"`
	// Device is the ALSA device for aplay ("" = default).
	Device string `yaml:"device"`
	// Dir receives the WAV files in "wav" mode; with Realtime each file
	// is followed by its playing time, as with a loudspeaker (the demo
	// plays them in the browser).
	Dir      string `yaml:"dir"`
	Realtime bool   `yaml:"realtime"`
	// Clips, when set, is a directory of pre-recorded word clips used
	// instead of espeak-ng.
	Clips string `yaml:"clips"`
	// Voice and Speed of espeak-ng (default "cmn", 130 words a minute).
	Voice string `yaml:"voice"`
	Speed int    `yaml:"speed"`
	// Times each call is said; MaxAge drops calls not said in time.
	Times  int           `yaml:"times"`
	MaxAge time.Duration `yaml:"max_age"`
}

// Defaults fills zero fields.
func (c *Config) Defaults() {
	if c.Device == "" {
		c.Device = "display-1"
	}
	if c.Calls <= 0 {
		c.Calls = 6
	}
	if c.Highlight <= 0 {
		c.Highlight = 10 * time.Second
	}
	if c.ReloadAfter <= 0 {
		c.ReloadAfter = 2 * time.Minute
	}
	if c.StatusEvery <= 0 {
		c.StatusEvery = time.Minute
	}
	if c.Screen.Width <= 0 {
		c.Screen.Width = 1920
	}
	if c.Screen.Height <= 0 {
		c.Screen.Height = 1080
	}
	if c.FirstFrameFile == "" {
		c.FirstFrameFile = "/run/hallq/first-frame"
	}
	if c.Voice.Mode == "" {
		c.Voice.Mode = "aplay"
	}
	if c.Voice.Times <= 0 {
		c.Voice.Times = 2
	}
	if c.Voice.MaxAge <= 0 {
		c.Voice.MaxAge = time.Minute
	}
}

// Validate checks a configuration after Defaults.
func (c *Config) Validate() error {
	u, err := url.Parse(c.Controller)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("displayapp: controller %q: want http://host:port", c.Controller)
	}
	if c.Token == "" {
		return errors.New("displayapp: token is empty")
	}
	switch c.Voice.Mode {
	case "aplay", "off":
	case "wav":
		if c.Voice.Dir == "" {
			return errors.New("displayapp: voice mode wav needs voice.dir")
		}
	default:
		return fmt.Errorf("displayapp: voice mode %q: want aplay, wav or off", c.Voice.Mode)
	}
	if c.Screen.Width < 320 || c.Screen.Height < 240 || c.Screen.Width > 7680 || c.Screen.Height > 4320 {
		return fmt.Errorf("displayapp: screen %dx%d out of range", c.Screen.Width, c.Screen.Height)
	}
	return nil
}

// ParseConfig decodes strictly, fills defaults and validates.
func ParseConfig(b []byte) (*Config, error) {
	var c Config
	if err := devconfig.Decode(b, &c); err != nil {
		return nil, fmt.Errorf("displayapp: config: %w", err)
	}
	c.Defaults()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// LoadConfig reads a configuration file.
func LoadConfig(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("displayapp: %w", err)
	}
	c, err := ParseConfig(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}
