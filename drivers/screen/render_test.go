package screen

import (
	"image"
	"image/color"
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/embedded"

	"hallq/drivers/screen/fbdev"
	"hallq/drivers/screen/touch"
)

func filled(w, h int, c color.NRGBA) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, c.A
	}
	return img
}

func clone(img *image.NRGBA) *image.NRGBA {
	c := image.NewNRGBA(img.Rect)
	copy(c.Pix, img.Pix)
	return c
}

var (
	white = color.NRGBA{0xff, 0xff, 0xff, 0xff}
	blue  = color.NRGBA{0x00, 0x3d, 0x8f, 0xff}
)

// TestDamage: the damage holds every changed pixel and, since columns are
// narrowed in 16-pixel steps, is at most 32 pixels wider than them.
func TestDamage(t *testing.T) {
	base := filled(200, 100, white)
	tests := []struct {
		name string
		pts  []image.Point
	}{
		{"same", nil},
		{"one pixel", []image.Point{{150, 40}}},
		{"first pixel", []image.Point{{0, 0}}},
		{"last pixel", []image.Point{{199, 99}}},
		{"two spots", []image.Point{{20, 10}, {120, 70}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cur := clone(base)
			var want image.Rectangle
			for _, p := range tc.pts {
				cur.Set(p.X, p.Y, blue)
				want = want.Union(image.Rectangle{Min: p, Max: p.Add(image.Pt(1, 1))})
			}
			got := damage(base, cur)
			if len(tc.pts) == 0 {
				if !got.Empty() {
					t.Errorf("damage %v for equal frames", got)
				}
				return
			}
			if !want.In(got) || got.Min.Y != want.Min.Y || got.Max.Y != want.Max.Y || got.Dx() > want.Dx()+32 {
				t.Errorf("damage %v, want %v widened by at most 32 columns", got, want)
			}
		})
	}
	if got := damage(nil, base); got != base.Rect {
		t.Errorf("no previous frame: %v, want all", got)
	}
	if got := damage(filled(10, 10, white), base); got != base.Rect {
		t.Errorf("resized: %v, want all", got)
	}
}

// TestNearestUpscale checks every display pixel of a 2x and a 1.5x scale
// against the source pixel it must come from.
func TestNearestUpscale(t *testing.T) {
	for _, tc := range []struct {
		disp  image.Point
		scale float64
		src   image.Point
	}{{image.Pt(200, 100), 2, image.Pt(100, 50)}, {image.Pt(1920, 1080), 1.5, image.Pt(1280, 720)}, {image.Pt(7, 5), 1.5, image.Pt(5, 3)}} {
		r := newRenderer(tc.disp, tc.scale, false)
		if r.logical != tc.src {
			t.Fatalf("%v at %v: logical %v, want %v", tc.disp, tc.scale, r.logical, tc.src)
		}
		src := image.NewNRGBA(image.Rectangle{Max: tc.src})
		for y := range tc.src.Y {
			for x := range tc.src.X {
				src.SetNRGBA(x, y, color.NRGBA{uint8(x), uint8(y), uint8(x ^ y), 0xff})
			}
		}
		out, dmg := r.frame(src, true)
		if dmg != image.Rect(0, 0, tc.disp.X, tc.disp.Y) {
			t.Fatalf("first frame damage %v, want the whole display", dmg)
		}
		o := out.(*image.NRGBA)
		for y := range tc.disp.Y {
			for x := range tc.disp.X {
				sx := min(tc.src.X-1, int((float64(x)+0.5)*float64(tc.src.X)/float64(tc.disp.X)))
				sy := min(tc.src.Y-1, int((float64(y)+0.5)*float64(tc.src.Y)/float64(tc.disp.Y)))
				if got, want := o.NRGBAAt(x, y), src.NRGBAAt(sx, sy); got != want {
					t.Fatalf("%v: display (%d,%d) = %v, want source (%d,%d) %v", tc.disp, x, y, got, sx, sy, want)
				}
			}
		}
		// A one-pixel change repaints a small region only, and the
		// result equals a full repaint.
		next := clone(src)
		next.SetNRGBA(tc.src.X/2, tc.src.Y/2, blue)
		out2, dmg2 := r.frame(next, true)
		if dmg2.Empty() || dmg2.Dx()*dmg2.Dy() > tc.disp.X*tc.disp.Y/4 && tc.disp.X > 100 {
			t.Errorf("%v: damage %v for one pixel", tc.disp, dmg2)
		}
		full, _ := newRenderer(tc.disp, tc.scale, false).frame(next, false)
		if d := pixelDiff(out2.(*image.NRGBA), full.(*image.NRGBA)); d != 0 {
			t.Errorf("%v: partial repaint differs from a full one in %d pixels", tc.disp, d)
		}
	}
}

func pixelDiff(a, b *image.NRGBA) (n int) {
	for i := 0; i < len(a.Pix); i += 4 {
		if a.Pix[i] != b.Pix[i] || a.Pix[i+1] != b.Pix[i+1] || a.Pix[i+2] != b.Pix[i+2] || a.Pix[i+3] != b.Pix[i+3] {
			n++
		}
	}
	return n
}

func TestBilinearUpscale(t *testing.T) {
	// A horizontal ramp stays a monotonic ramp, uniform areas stay
	// uniform, and partial repaints match full ones.
	src := image.NewNRGBA(image.Rect(0, 0, 64, 32))
	for y := range 32 {
		for x := range 64 {
			src.SetNRGBA(x, y, color.NRGBA{uint8(4 * x), 0x80, 0x10, 0xff})
		}
	}
	r := newRenderer(image.Pt(96, 48), 1.5, true)
	out, _ := r.frame(src, true)
	o := out.(*image.NRGBA)
	for y := range 48 {
		prev := -1
		for x := range 96 {
			p := o.NRGBAAt(x, y)
			if int(p.R) < prev || p.G != 0x80 || p.B != 0x10 || p.A != 0xff {
				t.Fatalf("(%d,%d) = %v after R %d", x, y, p, prev)
			}
			prev = int(p.R)
		}
	}
	if first, last := o.NRGBAAt(0, 0).R, o.NRGBAAt(95, 0).R; first != 0 || last != 252 {
		t.Errorf("ramp ends %d..%d, want 0..252", first, last)
	}
	next := clone(src)
	next.SetNRGBA(30, 10, blue)
	part, dmg := r.frame(next, true)
	if dmg.Dx() > 64 || dmg.Dy() > 8 {
		t.Errorf("damage %v for one pixel", dmg)
	}
	full, _ := newRenderer(image.Pt(96, 48), 1.5, true).frame(next, false)
	if d := pixelDiff(part.(*image.NRGBA), full.(*image.NRGBA)); d != 0 {
		t.Errorf("partial repaint differs from a full one in %d pixels", d)
	}
}

func TestBadScaleIsNative(t *testing.T) {
	for _, s := range []float64{0, -1, 0.5, 9} {
		if r := newRenderer(image.Pt(640, 480), s, false); r.scale != 1 || r.logical != image.Pt(640, 480) {
			t.Errorf("scale %v: %v %v, want native", s, r.scale, r.logical)
		}
	}
}

// regionDisplay records the regions drawn.
type regionDisplay struct {
	size    image.Point
	regions []image.Rectangle
	full    int
}

func (d *regionDisplay) Size() image.Point      { return d.size }
func (d *regionDisplay) Draw(image.Image) error { d.full++; return nil }
func (d *regionDisplay) DrawRegion(_ image.Image, r image.Rectangle) error {
	d.regions = append(d.regions, r)
	return nil
}

func TestRenderSkipsEqualFrames(t *testing.T) {
	disp := &regionDisplay{size: image.Pt(640, 480)}
	d := New(disp, &Opts{RenderScale: 2})
	if s := d.ScreenSize(); s != fyne.NewSize(320, 240) {
		t.Fatalf("ScreenSize %v, want 320x240", s)
	}
	frame := filled(320, 240, white)
	d.Render(frame)
	d.Render(clone(frame))
	next := clone(frame)
	next.SetNRGBA(10, 10, blue)
	d.Render(next)
	if d.Frames() != 3 || d.Skipped() != 1 {
		t.Errorf("frames %d skipped %d, want 3 and 1", d.Frames(), d.Skipped())
	}
	if disp.full != 0 || len(disp.regions) != 2 || disp.regions[0] != image.Rect(0, 0, 640, 480) ||
		disp.regions[1].Dx() > 40 || !image.Pt(21, 21).In(disp.regions[1]) {
		t.Errorf("regions %v (full draws %d)", disp.regions, disp.full)
	}
}

func TestTouchScaled(t *testing.T) {
	in := newScripted(nil, touch.Event{Kind: touch.Down, X: 300, Y: 150, ID: 1})
	d := New(&regionDisplay{size: image.Pt(600, 300)}, &Opts{RenderScale: 1.5}, in)
	d.Start()
	defer d.Close()
	e, ok := next(t, d).(*embedded.TouchDownEvent)
	if !ok || e.Position != fyne.NewPos(200, 100) {
		t.Errorf("event %#v, want a touch down at 200,100", e)
	}
}

func TestRefreshEvent(t *testing.T) {
	d := New(&regionDisplay{size: image.Pt(64, 64)}, nil)
	d.Refresh()
	e, ok := next(t, d).(*embedded.TouchMoveEvent)
	if !ok || e.ID != refreshID {
		t.Fatalf("Refresh queued %#v", e)
	}
	// A full queue does not block Refresh.
	for range d.opts.QueueLen + 5 {
		d.Refresh()
	}
}

// TestFbdevRegion draws through a file-backed framebuffer: the file must
// hold the scaled frame after a partial update exactly as after a full
// one.
func TestFbdevRegion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fb0")
	os.WriteFile(path, nil, 0o600)
	for _, noMmap := range []bool{false, true} {
		fb, err := fbdev.New(path, &fbdev.Opts{Mode: &fbdev.Mode{Width: 64, Height: 32, Format: fbdev.XRGB8888}, NoMmap: noMmap})
		if err != nil {
			t.Fatal(err)
		}
		d := New(fb, &Opts{RenderScale: 2})
		d.Render(filled(32, 16, white))
		next := filled(32, 16, white)
		next.SetNRGBA(5, 3, blue)
		d.Render(next)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for y := range 32 {
			for x := range 64 {
				px := b[(y*64+x)*4 : (y*64+x)*4+4]
				want := []byte{0xff, 0xff, 0xff}
				if x/2 == 5 && y/2 == 3 {
					want = []byte{blue.B, blue.G, blue.R}
				}
				if px[0] != want[0] || px[1] != want[1] || px[2] != want[2] {
					t.Fatalf("noMmap=%v: pixel (%d,%d) = %x, want %x", noMmap, x, y, px[:3], want)
				}
			}
		}
		d.Close()
	}
}

func BenchmarkRender(b *testing.B) {
	for _, tc := range []struct {
		name   string
		scale  float64
		smooth bool
	}{{"native", 1, false}, {"scale1.5", 1.5, false}, {"scale1.5smooth", 1.5, true}, {"scale2", 2, false}} {
		b.Run(tc.name+"/full", func(b *testing.B) {
			r := newRenderer(image.Pt(1920, 1080), tc.scale, tc.smooth)
			a, c := filled(r.logical.X, r.logical.Y, white), filled(r.logical.X, r.logical.Y, blue)
			for i := 0; i < b.N; i++ {
				if i%2 == 0 {
					r.frame(a, true)
				} else {
					r.frame(c, true)
				}
			}
		})
		b.Run(tc.name+"/button", func(b *testing.B) {
			r := newRenderer(image.Pt(1920, 1080), tc.scale, tc.smooth)
			a := filled(r.logical.X, r.logical.Y, white)
			c := clone(a)
			for y := 100; y < 200; y++ {
				for x := 100; x < 400; x++ {
					c.SetNRGBA(x, y, blue)
				}
			}
			for i := 0; i < b.N; i++ {
				if i%2 == 0 {
					r.frame(a, true)
				} else {
					r.frame(c, true)
				}
			}
		})
	}
}
