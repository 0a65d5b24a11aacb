//go:build noos

package kioskapp

import (
	"context"
	"fmt"

	"fyne.io/fyne/v2"

	"hallq/kiosk/internal/devscreen"
	kioskui "hallq/ui/kiosk"
)

// ScreenSupported: this binary has fyne's embedded driver.
const ScreenSupported = true

// runScreen draws the kiosk on the framebuffer or the browser virtual
// screen until ctx ends.
func runScreen(ctx context.Context, cfg Config, k *Kiosk) error {
	scr, err := devscreen.Open(cfg.Screen, &devscreen.Opts{Font: cfg.Font, FirstFrame: k.FirstFrame, Logger: k.log})
	if err != nil {
		return fmt.Errorf("kioskapp: %w", err)
	}
	defer scr.Close()
	drv, a, th := scr.Driver, scr.App, scr.Theme
	w := a.NewWindow("hallq kiosk")
	w.SetPadded(false)
	u := kioskui.New(th)
	// fyne's embedded driver paints only after input events; views shown
	// from the kiosk's loop (card read, timeouts, print done) need a push.
	u.OnRepaint(drv.Refresh)
	w.SetContent(u.Content())
	w.SetFullScreen(true)
	k.AttachUI(u, nil)
	errc := make(chan error, 1)
	go func() {
		errc <- k.Run(ctx)
		fyne.Do(a.Quit)
	}()
	w.ShowAndRun()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		return <-errc
	}
}
