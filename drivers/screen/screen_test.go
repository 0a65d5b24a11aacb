package screen

import (
	"errors"
	"image"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/embedded"

	"hallq/drivers/screen/fbdev"
	"hallq/drivers/screen/touch"
)

// memDisplay records frames.
type memDisplay struct {
	mu     sync.Mutex
	frames []image.Image
	err    error
}

func (m *memDisplay) Size() image.Point { return image.Pt(640, 480) }
func (m *memDisplay) Draw(img image.Image) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return m.err
	}
	m.frames = append(m.frames, img)
	return nil
}

// scripted is an input that returns its events, then fails with err.
type scripted struct {
	events []touch.Event
	err    error
	closed chan struct{}
	once   sync.Once
}

func newScripted(err error, evs ...touch.Event) *scripted {
	return &scripted{events: evs, err: err, closed: make(chan struct{})}
}

func (s *scripted) Read() (touch.Event, error) {
	if len(s.events) > 0 {
		e := s.events[0]
		s.events = s.events[1:]
		return e, nil
	}
	if s.err != nil {
		return touch.Event{}, s.err
	}
	<-s.closed
	return touch.Event{}, touch.ErrClosed
}

func (s *scripted) Close() error { s.once.Do(func() { close(s.closed) }); return nil }

func next(t *testing.T, d *Driver) embedded.Event {
	t.Helper()
	select {
	case e := <-d.Queue():
		return e
	case <-time.After(5 * time.Second):
		t.Fatal("no event in queue")
		return nil
	}
}

func TestDriverEvents(t *testing.T) {
	in := newScripted(nil,
		touch.Event{Kind: touch.Down, ID: 1, X: 10, Y: 20},
		touch.Event{Kind: touch.Move, ID: 1, X: 11, Y: 21},
		touch.Event{Kind: touch.Up, ID: 1, X: 12, Y: 22},
	)
	disp := &memDisplay{}
	d := New(disp, nil, in)
	if got := d.ScreenSize(); got != fyne.NewSize(640, 480) {
		t.Errorf("ScreenSize %v", got)
	}
	d.Start()
	if e, ok := next(t, d).(*embedded.TouchDownEvent); !ok || e.ID != 1 || e.Position != fyne.NewPos(10, 20) {
		t.Errorf("first event %#v", e)
	}
	if e, ok := next(t, d).(*embedded.TouchMoveEvent); !ok || e.Position != fyne.NewPos(11, 21) {
		t.Errorf("second event %#v", e)
	}
	if e, ok := next(t, d).(*embedded.TouchUpEvent); !ok || e.Position != fyne.NewPos(12, 22) {
		t.Errorf("third event %#v", e)
	}
	d.Render(image.NewNRGBA(image.Rect(0, 0, 640, 480)))
	if d.Frames() != 1 || len(disp.frames) != 1 {
		t.Errorf("frames %d, drawn %d", d.Frames(), len(disp.frames))
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if e := next(t, d); e != nil {
		t.Errorf("after Close: %#v, want nil (fyne's quit)", e)
	}
	d.Render(image.NewNRGBA(image.Rect(0, 0, 1, 1)))
	if d.Frames() != 1 {
		t.Error("drew after Close")
	}
}

func TestDriverErrors(t *testing.T) {
	got := make(chan error, 4)
	boom := errors.New("boom")
	disp := &memDisplay{err: boom}
	d := New(disp, &Opts{OnError: func(err error) { got <- err }}, newScripted(boom))
	d.Render(image.NewNRGBA(image.Rect(0, 0, 1, 1)))
	if err := <-got; !errors.Is(d.Err(), boom) || !errors.Is(err, boom) {
		t.Fatalf("draw error: Err()=%v, reported %v", d.Err(), err)
	}
	d.Start()
	select {
	case err := <-got:
		if !errors.Is(err, boom) {
			t.Fatalf("input error: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("input error not reported")
	}
	d.Close()
}

// TestReopen checks that a touch device that fails (unplugged) is opened
// again and its events keep flowing.
func TestReopen(t *testing.T) {
	first := newScripted(errors.New("no such device"), touch.Event{Kind: touch.Down, X: 1})
	opens := 0
	var reported []error
	r := newReopener(first, func() (Input, error) {
		opens++
		if opens < 3 {
			return nil, os.ErrNotExist // still unplugged
		}
		return newScripted(nil, touch.Event{Kind: touch.Up, X: 2}), nil
	}, func(err error) { reported = append(reported, err) })
	e, err := r.Read()
	if err != nil || e.Kind != touch.Down {
		t.Fatalf("first read %v %v", e, err)
	}
	start := time.Now()
	e, err = r.Read()
	if err != nil || e.Kind != touch.Up || opens != 3 || len(reported) != 1 {
		t.Fatalf("after reopen: %v %v, opens %d, reported %v", e, err, opens, reported)
	}
	if el := time.Since(start); el < reopenMin+2*reopenMin {
		t.Errorf("reopened after %v, want backoff of at least %v", el, 3*reopenMin)
	}
	done := make(chan error, 1)
	go func() { _, err := r.Read(); done <- err }()
	time.Sleep(10 * time.Millisecond)
	r.Close()
	select {
	case err := <-done:
		if !errors.Is(err, ErrClosed) && !errors.Is(err, touch.ErrClosed) {
			t.Fatalf("Read after Close: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not end Read")
	}
}

func TestFramebufferDriver(t *testing.T) {
	dir := t.TempDir()
	fb := filepath.Join(dir, "fb0")
	os.WriteFile(fb, nil, 0o600)
	if _, err := NewFramebufferDriver(FramebufferOpts{Framebuffer: fb}); !errors.Is(err, fbdev.ErrNoMode) {
		t.Errorf("no mode: %v", err)
	}
	mode := &fbdev.Mode{Width: 8, Height: 4, Format: fbdev.RGB565}
	if _, err := NewFramebufferDriver(FramebufferOpts{Framebuffer: fb, Mode: mode, Touch: filepath.Join(dir, "event9")}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing touch device: %v", err)
	}
	d, err := NewFramebufferDriver(FramebufferOpts{Framebuffer: fb, Mode: mode})
	if err != nil {
		t.Fatal(err)
	}
	if d.ScreenSize() != fyne.NewSize(8, 4) {
		t.Errorf("size %v", d.ScreenSize())
	}
	img := image.NewNRGBA(image.Rect(0, 0, 8, 4))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	d.Render(img)
	d.Close()
	b, _ := os.ReadFile(fb)
	for i, c := range b {
		if c != 0xff {
			t.Fatalf("byte %d is %#x after a white frame", i, c)
		}
	}
}

// BenchmarkTouchToQueue measures from writing one evdev touch report into
// a pipe to the fyne event appearing in the driver's queue.
func BenchmarkTouchToQueue(b *testing.B) {
	pr, pw, err := os.Pipe()
	if err != nil {
		b.Fatal(err)
	}
	defer pw.Close()
	td, err := touch.NewReader(pr, &touch.Opts{Width: 1920, Height: 1080, Calibration: touch.Calibration{MaxX: 4095, MaxY: 4095}})
	if err != nil {
		b.Fatal(err)
	}
	d := New(&memDisplay{}, nil, pipeInput{td, pr})
	d.Start()
	defer d.Close()
	down := appendAll(
		touch.InputEvent{Type: touch.EvAbs, Code: touch.AbsMTTrackingID, Value: 1},
		touch.InputEvent{Type: touch.EvAbs, Code: touch.AbsMTPositionX, Value: 100},
		touch.InputEvent{Type: touch.EvAbs, Code: touch.AbsMTPositionY, Value: 100},
		touch.InputEvent{Type: touch.EvSyn, Code: touch.SynReport})
	up := appendAll(
		touch.InputEvent{Type: touch.EvAbs, Code: touch.AbsMTTrackingID, Value: -1},
		touch.InputEvent{Type: touch.EvSyn, Code: touch.SynReport})
	var total time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		msg := down
		if i%2 == 1 {
			msg = up
		}
		start := time.Now()
		pw.Write(msg)
		<-d.Queue()
		total += time.Since(start)
	}
	b.ReportMetric(float64(total.Nanoseconds())/1e3/float64(b.N), "µs/touch")
}

func appendAll(evs ...touch.InputEvent) []byte {
	var b []byte
	for _, e := range evs {
		b = touch.AppendEvent(b, e)
	}
	return b
}

type pipeInput struct {
	*touch.Dev
	r io.Closer
}

func (p pipeInput) Close() error { p.r.Close(); return p.Dev.Close() }

func TestVirtualDriver(t *testing.T) {
	if _, err := NewVirtualDriver("0.0.0.0:0", 10, 10, false); !errors.Is(err, ErrOpts) {
		t.Errorf("wildcard address without allowRemote: %v", err)
	}
	if _, err := NewVirtualDriver("nonsense", 10, 10, false); !errors.Is(err, ErrOpts) {
		t.Errorf("bad address: %v", err)
	}
	d, err := NewVirtualDriver("127.0.0.1:0", 64, 48, false)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	d.Start()
	req, _ := http.NewRequest("POST", "http://"+d.Addr+"/touch", strings.NewReader(`{"kind":"down","x":5,"y":6,"id":0}`))
	req.Header.Set("X-Hallq-Touch", "1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("touch: %s", resp.Status)
	}
	if e, ok := next(t, d.Driver).(*embedded.TouchDownEvent); !ok || e.Position != fyne.NewPos(5, 6) {
		t.Fatalf("event %#v", e)
	}
	d.Render(image.NewNRGBA(image.Rect(0, 0, 64, 48)))
	resp, err = http.Get("http://" + d.Addr + "/frame.png?after=0")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := png.Decode(resp.Body); err != nil || resp.Header.Get("X-Frame") != "1" {
		t.Fatalf("frame: %v %v", err, resp.Header)
	}
}
