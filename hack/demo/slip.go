package main

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
	"rsc.io/qr"

	"hallq/drivers/escpos"
	"hallq/ui/theme"
)

// The printed ticket as an image: the demo decodes the bytes the emulated
// printer received and draws them as a thermal printer would. (The kiosk's
// own preview lives in kiosk/internal/ticket, which hack/ cannot import;
// drawing from the printer's side also shows exactly what was printed.)

const (
	slipDots   = 576 // 80 mm head at 203 dpi
	slipMargin = 16
	slipPitch  = 30 // default line pitch for the 24-dot font
	slipMaxH   = 8000
)

// fontPaths are tried in order for the slip's CJK text.
var fontPaths = []string{
	"/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
	"/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
	"/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
}

// findFont returns the first CJK font present, or "".
func findFont() string {
	for _, p := range fontPaths {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

func loadFont(path string) (*opentype.Font, error) {
	if path == "" {
		return nil, errors.New("demo: no CJK font (apt-get install fonts-wqy-microhei)")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("demo: font: %w", err)
	}
	// x/image's collection reader rejects wqy-microhei.ttc; the theme
	// rebuilds its first face as a plain font.
	face, err := theme.FirstFace(b)
	if err != nil {
		return nil, fmt.Errorf("demo: font %s: %w", path, err)
	}
	return opentype.Parse(face)
}

type slip struct {
	f     *opentype.Font
	faces map[int]font.Face
	img   *image.Gray
	y     int
	align int
	w, h  int
	line  string
	qrMod int
	qrECC int
	qrDat []byte
}

// renderSlip draws an ESC/POS job. f may be nil: text is then left out and
// only QR codes, rasters and cuts are drawn.
func renderSlip(job []byte, f *opentype.Font) (*image.Gray, error) {
	ops, _, err := escpos.Parse(job, false)
	if err != nil {
		return nil, fmt.Errorf("demo: ticket: %w", err)
	}
	s := &slip{f: f, faces: map[int]font.Face{}, w: 1, h: 1, qrMod: 6, y: slipMargin}
	s.img = image.NewGray(image.Rect(0, 0, slipDots+2*slipMargin, slipMaxH))
	draw.Draw(s.img, s.img.Rect, image.White, image.Point{}, draw.Src)
	for _, op := range ops {
		if s.y > slipMaxH-200 {
			break // a runaway stream: keep what fits
		}
		s.op(op)
	}
	s.flush()
	return s.img.SubImage(image.Rect(0, 0, s.img.Rect.Dx(), min(s.y+slipMargin, slipMaxH))).(*image.Gray), nil
}

func slipPNG(job []byte, f *opentype.Font) ([]byte, error) {
	img, err := renderSlip(job, f)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("demo: ticket png: %w", err)
	}
	return buf.Bytes(), nil
}

func (s *slip) op(op escpos.Op) {
	switch op.Kind {
	case escpos.OpText:
		s.line += op.Text
	case escpos.OpLF:
		if s.line == "" {
			s.y += slipPitch
			return
		}
		s.flush()
	case escpos.OpInit:
		s.align, s.w, s.h = 0, 1, 1
	case escpos.OpAlign:
		s.align = min(op.Arg%48, 2)
	case escpos.OpSize:
		s.w, s.h = op.Arg>>4+1, op.Arg&0x0F+1
	case escpos.OpFeed:
		s.flush()
		s.y += op.Arg * slipPitch
	case escpos.OpQRModule:
		s.qrMod = max(1, min(op.Arg, 16))
	case escpos.OpQRECC:
		s.qrECC = max(0, min(op.Arg, 3))
	case escpos.OpQRStore:
		s.qrDat = op.Data
	case escpos.OpQRPrint:
		s.qr()
	case escpos.OpRaster:
		s.raster(op)
	case escpos.OpCut:
		s.flush()
		s.y += max(op.Arg, 1) * slipPitch / 4
		for x := 0; x < s.img.Rect.Dx(); x += 12 {
			for i := 0; i < 6; i++ {
				s.img.SetGray(x+i, s.y, color.Gray{0x60})
			}
		}
		s.y += slipMargin
	}
}

func (s *slip) face(px int) font.Face {
	if f, ok := s.faces[px]; ok {
		return f
	}
	f, err := opentype.NewFace(s.f, &opentype.FaceOptions{Size: float64(px), DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		return nil
	}
	s.faces[px] = f
	return f
}

// flush draws the pending line at the current size and alignment.
func (s *slip) flush() {
	if s.line == "" {
		return
	}
	text := s.line
	s.line = ""
	px := 24 * s.h
	var fc font.Face
	if s.f != nil {
		fc = s.face(px)
	}
	if fc == nil {
		s.y += slipPitch * s.h
		return
	}
	adv := font.MeasureString(fc, text).Ceil()
	x := slipMargin
	switch s.align {
	case 1:
		x += max(0, (slipDots-adv)/2)
	case 2:
		x += max(0, slipDots-adv)
	}
	d := font.Drawer{Dst: s.img, Src: image.Black, Face: fc,
		Dot: fixed.P(x, s.y+fc.Metrics().Ascent.Ceil())}
	d.DrawString(text)
	s.y += max(slipPitch*s.h, fc.Metrics().Height.Ceil())
}

func (s *slip) place(src *image.Gray) {
	x := slipMargin
	switch s.align {
	case 1:
		x += max(0, (slipDots-src.Rect.Dx())/2)
	case 2:
		x += max(0, slipDots-src.Rect.Dx())
	}
	r := src.Rect.Sub(src.Rect.Min).Add(image.Pt(x, s.y))
	draw.Draw(s.img, r, src, src.Rect.Min, draw.Src)
	s.y += src.Rect.Dy()
}

func (s *slip) qr() {
	if len(s.qrDat) == 0 {
		return
	}
	c, err := qr.Encode(string(s.qrDat), qr.Level(s.qrECC))
	if err != nil {
		return
	}
	m := s.qrMod
	for (c.Size+8)*m > slipDots && m > 1 {
		m--
	}
	side := (c.Size + 8) * m
	img := image.NewGray(image.Rect(0, 0, side, side))
	for y := 0; y < side; y++ {
		for x := 0; x < side; x++ {
			v := uint8(0xFF)
			if c.Black(x/m-4, y/m-4) {
				v = 0
			}
			img.Pix[y*img.Stride+x] = v
		}
	}
	s.place(img)
}

func (s *slip) raster(op escpos.Op) {
	w := op.Width * 8
	if w == 0 || op.Height == 0 || op.Height > 2000 || len(op.Data) < op.Width*op.Height {
		return
	}
	img := image.NewGray(image.Rect(0, 0, min(w, slipDots), op.Height))
	for y := 0; y < op.Height; y++ {
		for x := 0; x < img.Rect.Dx(); x++ {
			v := uint8(0xFF)
			if op.Data[y*op.Width+x/8]&(0x80>>(x%8)) != 0 {
				v = 0
			}
			img.Pix[y*img.Stride+x] = v
		}
	}
	s.place(img)
}
