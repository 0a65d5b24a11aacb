//go:build noos

package displayapp

import (
	"context"
	"fmt"
	"sync"
	"time"

	"fyne.io/fyne/v2"

	"hallq/drivers/screen"
	"hallq/ui/display"
	"hallq/ui/theme"
)

// ScreenSupported: this binary has fyne's embedded driver.
const ScreenSupported = true

// runScreen draws the hall screen on the framebuffer or the browser
// virtual screen until ctx ends.
func runScreen(ctx context.Context, d *Display) error {
	cfg := d.cfg
	var drv *screen.Driver
	if cfg.Screen.Virtual != "" {
		v, err := screen.NewVirtualDriver(cfg.Screen.Virtual, cfg.Screen.Width, cfg.Screen.Height, cfg.Screen.AllowRemote)
		if err != nil {
			return fmt.Errorf("displayapp: virtual screen: %w", err)
		}
		defer v.Close()
		d.log.Info("displayapp: virtual screen", "url", "http://"+v.Addr+"/")
		drv = v.Driver
	} else {
		fb, err := screen.NewFramebufferDriver(screen.FramebufferOpts{Framebuffer: cfg.Screen.Framebuffer})
		if err != nil {
			return fmt.Errorf("displayapp: framebuffer: %w", err)
		}
		defer fb.Close()
		drv = fb
	}
	scale := cfg.Screen.RenderScale
	if scale == 0 && drv.ScreenSize().Height > 900 {
		scale = 1.5
	}
	if scale > 1 {
		drv.SetRenderScale(scale, false)
	}
	var paths []string
	if cfg.Font != "" {
		paths = []string{cfg.Font}
	}
	h := int(drv.ScreenSize().Height)
	th, err := theme.New(&theme.Opts{FontPaths: paths, BaseText: theme.BaseTextFor(h)})
	if err != nil {
		return fmt.Errorf("displayapp: %w", err)
	}
	var once sync.Once
	drv.OnFrame(func() { once.Do(d.FirstFrame) })
	a := screen.NewApp(drv)
	a.Settings().SetTheme(th)
	w := a.NewWindow("hallq display")
	s := display.New(h)
	w.SetContent(s.Content())
	w.SetPadded(false)
	w.SetFullScreen(true)
	s.Show(d.Frame(time.Now()))
	go func() {
		// 250 ms: the blink's 500 ms phases and the clock's seconds are
		// drawn on time; unchanged frames cost the driver nothing.
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				fyne.Do(a.Quit)
				return
			case <-t.C:
			case <-d.Changed():
			}
			f := d.Frame(time.Now())
			fyne.Do(func() { s.Show(f) })
			// fyne's embedded driver paints only after input events, and
			// the hall screen has no input: push a paint after each change.
			drv.Refresh()
		}
	}()
	w.ShowAndRun()
	return ctx.Err()
}
