//go:build !noos

package devscreen

import "log/slog"

// Supported: fyne's embedded driver needs -tags noos (without it fyne links
// its OpenGL driver, which needs cgo).
const Supported = false

// Opts are Open's options beside the screen itself.
type Opts struct {
	Font       string
	FirstFrame func()
	Logger     *slog.Logger
}

// Screen is an open screen; without -tags noos there is none.
type Screen struct{}

// Open returns ErrNoScreen: the binary was built without -tags noos.
func Open(c Config, o *Opts) (*Screen, error) { return nil, ErrNoScreen }

// Close does nothing.
func (s *Screen) Close() error { return nil }
