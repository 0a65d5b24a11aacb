//go:build noos

package kioskapp

import (
	"context"
	"fmt"
	"sync"

	"fyne.io/fyne/v2"

	"hallq/drivers/screen"
	kioskui "hallq/ui/kiosk"
	"hallq/ui/theme"
)

// ScreenSupported: this binary has fyne's embedded driver.
const ScreenSupported = true

// runScreen draws the kiosk on the framebuffer or the browser virtual
// screen until ctx ends.
func runScreen(ctx context.Context, cfg Config, k *Kiosk) error {
	var drv *screen.Driver
	if cfg.Screen.Virtual != "" {
		v, err := screen.NewVirtualDriver(cfg.Screen.Virtual, cfg.Screen.Width, cfg.Screen.Height, cfg.Screen.AllowRemote)
		if err != nil {
			return fmt.Errorf("kioskapp: virtual screen: %w", err)
		}
		defer v.Close()
		k.log.Info("kioskapp: virtual screen", "url", "http://"+v.Addr+"/")
		drv = v.Driver
	} else {
		d, err := screen.NewFramebufferDriver(screen.FramebufferOpts{Framebuffer: cfg.Screen.Framebuffer, Touch: cfg.Screen.Touch})
		if err != nil {
			return fmt.Errorf("kioskapp: framebuffer: %w", err)
		}
		defer d.Close()
		drv = d
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
	th, err := theme.New(&theme.Opts{FontPaths: paths, BaseText: theme.BaseTextFor(int(drv.ScreenSize().Height))})
	if err != nil {
		return fmt.Errorf("kioskapp: %w", err)
	}
	var once sync.Once
	drv.OnFrame(func() { once.Do(k.FirstFrame) })
	a := screen.NewApp(drv)
	a.Settings().SetTheme(th)
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
