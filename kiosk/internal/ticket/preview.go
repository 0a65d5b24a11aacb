package ticket

import (
	"bytes"
	"fmt"
	"image"
	"image/png"

	"rsc.io/qr"

	"hallq/drivers/escpos"
)

// Preview geometry: a thermal printer's default line pitch is 30 dots for
// the 24-dot font (1/6 inch at 203 dpi); a margin frames the slip.
const (
	linePitch = 30
	margin    = 16
	// maxPreviewHeight bounds the image a hostile or broken stream can
	// make Preview allocate.
	maxPreviewHeight = 20000
)

// Preview draws what a printer of profile p would print for job, by
// decoding the ESC/POS bytes: text (with f; nil draws boxes), sizes,
// bold, alignment, feeds, QR codes (native or raster) and cuts (a dashed
// line). It is the "printed ticket as an image" of the demo page.
func Preview(job []byte, p escpos.Profile, f *Font) (*image.Gray, error) {
	ops, _, err := escpos.Parse(job, true)
	if err != nil {
		return nil, fmt.Errorf("ticket: preview: %w", err)
	}
	if p.Dots <= 0 || p.Dots > 4096 {
		return nil, fmt.Errorf("%w: preview of %d dots", ErrBadTicket, p.Dots)
	}
	pv := &previewer{p: p, f: f, w: 1, h: 1}
	pv.img = image.NewGray(image.Rect(0, 0, p.Dots+2*margin, 0))
	pv.y = margin
	for _, op := range ops {
		if err := pv.op(op); err != nil {
			return nil, fmt.Errorf("ticket: preview: %w", err)
		}
	}
	pv.flush()
	pv.grow(pv.y + margin)
	return pv.img, nil
}

// PreviewPNG is Preview encoded as PNG.
func PreviewPNG(job []byte, p escpos.Profile, f *Font) ([]byte, error) {
	img, err := Preview(job, p, f)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("ticket: preview png: %w", err)
	}
	return buf.Bytes(), nil
}

type previewer struct {
	p     escpos.Profile
	f     *Font
	img   *image.Gray
	y     int
	align int
	w, h  int
	bold  bool
	text  string
	// qr state
	qrModule int
	qrECC    int
	qrData   []byte
}

func (pv *previewer) grow(h int) error {
	if h > maxPreviewHeight {
		return fmt.Errorf("%w: preview taller than %d dots", ErrBadTicket, maxPreviewHeight)
	}
	if h <= pv.img.Rect.Dy() {
		return nil
	}
	n := image.NewGray(image.Rect(0, 0, pv.img.Rect.Dx(), max(h, pv.img.Rect.Dy()*2)))
	for i := range n.Pix {
		n.Pix[i] = 0xFF
	}
	copy(n.Pix, pv.img.Pix)
	pv.img = n
	return nil
}

// place copies src onto the slip at the current line with the current
// alignment, and moves down by its height (at least advance).
func (pv *previewer) place(src *image.Gray, advance int) error {
	if err := pv.grow(pv.y + max(src.Rect.Dy(), advance) + margin); err != nil {
		return err
	}
	x := 0
	switch pv.align {
	case 1:
		x = (pv.p.Dots - src.Rect.Dx()) / 2
	case 2:
		x = pv.p.Dots - src.Rect.Dx()
	}
	x = max(0, x) + margin
	for yy := 0; yy < src.Rect.Dy(); yy++ {
		for xx := 0; xx < src.Rect.Dx() && x+xx < pv.img.Rect.Dx(); xx++ {
			if src.Pix[yy*src.Stride+xx] < 0x80 {
				pv.img.Pix[(pv.y+yy)*pv.img.Stride+x+xx] = 0
			}
		}
	}
	pv.y += max(src.Rect.Dy(), advance)
	return nil
}

func (pv *previewer) flush() error {
	if pv.text == "" {
		return nil
	}
	line := pv.text
	pv.text = ""
	var img *image.Gray
	var err error
	switch {
	case pv.f != nil && pv.w == pv.h:
		// Drawn at full size the big number stays smooth, as the
		// printer's own scaled font does not, but reads the same.
		img, err = pv.f.draw(line, 24*pv.h, pv.bold)
		if err == nil {
			return pv.place(scale(img, 1, 1), linePitch*pv.h)
		}
	case pv.f != nil:
		img, err = pv.f.draw(line, 24, pv.bold)
	default:
		var bi image.Image
		bi, err = escpos.BoxRasterizer{}.Rasterize(line, 24)
		if err == nil {
			img = toGray(bi)
		}
	}
	if err != nil {
		return err
	}
	img = scale(img, pv.w, pv.h)
	return pv.place(img, linePitch*pv.h)
}

func (pv *previewer) op(op escpos.Op) error {
	switch op.Kind {
	case escpos.OpText:
		pv.text += op.Text
	case escpos.OpLF:
		if pv.text == "" {
			return pv.feed(1)
		}
		return pv.flush()
	case escpos.OpInit:
		pv.align, pv.w, pv.h, pv.bold = 0, 1, 1, false
	case escpos.OpAlign:
		pv.align = min(op.Arg%48, 2)
	case escpos.OpBold:
		pv.bold = op.Arg&1 == 1
	case escpos.OpSize:
		pv.w, pv.h = op.Arg>>4+1, op.Arg&0x0F+1
	case escpos.OpFeed:
		if err := pv.flush(); err != nil {
			return err
		}
		return pv.feed(op.Arg)
	case escpos.OpQRModule:
		pv.qrModule = op.Arg
	case escpos.OpQRECC:
		pv.qrECC = op.Arg
	case escpos.OpQRStore:
		pv.qrData = op.Data
	case escpos.OpQRPrint:
		return pv.qr()
	case escpos.OpRaster:
		return pv.raster(op)
	case escpos.OpCut:
		if err := pv.flush(); err != nil {
			return err
		}
		if err := pv.feed(max(op.Arg, 1)); err != nil {
			return err
		}
		return pv.cut()
	}
	return nil
}

func (pv *previewer) feed(n int) error {
	if err := pv.grow(pv.y + n*linePitch + margin); err != nil {
		return err
	}
	pv.y += n * linePitch
	return nil
}

func (pv *previewer) cut() error {
	if err := pv.grow(pv.y + 4 + margin); err != nil {
		return err
	}
	row := (pv.y + 2) * pv.img.Stride
	for x := 0; x < pv.img.Rect.Dx(); x++ {
		if x/6%2 == 0 {
			pv.img.Pix[row+x] = 0x60
		}
	}
	pv.y += 4 + margin
	return nil
}

func (pv *previewer) qr() error {
	if len(pv.qrData) == 0 {
		return nil
	}
	c, err := qr.Encode(string(pv.qrData), qr.Level(max(0, min(pv.qrECC, 3))))
	if err != nil {
		return fmt.Errorf("qr: %w", err)
	}
	// Printers draw the quiet zone of four modules themselves.
	const quiet = 4
	m := max(1, min(pv.qrModule, 16))
	side := (c.Size + 2*quiet) * m
	for side > pv.p.Dots && m > 1 {
		m--
		side = (c.Size + 2*quiet) * m
	}
	img := image.NewGray(image.Rect(0, 0, side, side))
	for i := range img.Pix {
		img.Pix[i] = 0xFF
	}
	for y := 0; y < side; y++ {
		for x := 0; x < side; x++ {
			if c.Black(x/m-quiet, y/m-quiet) {
				img.Pix[y*img.Stride+x] = 0
			}
		}
	}
	return pv.place(img, side)
}

func (pv *previewer) raster(op escpos.Op) error {
	w := op.Width * 8
	if w == 0 || op.Height == 0 || len(op.Data) < op.Width*op.Height {
		return nil
	}
	img := image.NewGray(image.Rect(0, 0, min(w, pv.p.Dots), op.Height))
	for y := 0; y < op.Height; y++ {
		for x := 0; x < img.Rect.Dx(); x++ {
			v := byte(0xFF)
			if op.Data[y*op.Width+x/8]&(0x80>>(x%8)) != 0 {
				v = 0
			}
			img.Pix[y*img.Stride+x] = v
		}
	}
	return pv.place(img, op.Height)
}

func toGray(src image.Image) *image.Gray {
	if g, ok := src.(*image.Gray); ok {
		return g
	}
	r := src.Bounds()
	g := image.NewGray(image.Rect(0, 0, r.Dx(), r.Dy()))
	for y := 0; y < r.Dy(); y++ {
		for x := 0; x < r.Dx(); x++ {
			g.Set(x, y, src.At(r.Min.X+x, r.Min.Y+y))
		}
	}
	return g
}

// scale enlarges src by whole factors, nearest neighbour, as the printer
// does for GS ! sizes.
func scale(src *image.Gray, sw, sh int) *image.Gray {
	if sw == 1 && sh == 1 {
		return src
	}
	dst := image.NewGray(image.Rect(0, 0, src.Rect.Dx()*sw, src.Rect.Dy()*sh))
	for y := 0; y < dst.Rect.Dy(); y++ {
		for x := 0; x < dst.Rect.Dx(); x++ {
			dst.Pix[y*dst.Stride+x] = src.Pix[(y/sh)*src.Stride+x/sw]
		}
	}
	return dst
}
