//go:build noos

package screen

import (
	"bytes"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"hallq/drivers/screen/fbdev"
	"hallq/drivers/screen/touch"
)

func touchBytes(events ...touch.InputEvent) []byte {
	var b []byte
	for _, e := range events {
		b = touch.AppendEvent(b, e)
	}
	return b
}

func tapAt(x, y int32) []byte {
	return touchBytes(
		touch.InputEvent{Type: touch.EvAbs, Code: touch.AbsMTTrackingID, Value: 7},
		touch.InputEvent{Type: touch.EvAbs, Code: touch.AbsMTPositionX, Value: x},
		touch.InputEvent{Type: touch.EvAbs, Code: touch.AbsMTPositionY, Value: y},
		touch.InputEvent{Type: touch.EvSyn, Code: touch.SynReport},
		touch.InputEvent{Type: touch.EvAbs, Code: touch.AbsMTTrackingID, Value: -1},
		touch.InputEvent{Type: touch.EvSyn, Code: touch.SynReport},
	)
}

// TestFyneAppOnFramebuffer runs a fyne window through the driver: the
// first frame must reach the framebuffer file with the button drawn, and
// a tap written as evdev bytes must reach the button's handler.
func TestFyneAppOnFramebuffer(t *testing.T) {
	dir := t.TempDir()
	fbPath := filepath.Join(dir, "fb0")
	os.WriteFile(fbPath, nil, 0o600)
	const w, h = 320, 240
	fb, err := fbdev.New(fbPath, &fbdev.Opts{Mode: &fbdev.Mode{Width: w, Height: h, Format: fbdev.XRGB8888}})
	if err != nil {
		t.Fatal(err)
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pw.Close()
	// Raw panel range 0..4095 on both axes, so the test also covers scaling.
	td, err := touch.NewReader(pr, &touch.Opts{Width: w, Height: h, Calibration: touch.Calibration{MaxX: 4095, MaxY: 4095}})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var errs []error
	d := New(fb, &Opts{OnError: func(err error) { mu.Lock(); errs = append(errs, err); mu.Unlock() }}, closer{td, pr})
	firstFrame := make(chan struct{})
	var once sync.Once
	d.OnFrame(func() { once.Do(func() { close(firstFrame) }) })

	a := NewApp(d)
	win := a.NewWindow("test")
	tapped := make(chan struct{}, 1)
	win.SetContent(widget.NewButton("办理业务", func() { tapped <- struct{}{} }))

	failed := make(chan string, 1)
	go func() {
		defer d.Close()
		select {
		case <-firstFrame:
		case <-time.After(10 * time.Second):
			failed <- "no frame drawn within 10 s"
			return
		}
		if _, err := pw.Write(tapAt(2048, 2048)); err != nil {
			failed <- err.Error()
			return
		}
		select {
		case <-tapped:
		case <-time.After(10 * time.Second):
			failed <- "tap did not reach the button within 10 s"
		}
	}()
	win.ShowAndRun()
	select {
	case msg := <-failed:
		t.Fatal(msg)
	default:
	}
	if d.Frames() < 2 {
		t.Errorf("%d frames drawn, want the first and one after the touch", d.Frames())
	}
	mu.Lock()
	for _, err := range errs {
		t.Errorf("driver error: %v", err)
	}
	mu.Unlock()

	// The framebuffer file holds the last frame: a themed background with
	// a differently coloured button in the middle.
	b, err := os.ReadFile(fbPath)
	if err != nil {
		t.Fatal(err)
	}
	px := func(x, y int) []byte { o := (y*w + x) * 4; return b[o : o+4] }
	if bytes.Equal(b, make([]byte, len(b))) {
		t.Fatal("framebuffer file is still empty")
	}
	if bytes.Equal(px(1, 1), px(w/2, h/2)) {
		t.Errorf("corner %x and centre %x have the same colour: no button drawn", px(1, 1), px(w/2, h/2))
	}
	if px(1, 1)[3] != 0xff {
		t.Errorf("X byte %x, want ff", px(1, 1)[3])
	}
}

// closer closes the pipe with the touch device so a blocked Read ends.
type closer struct {
	*touch.Dev
	r *os.File
}

func (c closer) Close() error { c.r.Close(); return c.Dev.Close() }

// BenchmarkTouchToTap measures, on a kiosk-sized screen, the time from
// the evdev bytes of a touch down to the repainted frame in the
// framebuffer (what the citizen sees), and from the bytes of the lift to
// the button's handler running. fyne repaints the whole window in
// software after every touch event, so the frame figure is dominated by
// fyne's painter, not by this package.
func BenchmarkTouchToTap(b *testing.B) {
	for _, sz := range []image.Point{{800, 480}, {1280, 800}, {1920, 1080}} {
		b.Run(fmt.Sprintf("%dx%d", sz.X, sz.Y), func(b *testing.B) { benchTap(b, sz.X, sz.Y) })
	}
}

func benchTap(b *testing.B, w, h int) {
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
	td, err := touch.NewReader(pr, &touch.Opts{Width: w, Height: h, Calibration: touch.Calibration{MaxX: 4095, MaxY: 4095}})
	if err != nil {
		b.Fatal(err)
	}
	d := New(fb, nil, closer{td, pr})
	var mu sync.Mutex
	var frameTimes []time.Time
	d.OnFrame(func() {
		mu.Lock()
		frameTimes = append(frameTimes, time.Now())
		mu.Unlock()
	})
	// frameAfter waits for frame number n (1-based) and returns when it
	// was drawn.
	frameAfter := func(n int) (time.Time, bool) {
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Microsecond) {
			mu.Lock()
			if len(frameTimes) >= n {
				t := frameTimes[n-1]
				mu.Unlock()
				return t, true
			}
			mu.Unlock()
		}
		return time.Time{}, false
	}
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(frameTimes) }
	a := NewApp(d)
	win := a.NewWindow("bench")
	tapped := make(chan time.Time, 4)
	win.SetContent(widget.NewButton("取号", func() { tapped <- time.Now() }))
	down, up := tapAt(2048, 2048)[:4*24], tapAt(2048, 2048)[4*24:]
	var toFrame, toTap time.Duration
	var long int
	go func() {
		defer d.Close()
		// Show and Run each draw once; wait until the screen is quiet.
		frameAfter(1)
		for n := count(); ; n = count() {
			time.Sleep(100 * time.Millisecond)
			if count() == n {
				break
			}
		}
		tap := func() (frame, tapDur time.Duration, ok bool) {
			n := count()
			start := time.Now()
			pw.Write(down)
			f, _ := frameAfter(n + 1)
			upAt := time.Now()
			pw.Write(up)
			frameAfter(n + 2) // repaint after the lift: the tap, if any, came first
			select {
			case at := <-tapped:
				return f.Sub(start), at.Sub(upAt), true
			default:
				// No tap: fyne took the press for a long press (over
				// 300 ms between handling down and up).
				return f.Sub(start), 0, false
			}
		}
		tap() // warm fyne's font and glyph caches
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			f, t, ok := tap()
			toFrame += f
			toTap += t
			if !ok {
				long++
			}
		}
		b.StopTimer()
		b.ReportMetric(float64(toFrame.Microseconds())/1e3/float64(b.N), "ms/down-to-frame")
		if n := b.N - long; n > 0 {
			b.ReportMetric(float64(toTap.Microseconds())/1e3/float64(n), "ms/up-to-tap")
		}
		b.ReportMetric(float64(long)/float64(b.N), "long-press/op")
	}()
	win.ShowAndRun()
}

// TestRefreshAfterDo: fyne's embedded driver paints only after input
// events, so a change made through fyne.Do reaches the screen when the
// program calls Refresh.
func TestRefreshAfterDo(t *testing.T) {
	dir := t.TempDir()
	fbPath := filepath.Join(dir, "fb0")
	os.WriteFile(fbPath, nil, 0o600)
	fb, err := fbdev.New(fbPath, &fbdev.Opts{Mode: &fbdev.Mode{Width: 320, Height: 240, Format: fbdev.XRGB8888}})
	if err != nil {
		t.Fatal(err)
	}
	d := New(fb, &Opts{RenderScale: 2})
	frames := make(chan struct{}, 16)
	d.OnFrame(func() { frames <- struct{}{} })
	a := NewApp(d)
	win := a.NewWindow("test")
	label := widget.NewLabel("等候")
	win.SetContent(label)
	failed := make(chan string, 1)
	go func() {
		defer d.Close()
		wait := func(within time.Duration) bool {
			select {
			case <-frames:
				return true
			case <-time.After(within):
				return false
			}
		}
		if !wait(10 * time.Second) {
			failed <- "no first frame"
			return
		}
		for wait(200 * time.Millisecond) { // Show and Run both paint
		}
		skipped := d.Skipped()
		fyne.DoAndWait(func() { label.SetText("请到 3 号窗口") })
		if wait(300 * time.Millisecond) {
			t.Log("fyne painted after fyne.Do by itself; Refresh is now only a safety net")
		}
		d.Refresh()
		if !wait(10 * time.Second) {
			failed <- "no frame after Refresh"
		} else if d.Skipped() != skipped {
			failed <- "the changed frame was skipped"
		}
	}()
	win.ShowAndRun()
	select {
	case msg := <-failed:
		t.Fatal(msg)
	default:
	}
}
