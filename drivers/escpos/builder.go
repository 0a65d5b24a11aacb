package escpos

import (
	"fmt"
	"image"
	"image/color"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/width"
	"rsc.io/qr"
)

// Alignment for Builder.Align.
type Alignment byte

const (
	Left   Alignment = 0
	Center Alignment = 1
	Right  Alignment = 2
)

// ECC is the QR error correction level.
type ECC byte

const (
	ECCL ECC = 0
	ECCM ECC = 1
	ECCQ ECC = 2
	ECCH ECC = 3
)

// Rasterizer draws a line of text as a bitmap, for lines holding runes the
// printer's font cannot draw (outside the 2-byte GB18030 area, such as
// rare characters in names). Implementations hold a real font; the kiosk
// supplies one from its UI theme. heightDots is 24 per size step.
type Rasterizer interface {
	Rasterize(line string, heightDots int) (image.Image, error)
}

// Builder assembles an ESC/POS byte stream for one profile. It is a pure
// byte builder: nothing is written anywhere until the caller sends
// Bytes(). The first error sticks and is returned by Bytes, so calls can
// be chained without checks.
type Builder struct {
	prof   Profile
	buf    []byte
	err    error
	w, h   int // character size multipliers 1..8
	raster Rasterizer
}

// NewBuilder starts a stream with ESC @ (and FS & on Chinese printers).
// A nil r renders undrawable lines with BoxRasterizer.
func NewBuilder(p Profile, r Rasterizer) *Builder {
	if r == nil {
		r = BoxRasterizer{}
	}
	b := &Builder{prof: p, w: 1, h: 1, raster: r}
	b.buf = append(b.buf, 0x1B, 0x40)
	if p.Chinese {
		b.buf = append(b.buf, 0x1C, 0x26)
	}
	return b
}

// Profile returns the builder's profile.
func (b *Builder) Profile() Profile { return b.prof }

// Bytes returns the stream, or the first error.
func (b *Builder) Bytes() ([]byte, error) {
	if b.err != nil {
		return nil, b.err
	}
	return b.buf, nil
}

func (b *Builder) fail(err error) *Builder {
	if b.err == nil {
		b.err = err
	}
	return b
}

// Raw appends bytes as they are.
func (b *Builder) Raw(p ...byte) *Builder { b.buf = append(b.buf, p...); return b }

// Align sets the alignment of the following lines (ESC a n).
func (b *Builder) Align(a Alignment) *Builder {
	if a > Right {
		return b.fail(fmt.Errorf("%w: alignment %d", ErrBadCommand, a))
	}
	return b.Raw(0x1B, 0x61, byte(a))
}

// Bold switches emphasis (ESC E n).
func (b *Builder) Bold(on bool) *Builder {
	return b.Raw(0x1B, 0x45, boolByte(on))
}

func boolByte(v bool) byte {
	if v {
		return 1
	}
	return 0
}

// Size sets the character width and height multipliers 1..8 (GS ! n).
func (b *Builder) Size(w, h int) *Builder {
	if w < 1 || w > 8 || h < 1 || h > 8 {
		return b.fail(fmt.Errorf("%w: size %dx%d", ErrBadCommand, w, h))
	}
	b.w, b.h = w, h
	return b.Raw(0x1D, 0x21, byte((w-1)<<4|(h-1)))
}

// ChineseMode switches the printer's Chinese character mode (FS & / FS .).
// NewBuilder already turns it on for Chinese profiles.
func (b *Builder) ChineseMode(on bool) *Builder {
	if on {
		return b.Raw(0x1C, 0x26)
	}
	return b.Raw(0x1C, 0x2E)
}

// LF ends the current line (0A).
func (b *Builder) LF() *Builder { return b.Raw(0x0A) }

// Feed advances n lines (ESC d n).
func (b *Builder) Feed(n int) *Builder {
	if n < 0 || n > 255 {
		return b.fail(fmt.Errorf("%w: feed %d", ErrBadCommand, n))
	}
	return b.Raw(0x1B, 0x64, byte(n))
}

// RuneWidth is the number of columns a rune takes in the printer font: 0
// for controls, 1 for ASCII, 2 for anything in the GB18030 two-byte area
// (Chinese printers draw every two-byte character full width, so even
// "×" and "°" take two columns), and the East Asian width otherwise.
func RuneWidth(r rune) int {
	if r < 0x20 || r == 0x7F {
		return 0
	}
	if r < 0x80 {
		return 1
	}
	if printableRune(r) {
		return 2
	}
	switch width.LookupRune(r).Kind() {
	case width.EastAsianWide, width.EastAsianFullwidth:
		return 2
	}
	return 1
}

// StringWidth sums RuneWidth.
func StringWidth(s string) int {
	n := 0
	for _, r := range s {
		n += RuneWidth(r)
	}
	return n
}

// Wrap breaks s into lines of at most cols columns. Latin words are kept
// whole where they fit; CJK may break between any two characters.
func Wrap(s string, cols int) []string {
	if cols < 2 {
		cols = 2
	}
	var out []string
	for _, para := range strings.Split(s, "\n") {
		var line []rune
		w := 0
		lastSpace := -1
		for _, r := range para {
			rw := RuneWidth(r)
			if rw == 0 {
				continue
			}
			if w+rw > cols {
				if lastSpace > 0 && r != ' ' {
					out = append(out, strings.TrimRight(string(line[:lastSpace]), " "))
					line = append([]rune(nil), line[lastSpace+1:]...)
				} else {
					out = append(out, strings.TrimRight(string(line), " "))
					line = line[:0]
				}
				w = StringWidth(string(line))
				lastSpace = -1
				if r == ' ' && len(line) == 0 {
					continue
				}
			}
			if r == ' ' {
				lastSpace = len(line)
			} else if rw == 2 {
				lastSpace = -1 // break anywhere after CJK
			}
			line = append(line, r)
			w += rw
		}
		out = append(out, string(line))
	}
	return out
}

// Printable reports whether the printer font can draw every rune of s:
// GB18030 one- and two-byte characters only.
func Printable(s string) bool {
	for _, r := range s {
		if !printableRune(r) {
			return false
		}
	}
	return true
}

func printableRune(r rune) bool {
	if r < 0x80 {
		return r >= 0x20 && r != 0x7F
	}
	if r >= 0x4E00 && r <= 0x9FA5 {
		return true // CJK Unified Ideographs: all in GBK
	}
	var buf [8]byte
	enc := simplifiedchinese.GB18030.NewEncoder()
	n := utf8.EncodeRune(buf[:4], r)
	out, err := enc.Bytes(buf[:n])
	return err == nil && len(out) == 2
}

// Line prints one line of text followed by LF, wrapped to the columns
// left at the current size. Lines the font cannot draw become rasters.
func (b *Builder) Line(s string) *Builder {
	cols := b.prof.Columns / b.w
	for _, l := range Wrap(s, cols) {
		b.line(l)
	}
	return b
}

func (b *Builder) line(l string) {
	if Printable(l) {
		enc, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(l))
		if err != nil {
			b.fail(fmt.Errorf("escpos: encode line: %w", err))
			return
		}
		b.buf = append(b.buf, enc...)
		b.buf = append(b.buf, 0x0A)
		return
	}
	img, err := b.raster.Rasterize(l, 24*b.h)
	if err != nil {
		b.fail(fmt.Errorf("escpos: rasterize line: %w", err))
		return
	}
	if w := img.Bounds().Dx(); w > b.prof.Dots {
		b.fail(fmt.Errorf("%w: line bitmap %d dots on %d-dot paper", ErrTooLarge, w, b.prof.Dots))
		return
	}
	b.Image(img)
}

// Image prints img as a raster (GS v 0), black where luminance < 50%, in
// bands of at most 256 rows so that no printer buffer overflows.
func (b *Builder) Image(img image.Image) *Builder {
	r := img.Bounds()
	if r.Dx() > b.prof.Dots || r.Dx() == 0 || r.Dy() == 0 {
		return b.fail(fmt.Errorf("%w: image %dx%d on %d-dot paper", ErrTooLarge, r.Dx(), r.Dy(), b.prof.Dots))
	}
	xb := (r.Dx() + 7) / 8
	for y0 := r.Min.Y; y0 < r.Max.Y; y0 += 256 {
		rows := min(256, r.Max.Y-y0)
		b.buf = append(b.buf, 0x1D, 0x76, 0x30, 0x00, byte(xb), byte(xb>>8), byte(rows), byte(rows>>8))
		for y := y0; y < y0+rows; y++ {
			for x0 := 0; x0 < xb; x0++ {
				var v byte
				for bit := 0; bit < 8; bit++ {
					x := r.Min.X + x0*8 + bit
					if x < r.Max.X && dark(img.At(x, y)) {
						v |= 0x80 >> bit
					}
				}
				b.buf = append(b.buf, v)
			}
		}
	}
	return b
}

func dark(c color.Color) bool {
	g := color.GrayModel.Convert(c).(color.Gray)
	_, _, _, a := c.RGBA()
	return a > 0x8000 && g.Y < 128
}

// QR prints data as a QR code, model 2, with module size 1..16 dots. On
// profiles without native QR it is drawn with rsc.io/qr and sent as a
// raster.
func (b *Builder) QR(data string, module int, ecc ECC) *Builder {
	if module < 1 || module > 16 || ecc > ECCH {
		return b.fail(fmt.Errorf("%w: qr module %d ecc %d", ErrBadCommand, module, ecc))
	}
	if len(data) == 0 || len(data) > 7089 {
		return b.fail(fmt.Errorf("%w: qr payload of %d bytes", ErrTooLarge, len(data)))
	}
	if !b.prof.NativeQR {
		return b.rasterQR(data, module, ecc)
	}
	k := len(data) + 3
	b.Raw(0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00)
	b.Raw(0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x43, byte(module))
	b.Raw(0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x45, 0x30+byte(ecc))
	b.Raw(0x1D, 0x28, 0x6B, byte(k), byte(k>>8), 0x31, 0x50, 0x30)
	b.buf = append(b.buf, data...)
	return b.Raw(0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30)
}

func (b *Builder) rasterQR(data string, module int, ecc ECC) *Builder {
	c, err := qr.Encode(data, qr.Level(ecc))
	if err != nil {
		return b.fail(fmt.Errorf("escpos: qr: %w", err))
	}
	const quiet = 4
	side := (c.Size + 2*quiet) * module
	for side > b.prof.Dots && module > 1 {
		module--
		side = (c.Size + 2*quiet) * module
	}
	if side > b.prof.Dots {
		return b.fail(fmt.Errorf("%w: qr of %d modules", ErrTooLarge, c.Size))
	}
	img := image.NewGray(image.Rect(0, 0, side, side))
	for i := range img.Pix {
		img.Pix[i] = 0xFF
	}
	for y := 0; y < c.Size; y++ {
		for x := 0; x < c.Size; x++ {
			if !c.Black(x, y) {
				continue
			}
			for dy := 0; dy < module; dy++ {
				row := ((quiet+y)*module + dy) * img.Stride
				for dx := 0; dx < module; dx++ {
					img.Pix[row+(quiet+x)*module+dx] = 0
				}
			}
		}
	}
	return b.Image(img)
}

// Cut feeds n lines and cuts: partial if the profile can, else full, else
// only feeds (58 mm printers without a cutter).
func (b *Builder) Cut(n int) *Builder {
	if n < 0 || n > 255 {
		return b.fail(fmt.Errorf("%w: cut feed %d", ErrBadCommand, n))
	}
	switch {
	case b.prof.PartialCut:
		return b.Raw(0x1D, 0x56, 0x42, byte(n))
	case b.prof.FullCut:
		return b.Raw(0x1D, 0x56, 0x41, byte(n))
	}
	return b.Feed(max(n, 4))
}

// BoxRasterizer is the fallback Rasterizer: it draws every character as an
// outlined box of its width, so a line that needs a real font is at least
// laid out and visibly marked. Production code should pass a font-backed
// Rasterizer.
type BoxRasterizer struct{}

// Rasterize implements Rasterizer.
func (BoxRasterizer) Rasterize(line string, h int) (image.Image, error) {
	cell := h / 2
	img := image.NewGray(image.Rect(0, 0, max(8, StringWidth(line)*cell), h))
	for i := range img.Pix {
		img.Pix[i] = 0xFF
	}
	x := 0
	for _, r := range line {
		w := RuneWidth(r) * cell
		if r != ' ' && w > 0 {
			for yy := 2; yy < h-2; yy++ {
				for xx := x + 1; xx < x+w-1; xx++ {
					if yy == 2 || yy == h-3 || xx == x+1 || xx == x+w-2 {
						img.Pix[yy*img.Stride+xx] = 0
					}
				}
			}
		}
		x += w
	}
	return img, nil
}
