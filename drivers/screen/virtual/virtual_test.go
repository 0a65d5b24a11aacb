package virtual

import (
	"errors"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"hallq/drivers/screen/touch"
)

func newDev(t *testing.T, o *Opts) *Dev {
	t.Helper()
	d, err := New(40, 30, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func do(d *Dev, method, target, body string, hdr map[string]string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	r.RemoteAddr = "127.0.0.1:5555"
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	d.ServeHTTP(w, r)
	return w
}

func TestPage(t *testing.T) {
	d := newDev(t, nil)
	w := do(d, "GET", "/", "", nil)
	if w.Code != 200 || !strings.Contains(w.Body.String(), "/frame.png") || !strings.Contains(w.Body.String(), "X-Hallq-Touch") {
		t.Fatalf("page: %d %.200s", w.Code, w.Body.String())
	}
	if w := do(d, "GET", "/nope", "", nil); w.Code != 404 {
		t.Errorf("unknown path: %d", w.Code)
	}
}

func TestFrames(t *testing.T) {
	d := newDev(t, &Opts{LongPoll: 50 * time.Millisecond})
	// No frame yet: the long poll ends empty.
	if w := do(d, "GET", "/frame.png?after=0", "", nil); w.Code != http.StatusNoContent {
		t.Fatalf("before any frame: %d", w.Code)
	}
	img := image.NewNRGBA(image.Rect(0, 0, 40, 30))
	img.SetNRGBA(3, 4, color.NRGBA{200, 100, 50, 255})
	// A waiting request is answered by the next Draw.
	got := make(chan *httptest.ResponseRecorder)
	d.opts.LongPoll = 5 * time.Second
	go func() { got <- do(d, "GET", "/frame.png?after=0", "", nil) }()
	time.Sleep(20 * time.Millisecond)
	if err := d.Draw(img); err != nil {
		t.Fatal(err)
	}
	w := <-got
	if w.Code != 200 || w.Header().Get("X-Frame") != "1" || w.Header().Get("Content-Type") != "image/png" {
		t.Fatalf("frame: %d %v", w.Code, w.Header())
	}
	dec, err := png.Decode(w.Body)
	if err != nil {
		t.Fatal(err)
	}
	if dec.Bounds() != img.Rect {
		t.Errorf("bounds %v", dec.Bounds())
	}
	if r, g, b, _ := dec.At(3, 4).RGBA(); r>>8 != 200 || g>>8 != 100 || b>>8 != 50 {
		t.Errorf("pixel (%d,%d,%d)", r>>8, g>>8, b>>8)
	}
	// Asking for an older frame answers at once with the current one.
	if w := do(d, "GET", "/frame.png", "", nil); w.Code != 200 || w.Header().Get("X-Frame") != "1" {
		t.Errorf("current frame: %d %v", w.Code, w.Header())
	}
}

func TestTouch(t *testing.T) {
	d := newDev(t, nil)
	hdr := map[string]string{"X-Hallq-Touch": "1"}
	tests := []struct {
		body string
		hdr  map[string]string
		code int
		want string // event read back, "" for none
	}{
		{`{"kind":"down","x":12.5,"y":7,"id":0}`, hdr, 204, "down id=0 (12.5,7.0)"},
		{`{"kind":"move","x":100,"y":-3,"id":2}`, hdr, 204, "move id=2 (39.0,0.0)"}, // clamped
		{`{"kind":"up","x":1,"y":2,"id":0}`, nil, 403, ""},
		{`{"kind":"tap","x":1,"y":2}`, hdr, 400, ""},
		{`{"kind":"up","x":1,"y":2,"id":10}`, hdr, 400, ""},
		{`{"kind":"up","x":1e999,"y":2}`, hdr, 400, ""},
		{`not json`, hdr, 400, ""},
	}
	for _, tt := range tests {
		w := do(d, "POST", "/touch", tt.body, tt.hdr)
		if w.Code != tt.code {
			t.Errorf("%s: %d %s, want %d", tt.body, w.Code, w.Body, tt.code)
			continue
		}
		if tt.want != "" {
			e, err := d.Read()
			if err != nil || e.String() != tt.want {
				t.Errorf("%s: read %v %v, want %s", tt.body, e, err, tt.want)
			}
		}
	}
	if w := do(d, "GET", "/touch", "", hdr); w.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET /touch: %d", w.Code)
	}
	// A full queue is reported, not blocked on.
	for i := 0; i < cap(d.touches); i++ {
		d.Touch(touch.Event{Kind: touch.Move})
	}
	if err := d.Touch(touch.Event{Kind: touch.Move}); !errors.Is(err, ErrBusy) {
		t.Errorf("full queue: %v", err)
	}
}

func TestLoopbackOnly(t *testing.T) {
	d := newDev(t, nil)
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "192.168.1.20:4000"
	w := httptest.NewRecorder()
	d.ServeHTTP(w, r)
	if w.Code != http.StatusForbidden {
		t.Errorf("remote request: %d", w.Code)
	}
	d2 := newDev(t, &Opts{AllowRemote: true})
	w = httptest.NewRecorder()
	d2.ServeHTTP(w, r)
	if w.Code != 200 {
		t.Errorf("remote allowed: %d", w.Code)
	}
}

func TestClose(t *testing.T) {
	d := newDev(t, nil)
	done := make(chan error)
	go func() { _, err := d.Read(); done <- err }()
	d.Close()
	if err := <-done; !errors.Is(err, ErrClosed) {
		t.Errorf("Read: %v", err)
	}
	if err := d.Draw(image.NewNRGBA(image.Rect(0, 0, 1, 1))); !errors.Is(err, ErrClosed) {
		t.Errorf("Draw: %v", err)
	}
	if _, err := New(0, 10, nil); !errors.Is(err, ErrSize) {
		t.Errorf("zero size: %v", err)
	}
}
