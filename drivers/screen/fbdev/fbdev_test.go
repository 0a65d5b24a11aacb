package fbdev

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"testing"
	"unsafe"
)

func TestKernelStructSizes(t *testing.T) {
	if unsafe.Sizeof(uintptr(0)) != 8 {
		t.Skip("sizes below are for 64-bit targets")
	}
	// linux/fb.h on LP64: 160 and 80 bytes; a mismatch would make the
	// ioctls scribble over memory.
	if got := unsafe.Sizeof(fbVarScreeninfo{}); got != 160 {
		t.Errorf("fb_var_screeninfo is %d bytes, want 160", got)
	}
	if got := unsafe.Sizeof(fbFixScreeninfo{}); got != 80 {
		t.Errorf("fb_fix_screeninfo is %d bytes, want 80", got)
	}
	if got := unsafe.Offsetof(fbFixScreeninfo{}.LineLength); got != 48 {
		t.Errorf("line_length at %d, want 48", got)
	}
}

// pixel is one test colour and its expected bytes in each format.
var pixelTests = []struct {
	name string
	in   color.NRGBA
	want map[string][]byte
}{
	{"red", color.NRGBA{0xff, 0, 0, 0xff}, map[string][]byte{
		"RGB565": {0x00, 0xf8}, "RGB888": {0, 0, 0xff}, "BGR888": {0xff, 0, 0},
		"XRGB8888": {0, 0, 0xff, 0xff}, "XBGR8888": {0xff, 0, 0, 0}, "ARGB8888": {0, 0, 0xff, 0xff},
		"RGB555": {0x00, 0x7c}, "RGB101010": {0x00, 0x00, 0xf0, 0x3f},
	}},
	{"green", color.NRGBA{0, 0xff, 0, 0xff}, map[string][]byte{
		"RGB565": {0xe0, 0x07}, "RGB888": {0, 0xff, 0}, "BGR888": {0, 0xff, 0},
		"XRGB8888": {0, 0xff, 0, 0xff}, "XBGR8888": {0, 0xff, 0, 0}, "ARGB8888": {0, 0xff, 0, 0xff},
		"RGB555": {0xe0, 0x03}, "RGB101010": {0x00, 0xfc, 0x0f, 0x00},
	}},
	{"blue-ish", color.NRGBA{0x12, 0x34, 0x56, 0xff}, map[string][]byte{
		// 565: r=0x12>>3=2, g=0x34>>2=13, b=0x56>>3=10: 2<<11|13<<5|10 = 0x11aa
		"RGB565": {0xaa, 0x11}, "RGB888": {0x56, 0x34, 0x12}, "BGR888": {0x12, 0x34, 0x56},
		"XRGB8888": {0x56, 0x34, 0x12, 0xff}, "XBGR8888": {0x12, 0x34, 0x56, 0}, "ARGB8888": {0x56, 0x34, 0x12, 0xff},
		// 555: 2<<10|6<<5|10 = 0x08ca
		"RGB555": {0xca, 0x08},
		// 10-bit channels replicate the top bits: r=0x12<<2|0=0x048, g=0x34<<2|0=0x0d0, b=0x56<<2|1=0x159
		"RGB101010": {0x59, 0x41, 0x83, 0x04},
	}},
	{"half transparent white over black", color.NRGBA{0xff, 0xff, 0xff, 0x80}, map[string][]byte{
		"RGB565": {0x10, 0x84}, "RGB888": {0x80, 0x80, 0x80}, "BGR888": {0x80, 0x80, 0x80},
		"XRGB8888": {0x80, 0x80, 0x80, 0xff}, "XBGR8888": {0x80, 0x80, 0x80, 0}, "ARGB8888": {0x80, 0x80, 0x80, 0xff},
		"RGB555": {0x10, 0x42}, "RGB101010": {0x02, 0x0a, 0x28, 0x20},
	}},
}

var formats = map[string]PixelFormat{
	"RGB565": RGB565, "RGB888": RGB888, "BGR888": BGR888,
	"XRGB8888": XRGB8888, "XBGR8888": XBGR8888, "ARGB8888": ARGB8888,
	"RGB555":    {BitsPerPixel: 16, Red: Bitfield{10, 5}, Green: Bitfield{5, 5}, Blue: Bitfield{0, 5}},
	"RGB101010": {BitsPerPixel: 32, Red: Bitfield{20, 10}, Green: Bitfield{10, 10}, Blue: Bitfield{0, 10}},
}

func TestPixelConversion(t *testing.T) {
	for _, pt := range pixelTests {
		for name, f := range formats {
			want, ok := pt.want[name]
			if !ok {
				t.Fatalf("no expectation for %s %s", pt.name, name)
			}
			// The same colour through each source type: NRGBA and RGBA
			// fast paths and the generic draw path must agree.
			nrgba := image.NewNRGBA(image.Rect(0, 0, 3, 1))
			rgba := image.NewRGBA(image.Rect(0, 0, 3, 1))
			generic := image.NewNRGBA64(image.Rect(0, 0, 3, 1))
			for x := 0; x < 3; x++ {
				nrgba.Set(x, 0, pt.in)
				rgba.Set(x, 0, pt.in)
				generic.Set(x, 0, pt.in)
			}
			for _, src := range []image.Image{nrgba, rgba, generic} {
				c := converter{f: f}
				dst := make([]byte, 3*f.BytesPerPixel()+2)
				c.convert(dst, len(dst), 3, 1, src)
				bpp := f.BytesPerPixel()
				for x := 0; x < 3; x++ {
					if got := dst[x*bpp : x*bpp+bpp]; !bytes.Equal(got, want) {
						t.Errorf("%s %s from %T pixel %d: got % x, want % x", pt.name, name, src, x, got, want)
					}
				}
				if dst[len(dst)-2] != 0 || dst[len(dst)-1] != 0 {
					t.Errorf("%s %s from %T wrote past the row", pt.name, name, src)
				}
			}
		}
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		f   PixelFormat
		err error
	}{
		{RGB565, nil},
		{XRGB8888, nil},
		{PixelFormat{BitsPerPixel: 8, Red: Bitfield{5, 3}, Green: Bitfield{2, 3}, Blue: Bitfield{0, 2}}, ErrFormat},
		{PixelFormat{BitsPerPixel: 16, Red: Bitfield{12, 5}, Green: Bitfield{5, 6}, Blue: Bitfield{0, 5}}, ErrFormat},
		{PixelFormat{BitsPerPixel: 32, Red: Bitfield{16, 8}, Green: Bitfield{8, 8}}, ErrFormat},
		{PixelFormat{BitsPerPixel: 32, Red: Bitfield{0, 20}, Green: Bitfield{20, 6}, Blue: Bitfield{26, 6}}, ErrFormat},
	}
	for _, tt := range tests {
		if err := tt.f.Validate(); !errors.Is(err, tt.err) {
			t.Errorf("%v: got %v, want %v", tt.f, err, tt.err)
		}
	}
}

func testImage(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetNRGBA(x, y, color.NRGBA{byte(x * 7), byte(y * 13), byte(x ^ y), 0xff})
		}
	}
	return img
}

// TestDrawFile draws into a regular file standing in for /dev/fb0, with
// padding at the end of each line and a panned page, and checks every
// byte of the file, both through mmap and through pwrite.
func TestDrawFile(t *testing.T) {
	for _, noMmap := range []bool{false, true} {
		for name, f := range formats {
			t.Run(fmt.Sprintf("%s/nommap=%v", name, noMmap), func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "fb0")
				if err := os.WriteFile(path, nil, 0o600); err != nil {
					t.Fatal(err)
				}
				bpp := f.BytesPerPixel()
				mode := Mode{Width: 13, Height: 7, Stride: 16*bpp + 3, XOffset: 2, YOffset: 7, Format: f}
				d, err := New(path, &Opts{Mode: &mode, NoMmap: noMmap})
				if err != nil {
					t.Fatal(err)
				}
				if got := d.Size(); got != image.Pt(13, 7) {
					t.Errorf("Size() = %v", got)
				}
				img := testImage(20, 5) // wider, shorter than the screen
				if err := d.Draw(img); err != nil {
					t.Fatal(err)
				}
				if err := d.Close(); err != nil {
					t.Fatal(err)
				}
				got, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != 14*mode.Stride {
					t.Fatalf("file is %d bytes, want %d", len(got), 14*mode.Stride)
				}
				want := make([]byte, len(got))
				c := converter{f: f}
				for y := 0; y < 5; y++ {
					for x := 0; x < 13; x++ {
						px := make([]byte, bpp)
						c.row(px, img.Pix[img.PixOffset(x, y):img.PixOffset(x, y)+4], false)
						copy(want[(7+y)*mode.Stride+(2+x)*bpp:], px)
					}
				}
				if !bytes.Equal(got, want) {
					for i := range got {
						if got[i] != want[i] {
							t.Fatalf("first difference at byte %d (row %d): got %#x want %#x", i, i/mode.Stride, got[i], want[i])
						}
					}
				}
				if err := d.Draw(img); !errors.Is(err, ErrClosed) {
					t.Errorf("Draw after Close: %v, want ErrClosed", err)
				}
			})
		}
	}
}

func TestHalt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fb0")
	os.WriteFile(path, nil, 0o600)
	d, err := New(path, &Opts{Mode: &Mode{Width: 4, Height: 2, Format: XRGB8888}})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	white := image.NewUniform(color.White)
	if err := d.Draw(white); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if !bytes.Equal(b, bytes.Repeat([]byte{0xff}, 32)) {
		t.Fatalf("after white frame: % x", b)
	}
	if err := d.Halt(); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(path)
	if !bytes.Equal(b, bytes.Repeat([]byte{0, 0, 0, 0xff}, 8)) {
		t.Fatalf("after Halt: % x", b)
	}
}

func TestNewErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "fb0")
	os.WriteFile(path, nil, 0o600)
	tests := []struct {
		name string
		path string
		opts *Opts
		want error
	}{
		{"missing", filepath.Join(dir, "nope"), nil, os.ErrNotExist},
		{"no mode", path, nil, ErrNoMode},
		{"bad bpp", path, &Opts{Mode: &Mode{Width: 4, Height: 4, Format: PixelFormat{BitsPerPixel: 8}}}, ErrFormat},
		{"zero size", path, &Opts{Mode: &Mode{Width: 0, Height: 4, Format: RGB565}}, ErrGeometry},
		{"short stride", path, &Opts{Mode: &Mode{Width: 4, Height: 4, Stride: 7, Format: RGB565}}, ErrGeometry},
		{"huge", path, &Opts{Mode: &Mode{Width: 1 << 20, Height: 4, Format: RGB565}}, ErrGeometry},
	}
	for _, tt := range tests {
		d, err := New(tt.path, tt.opts)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, err, tt.want)
		}
		if d != nil {
			d.Close()
		}
	}
}

// BenchmarkDraw measures converting and writing one 1920x1080 frame from
// fyne's *image.NRGBA into a mapped stand-in file, per pixel format.
func BenchmarkDraw(b *testing.B) {
	src := testImage(1920, 1080)
	for _, name := range []string{"RGB565", "RGB888", "XRGB8888", "XBGR8888", "RGB101010"} {
		b.Run(name, func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "fb0")
			os.WriteFile(path, nil, 0o600)
			d, err := New(path, &Opts{Mode: &Mode{Width: 1920, Height: 1080, Format: formats[name]}})
			if err != nil {
				b.Fatal(err)
			}
			defer d.Close()
			b.SetBytes(int64(len(src.Pix)))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := d.Draw(src); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/1e6/float64(b.N), "ms/frame")
		})
	}
	b.Run("XRGB8888/from-RGBA", func(b *testing.B) {
		rgba := image.NewRGBA(src.Rect)
		copy(rgba.Pix, src.Pix)
		path := filepath.Join(b.TempDir(), "fb0")
		os.WriteFile(path, nil, 0o600)
		d, err := New(path, &Opts{Mode: &Mode{Width: 1920, Height: 1080, Format: XRGB8888}})
		if err != nil {
			b.Fatal(err)
		}
		defer d.Close()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			d.Draw(rgba)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/1e6/float64(b.N), "ms/frame")
	})
}
