package fbdev

import (
	"encoding/binary"
	"fmt"
	"image"
	"image/draw"
)

// Bitfield is one colour channel inside a pixel, as struct fb_bitfield
// describes it: Offset is the bit position of the least significant bit,
// counted from the least significant bit of the little-endian pixel value.
type Bitfield struct {
	Offset uint32
	Length uint32
}

// PixelFormat is a framebuffer pixel layout. Transp is kept for
// completeness; this package writes it fully opaque when present because
// some display controllers blend with it.
type PixelFormat struct {
	BitsPerPixel     int
	Red, Green, Blue Bitfield
	Transp           Bitfield
}

// Common layouts. The names follow DRM fourcc conventions, which name the
// channels from the most significant bit of the little-endian word, so
// XRGB8888 is B, G, R, X in memory: what most PC and ARM framebuffers use.
var (
	RGB565   = PixelFormat{BitsPerPixel: 16, Red: Bitfield{11, 5}, Green: Bitfield{5, 6}, Blue: Bitfield{0, 5}}
	RGB888   = PixelFormat{BitsPerPixel: 24, Red: Bitfield{16, 8}, Green: Bitfield{8, 8}, Blue: Bitfield{0, 8}}
	BGR888   = PixelFormat{BitsPerPixel: 24, Red: Bitfield{0, 8}, Green: Bitfield{8, 8}, Blue: Bitfield{16, 8}}
	XRGB8888 = PixelFormat{BitsPerPixel: 32, Red: Bitfield{16, 8}, Green: Bitfield{8, 8}, Blue: Bitfield{0, 8}}
	XBGR8888 = PixelFormat{BitsPerPixel: 32, Red: Bitfield{0, 8}, Green: Bitfield{8, 8}, Blue: Bitfield{16, 8}}
	ARGB8888 = PixelFormat{BitsPerPixel: 32, Red: Bitfield{16, 8}, Green: Bitfield{8, 8}, Blue: Bitfield{0, 8}, Transp: Bitfield{24, 8}}
)

func (f PixelFormat) String() string {
	return fmt.Sprintf("%dbpp r%d/%d g%d/%d b%d/%d a%d/%d", f.BitsPerPixel,
		f.Red.Offset, f.Red.Length, f.Green.Offset, f.Green.Length,
		f.Blue.Offset, f.Blue.Length, f.Transp.Offset, f.Transp.Length)
}

// BytesPerPixel is BitsPerPixel/8.
func (f PixelFormat) BytesPerPixel() int { return f.BitsPerPixel / 8 }

// Validate reports ErrFormat for layouts Draw cannot produce.
func (f PixelFormat) Validate() error {
	switch f.BitsPerPixel {
	case 16, 24, 32:
	default:
		return fmt.Errorf("%w: %d bits per pixel", ErrFormat, f.BitsPerPixel)
	}
	for _, b := range []Bitfield{f.Red, f.Green, f.Blue, f.Transp} {
		if b.Length > 16 || b.Offset+b.Length > uint32(f.BitsPerPixel) {
			return fmt.Errorf("%w: %v", ErrFormat, f)
		}
	}
	if f.Red.Length == 0 || f.Green.Length == 0 || f.Blue.Length == 0 {
		return fmt.Errorf("%w: %v: missing colour channel", ErrFormat, f)
	}
	return nil
}

// byteAligned reports whether every channel is a whole byte, so a
// conversion can move bytes instead of shifting bits. It returns the byte
// index of each channel and of the transparency byte (-1 when absent).
func (f PixelFormat) byteAligned() (r, g, b, a int, ok bool) {
	idx := func(bf Bitfield) int {
		if bf.Length != 8 || bf.Offset%8 != 0 {
			return -2
		}
		return int(bf.Offset / 8)
	}
	r, g, b = idx(f.Red), idx(f.Green), idx(f.Blue)
	a = -1
	if f.Transp.Length != 0 {
		a = idx(f.Transp)
	}
	return r, g, b, a, r >= 0 && g >= 0 && b >= 0 && a >= -1
}

// converter turns source images into one pixel format. It keeps a scratch
// buffer for image types without a fast path, so Draw does not allocate a
// frame each time.
type converter struct {
	f       PixelFormat
	scratch *image.NRGBA
	lut     *[3][256]uint32 // channel values for rowGeneric, built on first use
}

// convert writes img into dst, a buffer of rows of stride bytes holding
// w x h pixels. The image's top-left pixel lands at dst[0]; pixels outside
// either rectangle are left alone.
func (c *converter) convert(dst []byte, stride, w, h int, img image.Image) {
	b := img.Bounds()
	w = min(w, b.Dx())
	h = min(h, b.Dy())
	if w <= 0 || h <= 0 {
		return
	}
	var pix []byte
	var sstride int
	var premul bool
	switch s := img.(type) {
	case *image.NRGBA:
		pix, sstride = s.Pix[s.PixOffset(b.Min.X, b.Min.Y):], s.Stride
	case *image.RGBA:
		pix, sstride, premul = s.Pix[s.PixOffset(b.Min.X, b.Min.Y):], s.Stride, true
	default:
		if c.scratch == nil || c.scratch.Rect.Dx() < w || c.scratch.Rect.Dy() < h {
			c.scratch = image.NewNRGBA(image.Rect(0, 0, w, h))
		}
		draw.Draw(c.scratch, image.Rect(0, 0, w, h), img, b.Min, draw.Src)
		pix, sstride = c.scratch.Pix, c.scratch.Stride
	}
	for y := 0; y < h; y++ {
		src := pix[y*sstride : y*sstride+4*w]
		row := dst[y*stride : y*stride+w*c.f.BytesPerPixel()]
		c.row(row, src, premul)
	}
}

// row converts one row. The framebuffer has no alpha of its own, so
// translucent source pixels are composited over black: that is what an
// RGBA pixel already is, and an NRGBA pixel is multiplied out first.
func (c *converter) row(dst, src []byte, premul bool) {
	f := c.f
	if f == XRGB8888 || f == ARGB8888 {
		rowXRGB8888(dst, src, premul)
		return
	}
	if f == RGB565 {
		rowRGB565(dst, src, premul)
		return
	}
	if ri, gi, bi, ai, ok := f.byteAligned(); ok {
		bpp := f.BytesPerPixel()
		for i, j := 0, 0; i+3 < len(src) && j+bpp <= len(dst); i, j = i+4, j+bpp {
			r, g, b := src[i], src[i+1], src[i+2]
			if a := src[i+3]; !premul && a != 0xff {
				r, g, b = mul(r, a), mul(g, a), mul(b, a)
			}
			d := dst[j : j+bpp]
			if ai >= 0 {
				d[ai] = 0xff
			}
			d[ri], d[gi], d[bi] = r, g, b
		}
		return
	}
	if c.lut == nil {
		c.lut = new([3][256]uint32)
		for i := range 256 {
			c.lut[0][i] = scale(byte(i), f.Red)
			c.lut[1][i] = scale(byte(i), f.Green)
			c.lut[2][i] = scale(byte(i), f.Blue)
		}
	}
	rowGeneric(dst, src, premul, f, c.lut)
}

// mul scales a colour byte by alpha/255 with rounding.
func mul(c, a byte) byte {
	v := uint32(c)*uint32(a) + 0x80
	return byte((v + v>>8) >> 8)
}

// rowXRGB8888 is the common case: one 32-bit load, a red/blue swap and one
// store per pixel.
func rowXRGB8888(dst, src []byte, premul bool) {
	n := min(len(src), len(dst)) / 4
	src, dst = src[:4*n], dst[:4*n]
	for i := 0; i < len(src); i += 4 {
		v := binary.LittleEndian.Uint32(src[i:])
		if a := byte(v >> 24); a != 0xff && !premul {
			r, g, b := mul(byte(v), a), mul(byte(v>>8), a), mul(byte(v>>16), a)
			v = uint32(r) | uint32(g)<<8 | uint32(b)<<16
		}
		// src is R,G,B,A in memory (A<<24|B<<16|G<<8|R); XRGB is B,G,R,X.
		v = 0xff000000 | (v&0xff)<<16 | v&0xff00 | (v>>16)&0xff
		binary.LittleEndian.PutUint32(dst[i:], v)
	}
}

func rowRGB565(dst, src []byte, premul bool) {
	n := min(len(src)/4, len(dst)/2)
	for i := 0; i < n; i++ {
		s := src[4*i : 4*i+4]
		r, g, b := s[0], s[1], s[2]
		if a := s[3]; a != 0xff && !premul {
			r, g, b = mul(r, a), mul(g, a), mul(b, a)
		}
		v := uint16(r>>3)<<11 | uint16(g>>2)<<5 | uint16(b>>3)
		binary.LittleEndian.PutUint16(dst[2*i:], v)
	}
}

// scale reduces or widens an 8-bit channel to a bitfield's length.
func scale(c byte, bf Bitfield) uint32 {
	if bf.Length <= 8 {
		return uint32(c>>(8-bf.Length)) << bf.Offset
	}
	// Replicate the high bits into the low ones so white stays white.
	v := uint32(c) << (bf.Length - 8)
	v |= uint32(c) >> (16 - bf.Length)
	return v << bf.Offset
}

func rowGeneric(dst, src []byte, premul bool, f PixelFormat, lut *[3][256]uint32) {
	bpp := f.BytesPerPixel()
	var opaque uint32
	if f.Transp.Length > 0 {
		opaque = (1<<f.Transp.Length - 1) << f.Transp.Offset
	}
	for i, j := 0, 0; i+3 < len(src) && j+bpp <= len(dst); i, j = i+4, j+bpp {
		r, g, b := src[i], src[i+1], src[i+2]
		if a := src[i+3]; !premul && a != 0xff {
			r, g, b = mul(r, a), mul(g, a), mul(b, a)
		}
		v := lut[0][r] | lut[1][g] | lut[2][b] | opaque
		switch bpp {
		case 4:
			binary.LittleEndian.PutUint32(dst[j:], v)
		case 2:
			binary.LittleEndian.PutUint16(dst[j:], uint16(v))
		default:
			dst[j], dst[j+1], dst[j+2] = byte(v), byte(v>>8), byte(v>>16)
		}
	}
}
