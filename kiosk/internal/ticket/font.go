package ticket

import (
	"errors"
	"fmt"
	"image"
	"os"
	"sync"

	"hallq/drivers/escpos"
	"hallq/ui/theme"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// DefaultFontPaths are tried by LoadFont when no path is given: the CJK
// fonts of the kiosk image and of Debian development machines.
var DefaultFontPaths = []string{
	"/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
	"/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
	"/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
}

// Font is a parsed TrueType/OpenType font (the first face of a
// collection) with a cache of faces by pixel height. It implements
// escpos.Rasterizer and draws the preview. Safe for concurrent use.
type Font struct {
	path string
	f    *opentype.Font

	mu    sync.Mutex
	faces map[int]font.Face
}

// LoadFont parses the first of paths that exists (DefaultFontPaths when
// none are given). The error wraps ErrNoFont and names every path tried.
func LoadFont(paths ...string) (*Font, error) {
	if len(paths) == 0 {
		paths = DefaultFontPaths
	}
	var errs []error
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		f, err := parseFont(data)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p, err))
			continue
		}
		return &Font{path: p, f: f, faces: map[int]font.Face{}}, nil
	}
	return nil, fmt.Errorf("%w: %w", ErrNoFont, errors.Join(errs...))
}

func parseFont(data []byte) (*opentype.Font, error) {
	// x/image's collection reader rejects wqy-microhei.ttc (its faces
	// share tables at offsets it refuses); the theme's rebuilt first face
	// parses everywhere.
	face, err := theme.FirstFace(data)
	if err != nil {
		return nil, err
	}
	return opentype.Parse(face)
}

// String names the font file.
func (f *Font) String() string { return "font(" + f.path + ")" }

// face returns a face whose glyphs fill about px pixels of height.
func (f *Font) face(px int) (font.Face, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if fc, ok := f.faces[px]; ok {
		return fc, nil
	}
	fc, err := opentype.NewFace(f.f, &opentype.FaceOptions{Size: float64(px) * 0.92, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		return nil, fmt.Errorf("ticket: font face: %w", err)
	}
	f.faces[px] = fc
	return fc, nil
}

// Rasterize implements escpos.Rasterizer: line drawn black on white,
// heightDots tall, as wide as its printer columns (12 dots a column per
// 24 dots of height) so the layout matches printed text.
func (f *Font) Rasterize(line string, heightDots int) (image.Image, error) {
	if heightDots < 8 || heightDots > 24*8 {
		return nil, fmt.Errorf("%w: line height %d", ErrBadTicket, heightDots)
	}
	return f.draw(line, heightDots, false)
}

// draw renders line into a white image of the printer's text metrics.
func (f *Font) draw(line string, h int, bold bool) (*image.Gray, error) {
	fc, err := f.face(h)
	if err != nil {
		return nil, err
	}
	cell := h / 2
	img := image.NewGray(image.Rect(0, 0, max(1, escpos.StringWidth(line)*cell), h))
	for i := range img.Pix {
		img.Pix[i] = 0xFF
	}
	f.mu.Lock() // faces are not safe for concurrent use
	defer f.mu.Unlock()
	m := fc.Metrics()
	base := (h-(m.Ascent+m.Descent).Ceil())/2 + m.Ascent.Ceil()
	x := 0
	for _, r := range line {
		w := escpos.RuneWidth(r) * cell
		if w == 0 {
			continue
		}
		adv, ok := fc.GlyphAdvance(r)
		if ok {
			// Centre each glyph in its printer cell so proportional Latin
			// glyphs keep the fixed column grid of the printer font.
			off := (fixed.I(w) - adv) / 2
			for dx := 0; dx <= boolInt(bold); dx++ {
				d := font.Drawer{Dst: img, Src: image.Black, Face: fc, Dot: fixed.Point26_6{X: fixed.I(x+dx) + off, Y: fixed.I(base)}}
				d.DrawString(string(r))
			}
		}
		x += w
	}
	return img, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
