package display

import (
	"flag"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"

	"hallq/ui/theme"
)

var update = flag.Bool("update", false, "rewrite the golden images under testdata/")

func sample(blink bool) Frame {
	return Frame{HallName: "示范县政务服务中心", Now: time.Date(2026, 11, 21, 9, 31, 5, 0, time.UTC), BlinkOn: blink,
		Calls: []CallRow{{Number: "A023", WindowName: "3号窗口", Service: "社保医保", Highlight: true},
			{Number: "B007", WindowName: "5号窗口", Service: "户籍证件"}, {Number: "E002", WindowName: "8号综合窗口", Service: "不动产登记"}},
		Queues: []QueueRow{{Name: "社保医保", Prefix: "A", Waiting: 12}, {Name: "户籍证件", Prefix: "B", Waiting: 3},
			{Name: "企业开办", Prefix: "C", Waiting: 0}, {Name: "税务办理", Prefix: "D", Waiting: 5}, {Name: "不动产登记", Prefix: "E", Waiting: 1}},
		Notices: []string{"今日不动产登记窗口 12:00-13:00 暂停", "请妥善保管个人证件"}}
}

// render shows f on a 1920x1080 test window with the CJK theme.
func render(t *testing.T, f Frame) (*Screen, image.Image) {
	t.Helper()
	return renderAt(t, f, 1920, 1080)
}

func renderAt(t *testing.T, f Frame, width, height int) (*Screen, image.Image) {
	t.Helper()
	a := test.NewApp()
	t.Cleanup(a.Quit)
	th, err := theme.New(&theme.Opts{BaseText: theme.BaseTextFor(height)})
	if err != nil {
		t.Skipf("no CJK font on this machine (%v); install fonts-wqy-microhei", err)
	}
	a.Settings().SetTheme(th)
	s := New(height)
	w := test.NewWindow(s.Content())
	t.Cleanup(w.Close)
	w.SetPadded(false)
	w.Resize(fyne.NewSize(float32(width), float32(height)))
	s.Show(f)
	return s, w.Canvas().Capture()
}

func isHighlight(c color.Color) bool {
	r, g, b, _ := c.RGBA()
	return r>>8 > 0xb0 && g>>8 < 0x40 && b>>8 < 0x40
}

// highlightPixels counts red pixels in the call list area.
func highlightPixels(img image.Image) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 4 {
		for x := b.Min.X; x < b.Dx()*6/10; x += 4 {
			if isHighlight(img.At(x, y)) {
				n++
			}
		}
	}
	return n
}

func texts(o fyne.CanvasObject, out *[]string) {
	switch v := o.(type) {
	case *canvas.Text:
		if v.Visible() {
			*out = append(*out, v.Text)
		}
	case *fyne.Container:
		if !v.Visible() {
			return
		}
		for _, c := range v.Objects {
			texts(c, out)
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestScreen(t *testing.T) {
	s, on := render(t, sample(true))
	var got []string
	texts(s.Content(), &got)
	for _, want := range []string{"示范县政务服务中心", "A023", "3号窗口", "B007", "8号综合窗口", "A  社保医保", "12 人", "0 人",
		"2026年11月21日 星期六 09:31:05", "今日不动产登记窗口 12:00-13:00 暂停　·　请妥善保管个人证件"} {
		if !contains(got, want) {
			t.Errorf("screen lacks %q; has %q", want, got)
		}
	}
	if contains(got, "请留意叫号") || contains(got, "离线 ") {
		t.Errorf("placeholder or offline shown with calls: %q", got)
	}
	// The fresh call blinks: red in one phase, not in the other.
	lit := highlightPixels(on)
	s.Show(sample(false))
	off := highlightPixels(captureOf(t, s))
	if lit < 500 || off != 0 {
		t.Errorf("highlight pixels: %d in the on phase, %d in the off phase", lit, off)
	}
	golden(t, "screen_1920x1080.png", on)

	// Fewer calls hide rows; none shows the placeholder; offline shows.
	s.Show(Frame{HallName: "x", Now: time.Now(), Offline: true})
	got = got[:0]
	texts(s.Content(), &got)
	if contains(got, "A023") || !contains(got, "请留意叫号") || !contains(got, "离线 ") {
		t.Errorf("empty offline screen shows %q", got)
	}
}

// TestScreen720: the demo's 1280x720 virtual screen scales everything down.
func TestScreen720(t *testing.T) {
	f := sample(true)
	f.Calls = append(f.Calls, CallRow{Number: "C015", WindowName: "5号窗口", Service: "企业开办"},
		CallRow{Number: "D101", WindowName: "6号窗口", Service: "税务办理"}, CallRow{Number: "A020", WindowName: "1号窗口", Service: "社保医保"})
	_, img := renderAt(t, f, 1280, 720)
	if img.Bounds().Dx() != 1280 || img.Bounds().Dy() != 720 {
		t.Fatalf("size %v", img.Bounds())
	}
	golden(t, "screen_1280x720_six_calls.png", img)
}

func captureOf(t *testing.T, s *Screen) image.Image {
	c := fyne.CurrentApp().Driver().CanvasForObject(s.Content())
	if c == nil {
		t.Fatal("screen not on a canvas")
	}
	return c.Capture()
}

// golden compares with testdata/name, allowing 0.5% of pixels to differ
// (anti-aliasing differences between font builds), and keeps the image
// for review; -update rewrites it.
func golden(t *testing.T, name string, img image.Image) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		os.MkdirAll("testdata", 0o755)
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		png.Encode(f, img)
		f.Close()
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	defer f.Close()
	want, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if want.Bounds() != img.Bounds() {
		t.Fatalf("%s: size %v, golden %v", name, img.Bounds(), want.Bounds())
	}
	diff := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r1, g1, b1, _ := img.At(x, y).RGBA()
			r2, g2, b2, _ := want.At(x, y).RGBA()
			if absd(r1, r2) > 0x2000 || absd(g1, g2) > 0x2000 || absd(b1, b2) > 0x2000 {
				diff++
			}
		}
	}
	if frac := float64(diff) / float64(b.Dx()*b.Dy()); frac > 0.005 {
		out := filepath.Join(t.TempDir(), name)
		if f, err := os.Create(out); err == nil {
			png.Encode(f, img)
			f.Close()
		}
		t.Errorf("%s: %.2f%% of pixels differ from the golden (got %s)", name, frac*100, out)
	}
}

func absd(a, b uint32) uint32 {
	if a > b {
		return a - b
	}
	return b - a
}

func TestClockText(t *testing.T) {
	for in, want := range map[time.Time]string{
		time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC): "2026年11月22日 星期日 00:00:00",
		time.Date(2027, 1, 4, 17, 5, 9, 0, time.UTC):  "2027年1月4日 星期一 17:05:09",
	} {
		if got := ClockText(in); got != want {
			t.Errorf("%v: %q, want %q", in, got, want)
		}
	}
}
