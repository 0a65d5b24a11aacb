//go:build noos

package touchbench

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"hallq/drivers/screen"
	"hallq/drivers/screen/fbdev"
	"hallq/drivers/screen/touch"
)

// BenchmarkTouchToFrameStock is the starting point the kiosk screens are
// measured against: twelve stock fyne buttons with fyne's default theme
// (rounded corners drawn by a rasteriser) in a grid, painted at the
// display's resolution, as in the first measurement of issue 4. Touch down
// to the first frame drawn.
func BenchmarkTouchToFrameStock(b *testing.B) {
	for _, sz := range [][2]int{{1920, 1080}, {1280, 800}} {
		b.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(b *testing.B) { benchStock(b, sz[0], sz[1]) })
	}
}

func benchStock(b *testing.B, w, h int) {
	fbPath := filepath.Join(b.TempDir(), "fb0")
	os.WriteFile(fbPath, nil, 0o600)
	fb, err := fbdev.New(fbPath, &fbdev.Opts{Mode: &fbdev.Mode{Width: w, Height: h, Format: fbdev.XRGB8888}})
	if err != nil {
		b.Fatal(err)
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		b.Fatal(err)
	}
	defer pw.Close()
	td, err := touch.NewReader(pr, &touch.Opts{Width: w, Height: h, Calibration: touch.Calibration{MaxX: maxRaw, MaxY: maxRaw}})
	if err != nil {
		b.Fatal(err)
	}
	d := screen.New(fb, nil, closer{td, pr})
	var mu sync.Mutex
	var frames []time.Time
	d.OnFrame(func() { mu.Lock(); frames = append(frames, time.Now()); mu.Unlock() })
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(frames) }
	frame := func(n int) (time.Time, bool) {
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Microsecond) {
			mu.Lock()
			if len(frames) >= n {
				t := frames[n-1]
				mu.Unlock()
				return t, true
			}
			mu.Unlock()
		}
		return time.Time{}, false
	}
	// fyne's default theme: rounded buttons, as first measured.
	a := screen.NewApp(d)
	win := a.NewWindow("stock")
	grid := container.NewGridWithColumns(3)
	for i := range 12 {
		grid.Add(widget.NewButton(fmt.Sprintf("Service %d", i+1), func() {}))
	}
	win.SetContent(grid)
	go func() {
		defer d.Close()
		frame(1)
		quiet := func() {
			for n := count(); ; n = count() {
				time.Sleep(30 * time.Millisecond)
				if count() == n {
					return
				}
			}
		}
		quiet()
		var press []time.Duration
		tap := func() bool {
			n := count()
			t0 := time.Now()
			pw.Write(down(1.0/6, 1.0/8))
			f, ok := frame(n + 1)
			if !ok {
				return false
			}
			press = append(press, f.Sub(t0))
			pw.Write(up())
			quiet()
			return true
		}
		tap()
		press = press[:0]
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if !tap() {
				b.Error("no frame after touch")
				return
			}
		}
		b.StopTimer()
		b.ReportMetric(pct(press, 50), "ms-p50/touch-to-frame")
		b.ReportMetric(pct(press, 90), "ms-p90/touch-to-frame")
	}()
	win.ShowAndRun()
}
