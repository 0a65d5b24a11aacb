//go:build noos

package windowterm

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"time"

	"fyne.io/fyne/v2"

	"hallq/kiosk/internal/devscreen"
	"hallq/ui/window"
)

// ScreenSupported: this binary has fyne's embedded driver.
const ScreenSupported = true

// runScreen draws the staff touch screen until ctx ends; taps run on a
// goroutine of their own so fyne's loop never waits for the controller.
func runScreen(ctx context.Context, t *Terminal, c ScreenConfig, lg *slog.Logger) error {
	width, height := c.Width, c.Height
	if width == 0 || height == 0 {
		width, height = 800, 480
	}
	first := c.FirstFrame
	if first == "" {
		first = "/run/hallq/first-frame"
	}
	// RenderScale 1: the staff screens are small; native resolution.
	scr, err := devscreen.Open(devscreen.Config{
		Framebuffer: c.Framebuffer, Virtual: c.Virtual, Width: width, Height: height, AllowRemote: c.AllowRemote, RenderScale: 1,
	}, &devscreen.Opts{Font: c.Font, Logger: lg, FirstFrame: func() {
		if err := devscreen.WriteFirstFrame(first); err != nil {
			lg.Warn("first-frame file", "err", err)
		}
	}})
	if err != nil {
		return fmt.Errorf("windowterm: %w", err)
	}
	defer scr.Close()
	drv, a := scr.Driver, scr.App
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
