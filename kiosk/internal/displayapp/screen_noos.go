//go:build noos

package displayapp

import (
	"context"
	"fmt"
	"time"

	"fyne.io/fyne/v2"

	"hallq/kiosk/internal/devscreen"
	"hallq/ui/display"
)

// ScreenSupported: this binary has fyne's embedded driver.
const ScreenSupported = true

// runScreen draws the hall screen on the framebuffer or the browser
// virtual screen until ctx ends.
func runScreen(ctx context.Context, d *Display) error {
	cfg := d.cfg
	scr, err := devscreen.Open(devscreen.Config{
		Virtual: cfg.Screen.Virtual, AllowRemote: cfg.Screen.AllowRemote, Framebuffer: cfg.Screen.Framebuffer,
		Width: cfg.Screen.Width, Height: cfg.Screen.Height, RenderScale: cfg.Screen.RenderScale,
	}, &devscreen.Opts{Font: cfg.Font, FirstFrame: d.FirstFrame, Logger: d.log})
	if err != nil {
		return fmt.Errorf("displayapp: %w", err)
	}
	defer scr.Close()
	drv, a, h := scr.Driver, scr.App, scr.Height
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
