//go:build noos

package windowterm

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"time"

	"fyne.io/fyne/v2"

	"hallq/drivers/screen"
	"hallq/ui/theme"
	"hallq/ui/window"
)

// ScreenSupported: this binary has fyne's embedded driver.
const ScreenSupported = true

// runScreen draws the staff touch screen until ctx ends; taps run on a
// goroutine of their own so fyne's loop never waits for the controller.
func runScreen(ctx context.Context, t *Terminal, c ScreenConfig, lg *slog.Logger) error {
	var drv *screen.Driver
	if c.Virtual != "" {
		w, h := c.Width, c.Height
		if w == 0 || h == 0 {
			w, h = 800, 480
		}
		v, err := screen.NewVirtualDriver(c.Virtual, w, h, c.AllowRemote)
		if err != nil {
			return fmt.Errorf("windowterm: virtual screen: %w", err)
		}
		defer v.Close()
		lg.Info("windowterm: virtual screen", "url", "http://"+v.Addr+"/")
		drv = v.Driver
	} else {
		fb, err := screen.NewFramebufferDriver(screen.FramebufferOpts{Framebuffer: c.Framebuffer})
		if err != nil {
			return fmt.Errorf("windowterm: framebuffer: %w", err)
		}
		defer fb.Close()
		drv = fb
	}
	var paths []string
	if c.Font != "" {
		paths = []string{c.Font}
	}
	th, err := theme.New(&theme.Opts{FontPaths: paths, BaseText: theme.BaseTextFor(int(drv.ScreenSize().Height))})
	if err != nil {
		return fmt.Errorf("windowterm: %w", err)
	}
	first := c.FirstFrame
	if first == "" {
		first = "/run/hallq/first-frame"
	}
	var once sync.Once
	drv.OnFrame(func() {
		once.Do(func() {
			if first == "-" {
				return
			}
			os.MkdirAll(filepath.Dir(first), 0o755)
			if f, err := os.Create(first); err == nil {
				f.Close()
			}
		})
	})
	a := screen.NewApp(drv)
	a.Settings().SetTheme(th)
	w := a.NewWindow("hallq window " + t.o.Window)
	u := window.New()
	actions := make(chan [2]string, 8)
	u.OnAction(func(act window.Action, arg string) {
		select {
		case actions <- [2]string{string(act), arg}:
		default: // a tap while the queue is full is chatter
		}
	})
	w.SetContent(u.Content())
	w.SetFullScreen(true)
	u.Show(t.View())
	go func() {
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		lastQueues := time.Time{}
		var last window.View
		for {
			select {
			case <-ctx.Done():
				fyne.Do(a.Quit)
				return
			case act := <-actions:
				if err := t.Do(ctx, window.Action(act[0]), act[1]); err != nil {
					lg.Info("touch", "action", act[0], "err", err)
				}
			case <-tick.C:
			}
			if time.Since(lastQueues) > 5*time.Second {
				lastQueues = time.Now()
				if err := t.RefreshQueues(ctx); err != nil {
					lg.Debug("touch screen: queues", "err", err)
				}
			}
			v := t.View()
			if reflect.DeepEqual(v, last) {
				continue
			}
			last = v
			fyne.Do(func() { u.Show(v) })
			// fyne's embedded driver paints after input events only.
			drv.Refresh()
		}
	}()
	w.ShowAndRun()
	return ctx.Err()
}
