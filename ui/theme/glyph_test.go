package theme_test

import (
	"image"
	"image/color"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"

	"hallq/ui/theme"
)

// render draws s in black on white at 64 px and returns the image.
func render(t *testing.T, s string, src fyne.Resource) *image.NRGBA {
	t.Helper()
	txt := canvas.NewText(s, color.Black)
	txt.TextSize = 64
	txt.FontSource = src
	w := test.NewWindow(txt)
	defer w.Close()
	w.SetPadded(false)
	w.Resize(fyne.NewSize(160, 90))
	img := w.Canvas().Capture()
	out := image.NewNRGBA(img.Bounds())
	for y := range img.Bounds().Dy() {
		for x := range img.Bounds().Dx() {
			out.Set(x, y, img.At(x, y))
		}
	}
	return out
}

// cells splits the first 128 columns into two 64 px glyph cells and
// returns each cell's ink mask (dark pixels).
func cells(img *image.NRGBA) [2][]bool {
	var c [2][]bool
	for i := range 2 {
		for y := range img.Rect.Dy() {
			for x := i * 64; x < (i+1)*64; x++ {
				p := img.NRGBAAt(x, y)
				c[i] = append(c[i], p.R < 128)
			}
		}
	}
	return c
}

func ink(m []bool) (n int) {
	for _, b := range m {
		if b {
			n++
		}
	}
	return n
}

func diff(a, b []bool) (n int) {
	for i := range a {
		if a[i] != b[i] {
			n++
		}
	}
	return n
}

// TestChineseHasRealGlyphs proves the kiosk's Chinese is drawn with real
// glyphs: "取号" through the theme (as every kiosk screen draws text) puts
// ink in both glyph cells, with two different shapes, exactly as the CJK
// font itself draws it; characters no font has are drawn as
// identical placeholders, which is what a missing font looks like.
func TestChineseHasRealGlyphs(t *testing.T) {
	th, err := theme.New(nil)
	if err != nil {
		t.Skipf("no CJK font (install fonts-wqy-microhei): %v", err)
	}
	test.NewApp().Settings().SetTheme(th)

	viaTheme := render(t, "取号", nil)
	c := cells(viaTheme)
	for i, name := range []string{"取", "号"} {
		if n := ink(c[i]); n < 200 {
			t.Errorf("%s: %d dark pixels in its cell, want a drawn glyph (>= 200)", name, n)
		}
	}
	if d := diff(c[0], c[1]); d < 200 {
		t.Errorf("取 and 号 differ in %d pixels: the same shape twice is a placeholder box", d)
	}

	direct := render(t, "取号", th.FontResource())
	if d := diff(cells(direct)[0], c[0]) + diff(cells(direct)[1], c[1]); d > 0 {
		t.Errorf("theme text differs from the CJK font in %d pixels: the theme did not draw with %s", d, th.FontPath())
	}

	// The check can fail: two code points no font has (fyne falls back to
	// the system's fonts, so only unassigned ones are sure to be missing)
	// come out as the same placeholder twice.
	tofu := [2][]bool{cells(render(t, "\u0378", nil))[0], cells(render(t, "\u0379", nil))[0]}
	if d := diff(tofu[0], tofu[1]); d != 0 {
		t.Errorf("two missing characters drew differently (%d pixels): the test cannot tell glyphs from placeholders", d)
	}
	if d := diff(tofu[0], c[0]); d < 200 {
		t.Errorf("取 differs from the placeholder in only %d pixels", d)
	}
}
