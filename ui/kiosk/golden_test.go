package kioskui

import (
	"bytes"
	"flag"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"hallq/ui/theme"
)

var update = flag.Bool("update", false, "rewrite the golden images in testdata")

// goldenSize is a common 10-inch kiosk panel; the screens are laid out
// from the height (theme.BaseTextFor), so other sizes scale alike.
var goldenSize = fyne.NewSize(1024, 600)

// newTestUI makes a UI in a fyne test window, or skips without the font.
func newTestUI(t testing.TB, size fyne.Size) (*UI, fyne.Window) {
	t.Helper()
	app := test.NewApp()
	th, err := theme.New(&theme.Opts{BaseText: theme.BaseTextFor(int(size.Height))})
	if err != nil {
		t.Skipf("no CJK font (install fonts-wqy-microhei): %v", err)
	}
	app.Settings().SetTheme(th)
	u := New(th)
	w := test.NewWindow(u.Content())
	w.SetPadded(false)
	w.Resize(size)
	t.Cleanup(w.Close)
	return u, w
}

// TestGolden renders the key screens, Chinese with English, in normal and
// large text, and compares them with testdata/<name>.png. Run with
// -update after an intended change and look at the images.
func TestGolden(t *testing.T) {
	u, w := newTestUI(t, goldenSize)
	golden := map[string]bool{"attract": true, "identify": true, "menu": true, "channel": true, "confirm": true,
		"done": true, "error": true, "checkin-lapsed": true, "afterhours": true, "capture-review": true, "pin": true,
		"service": true}
	for _, nv := range sampleViews() {
		for _, large := range []bool{false, true} {
			name := nv.name
			if large {
				name += "-large"
			}
			if !golden[nv.name] || large && !map[string]bool{"attract": true, "menu": true, "channel": true, "done": true,
				"confirm": true, "afterhours": true, "pin": true}[nv.name] {
				continue
			}
			t.Run(name, func(t *testing.T) {
				v := nv.v
				v.LargeText = large
				u.Show(v)
				checkGolden(t, name, w.Canvas().Capture())
			})
		}
	}
}

func checkGolden(t *testing.T, name string, img image.Image) {
	t.Helper()
	path := filepath.Join("testdata", name+".png")
	if *update {
		var buf bytes.Buffer
		enc := png.Encoder{CompressionLevel: png.BestCompression}
		if err := enc.Encode(&buf, img); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("%v (run go test ./ui/kiosk -run TestGolden -update)", err)
	}
	defer f.Close()
	want, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if n, total := differing(want, img); n > total/500 {
		failed := filepath.Join("testdata", "failed", name+".png")
		os.MkdirAll(filepath.Dir(failed), 0o755)
		if out, err := os.Create(failed); err == nil {
			png.Encode(out, img)
			out.Close()
		}
		t.Errorf("%s: %d of %d pixels differ; got %s (refresh with -update if intended)", path, n, total, failed)
	}
}

// differing counts pixels that differ clearly (more than 48 of 255 in a
// channel): antialiasing may shift a little between font library
// versions, a changed layout or a missing glyph changes thousands.
func differing(a, b image.Image) (n, total int) {
	ab, bb := a.Bounds(), b.Bounds()
	if ab.Size() != bb.Size() {
		return ab.Dx() * ab.Dy(), ab.Dx() * ab.Dy()
	}
	far := func(x, y uint32) bool { return x>>8 > y>>8+48 || y>>8 > x>>8+48 }
	for y := range ab.Dy() {
		for x := range ab.Dx() {
			r1, g1, b1, _ := a.At(ab.Min.X+x, ab.Min.Y+y).RGBA()
			r2, g2, b2, _ := b.At(bb.Min.X+x, bb.Min.Y+y).RGBA()
			if far(r1, r2) || far(g1, g2) || far(b1, b2) {
				n++
			}
		}
	}
	return n, ab.Dx() * ab.Dy()
}

func TestGoldenDetectsChange(t *testing.T) {
	a := image.NewNRGBA(image.Rect(0, 0, 100, 100))
	b := image.NewNRGBA(image.Rect(0, 0, 100, 100))
	for i := 3; i < len(a.Pix); i += 4 {
		a.Pix[i], b.Pix[i] = 0xff, 0xff
	}
	if n, _ := differing(a, b); n != 0 {
		t.Fatalf("equal images differ in %d pixels", n)
	}
	for i := 0; i < 400; i += 4 {
		b.Pix[i] = 0xff
	}
	if n, total := differing(a, b); n != 100 || n <= total/500 {
		t.Errorf("%d of %d differ, want 100 and over the threshold", n, total)
	}
}
