// Package devscreen opens the screen of a device app (kiosk, hall display,
// window terminal) the same way for all three: fyne's embedded driver on the
// framebuffer or on the browser virtual screen, a render scale for tall
// panels, the CJK theme sized for the panel, and the firmware's first-frame
// hook. Open needs -tags noos (fyne's embedded driver); without it Open
// returns ErrNoScreen, so the apps still build and vet without tags.
package devscreen

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// ErrNoScreen: the binary was built without -tags noos.
var ErrNoScreen = errors.New("devscreen: built without -tags noos, so there is no screen driver")

// Config selects the screen. The YAML keys are the apps' "screen:" keys.
type Config struct {
	Framebuffer string `yaml:"framebuffer"` // /dev/fb0
	Touch       string `yaml:"touch"`       // /dev/input/eventN
	// Virtual is the listen address of the browser virtual screen
	// (127.0.0.1:7001); it wins over Framebuffer.
	Virtual     string `yaml:"virtual"`
	Width       int    `yaml:"width"`
	Height      int    `yaml:"height"`
	AllowRemote bool   `yaml:"allow_remote"`
	// RenderScale lets fyne paint a smaller canvas that the driver scales
	// up: fyne's software painter costs time per pixel, and 1.5 brings a
	// 1920x1080 panel's touch-to-frame from ~86 ms to ~41 ms. 0 picks 1.5
	// for screens taller than 900 pixels and native resolution otherwise;
	// 1 keeps native resolution everywhere.
	RenderScale float64 `yaml:"render_scale"`
}

// autoScale is the render scale Open uses when Config.RenderScale is 0.
func autoScale(want float64, height float32) float64 {
	if want == 0 && height > 900 {
		return 1.5
	}
	return want
}

// WriteFirstFrame creates the first-frame file of the firmware contract,
// holding the time; "" and "-" mean none.
func WriteFirstFrame(path string) error {
	if path == "" || path == "-" {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("devscreen: first-frame file: %w", err)
	}
	if err := os.WriteFile(path, []byte(time.Now().UTC().Format(time.RFC3339Nano)+"\n"), 0o644); err != nil {
		return fmt.Errorf("devscreen: first-frame file: %w", err)
	}
	return nil
}
