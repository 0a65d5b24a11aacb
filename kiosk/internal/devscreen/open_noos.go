//go:build noos

package devscreen

import (
	"fmt"
	"log/slog"
	"sync"

	"fyne.io/fyne/v2"

	"hallq/drivers/screen"
	"hallq/ui/theme"
)

// Supported: this binary has fyne's embedded driver.
const Supported = true

// Opts are Open's options beside the screen itself.
type Opts struct {
	// Font is the CJK font file; empty tries the theme's default paths.
	Font string
	// FirstFrame runs once, after the first drawn frame.
	FirstFrame func()
	// Logger gets the virtual screen's URL; nil logs nothing.
	Logger *slog.Logger
}

// Screen is an open screen with its fyne app. Height is the panel height
// in canvas pixels (after the render scale), which sizes the text.
type Screen struct {
	Driver *screen.Driver
	App    fyne.App
	Theme  *theme.Theme
	Height int
	close  func() error
}

// Open opens the virtual screen when c.Virtual is set, the framebuffer
// otherwise, and creates the app with the CJK theme.
func Open(c Config, o *Opts) (*Screen, error) {
	if o == nil {
		o = &Opts{}
	}
	s := &Screen{}
	if c.Virtual != "" {
		v, err := screen.NewVirtualDriver(c.Virtual, c.Width, c.Height, c.AllowRemote)
		if err != nil {
			return nil, fmt.Errorf("devscreen: virtual screen: %w", err)
		}
		if o.Logger != nil {
			o.Logger.Info("virtual screen", "url", "http://"+v.Addr+"/")
		}
		s.Driver, s.close = v.Driver, v.Close
	} else {
		d, err := screen.NewFramebufferDriver(screen.FramebufferOpts{Framebuffer: c.Framebuffer, Touch: c.Touch})
		if err != nil {
			return nil, fmt.Errorf("devscreen: framebuffer: %w", err)
		}
		s.Driver, s.close = d, d.Close
	}
	if scale := autoScale(c.RenderScale, s.Driver.ScreenSize().Height); scale > 1 {
		s.Driver.SetRenderScale(scale, false)
	}
	var paths []string
	if o.Font != "" {
		paths = []string{o.Font}
	}
	s.Height = int(s.Driver.ScreenSize().Height)
	th, err := theme.New(&theme.Opts{FontPaths: paths, BaseText: theme.BaseTextFor(s.Height)})
	if err != nil {
		s.close()
		return nil, fmt.Errorf("devscreen: %w", err)
	}
	s.Theme = th
	if o.FirstFrame != nil {
		var once sync.Once
		s.Driver.OnFrame(func() { once.Do(o.FirstFrame) })
	}
	s.App = screen.NewApp(s.Driver)
	s.App.Settings().SetTheme(th)
	return s, nil
}

// Close closes the driver (and the virtual screen's server).
func (s *Screen) Close() error { return s.close() }
