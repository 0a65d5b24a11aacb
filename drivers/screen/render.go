package screen

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/draw"
	"math"
	"sort"
)

// RegionDrawer is a Display that can update part of the screen (fbdev.Dev).
// The Driver then converts only what changed since the last frame.
type RegionDrawer interface {
	Display
	// DrawRegion shows r of img; img is a whole frame in screen
	// coordinates and stays owned by the caller after the call returns.
	DrawRegion(img image.Image, r image.Rectangle) error
}

// renderer turns fyne's frames into display frames. fyne's software
// painter repaints the whole window after every touch into a new image;
// most of that time is spent in image/draw's generic path, in proportion to
// the pixels painted. So the renderer can let fyne paint a smaller canvas
// and scale it up here with cheap table lookups, and it hands the display
// only the rectangle that differs from the previous frame.
type renderer struct {
	scale   float64
	smooth  bool
	disp    image.Point // display size
	logical image.Point // what fyne paints
	tx, ty  float32     // fyne units per display pixel, for touches

	prev *image.NRGBA // fyne's previous frame (fyne allocates a new one each time)
	out  *image.NRGBA // the scaled frame, display size

	// Nearest: source coordinate of each display column and row.
	xs, ys []int32
	// Bilinear: left/top source coordinate and the weight (0..256) of the
	// next one.
	bx, by   []int32
	wx, wy   []uint32
	rowCache [2][]byte
	rowIdx   [2]int32
}

func newRenderer(disp image.Point, scale float64, smooth bool) *renderer {
	if !(scale >= 1) || scale > 4 { // also NaN
		scale = 1
	}
	r := &renderer{scale: scale, smooth: smooth, disp: disp}
	r.logical = image.Pt(max(1, int(math.Round(float64(disp.X)/scale))), max(1, int(math.Round(float64(disp.Y)/scale))))
	if scale == 1 {
		r.logical = disp
		r.tx, r.ty = 1, 1
		return r
	}
	// Use the exact ratio of the rounded sizes so the last column and row
	// map onto the last source pixel.
	sx := float64(r.logical.X) / float64(disp.X)
	sy := float64(r.logical.Y) / float64(disp.Y)
	r.tx, r.ty = float32(sx), float32(sy)
	r.xs, r.bx, r.wx = axis(disp.X, r.logical.X, sx)
	r.ys, r.by, r.wy = axis(disp.Y, r.logical.Y, sy)
	return r
}

// axis builds the lookup tables of one axis: n display pixels from m
// source pixels, f source pixels per display pixel.
func axis(n, m int, f float64) (near, lo []int32, w []uint32) {
	near, lo, w = make([]int32, n), make([]int32, n), make([]uint32, n)
	for i := range n {
		c := (float64(i) + 0.5) * f
		near[i] = int32(min(m-1, int(c)))
		s := c - 0.5
		if s < 0 {
			s = 0
		}
		l := int(s)
		if l >= m-1 {
			l, s = m-1, float64(m-1)
		}
		lo[i] = int32(l)
		w[i] = uint32(math.Round((s - float64(l)) * 256))
	}
	return near, lo, w
}

// frame returns the display image for fyne's img and the rectangle of it
// that changed; an empty rectangle means nothing changed. With a region
// the returned image is the renderer's own buffer (valid until the next
// call); full frames for displays without regions are fresh images.
func (r *renderer) frame(img image.Image, regions bool) (image.Image, image.Rectangle) {
	cur, ok := img.(*image.NRGBA)
	if !ok || cur.Rect.Min != (image.Point{}) {
		// fyne's painter always gives an NRGBA at the origin; anything
		// else is copied once into one.
		b := img.Bounds()
		c := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
		draw.Draw(c, c.Rect, img, b.Min, draw.Src)
		cur = c
	}
	dmg := damage(r.prev, cur)
	r.prev = cur
	if dmg.Empty() {
		return nil, image.Rectangle{}
	}
	if r.scale == 1 {
		return cur, dmg
	}
	if cur.Rect.Size() != r.logical {
		// fyne painted another size than we asked for: show it unscaled
		// rather than stretched wrongly.
		return cur, cur.Rect
	}
	if r.out == nil {
		r.out = image.NewNRGBA(image.Rectangle{Max: r.disp})
	}
	var od image.Rectangle
	if r.smooth {
		od = image.Rect(first(r.bx, dmg.Min.X-1), first(r.by, dmg.Min.Y-1), first(r.bx, dmg.Max.X), first(r.by, dmg.Max.Y))
		r.bilinear(cur, od)
	} else {
		od = image.Rect(first(r.xs, dmg.Min.X), first(r.ys, dmg.Min.Y), first(r.xs, dmg.Max.X), first(r.ys, dmg.Max.Y))
		r.nearest(cur, od)
	}
	if regions {
		return r.out, od
	}
	c := image.NewNRGBA(r.out.Rect)
	copy(c.Pix, r.out.Pix)
	return c, od
}

// first is the first display coordinate whose source coordinate is >= v.
func first(t []int32, v int) int {
	return sort.Search(len(t), func(i int) bool { return int(t[i]) >= v })
}

// damage is the bounding rectangle of the pixels that differ between two
// frames; all of cur when the sizes differ or there is no previous frame.
func damage(prev, cur *image.NRGBA) image.Rectangle {
	if prev == nil || prev.Rect != cur.Rect {
		return cur.Rect
	}
	w := 4 * cur.Rect.Dx()
	y0, y1 := -1, -1
	x0, x1 := w, 0
	for y := range cur.Rect.Dy() {
		a := prev.Pix[y*prev.Stride : y*prev.Stride+w]
		b := cur.Pix[y*cur.Stride : y*cur.Stride+w]
		if bytes.Equal(a, b) {
			continue
		}
		if y0 < 0 {
			y0 = y
		}
		y1 = y + 1
		// Narrow the columns in 64-byte steps: bytes.Equal is vectorised,
		// a byte loop is not.
		const step = 64
		l := 0
		for l < x0 && l+step <= w && bytes.Equal(a[l:l+step], b[l:l+step]) {
			l += step
		}
		x0 = min(x0, l)
		h := w
		for h > x1 && h-step >= 0 && bytes.Equal(a[h-step:h], b[h-step:h]) {
			h -= step
		}
		x1 = max(x1, h)
	}
	if y0 < 0 {
		return image.Rectangle{}
	}
	return image.Rect(x0/4, y0, (x1+3)/4, y1).Intersect(cur.Rect)
}

// nearest fills od of r.out with the nearest source pixel: sharp edges,
// and rows that repeat a source row are copied whole.
func (r *renderer) nearest(src *image.NRGBA, od image.Rectangle) {
	for oy := od.Min.Y; oy < od.Max.Y; oy++ {
		drow := r.out.Pix[oy*r.out.Stride:]
		if oy > od.Min.Y && r.ys[oy] == r.ys[oy-1] {
			copy(drow[4*od.Min.X:4*od.Max.X], r.out.Pix[(oy-1)*r.out.Stride+4*od.Min.X:(oy-1)*r.out.Stride+4*od.Max.X])
			continue
		}
		srow := src.Pix[int(r.ys[oy])*src.Stride:]
		for ox := od.Min.X; ox < od.Max.X; ox++ {
			binary.LittleEndian.PutUint32(drow[4*ox:], binary.LittleEndian.Uint32(srow[4*r.xs[ox]:]))
		}
	}
}

// bilinear fills od of r.out by bilinear interpolation: smoother text at
// non-integer scales, at about twice the cost of nearest.
func (r *renderer) bilinear(src *image.NRGBA, od image.Rectangle) {
	r.rowIdx = [2]int32{-1, -1}
	maxY := int32(src.Rect.Dy() - 1)
	for oy := od.Min.Y; oy < od.Max.Y; oy++ {
		t := r.hrow(src, r.by[oy], -1, od)
		b := r.hrow(src, min(r.by[oy]+1, maxY), r.by[oy], od)
		wy := r.wy[oy]
		drow := r.out.Pix[oy*r.out.Stride:]
		for i := 4 * od.Min.X; i < 4*od.Max.X; i += 4 {
			binary.LittleEndian.PutUint32(drow[i:], lerp(binary.LittleEndian.Uint32(t[i:]), binary.LittleEndian.Uint32(b[i:]), wy))
		}
	}
}

// hrow returns source row y scaled horizontally over od's columns, from a
// two-row cache (consecutive display rows mostly share source rows). It
// never evicts the row keep, which the caller is still using.
func (r *renderer) hrow(src *image.NRGBA, y, keep int32, od image.Rectangle) []byte {
	for k := range 2 {
		if r.rowIdx[k] == y {
			return r.rowCache[k]
		}
	}
	k := 0
	switch {
	case r.rowIdx[0] == keep:
		k = 1
	case r.rowIdx[1] == keep:
		k = 0
	case r.rowIdx[0] < 0:
		k = 0
	case r.rowIdx[1] < 0 || r.rowIdx[1] < r.rowIdx[0]:
		k = 1
	}
	if len(r.rowCache[k]) < 4*r.disp.X {
		r.rowCache[k] = make([]byte, 4*r.disp.X)
	}
	row := r.rowCache[k]
	s := src.Pix[int(y)*src.Stride:]
	maxX := int32(src.Rect.Dx() - 1)
	for ox := od.Min.X; ox < od.Max.X; ox++ {
		l := 4 * int(r.bx[ox])
		h := 4 * int(min(r.bx[ox]+1, maxX))
		binary.LittleEndian.PutUint32(row[4*ox:], lerp(binary.LittleEndian.Uint32(s[l:]), binary.LittleEndian.Uint32(s[h:]), r.wx[ox]))
	}
	r.rowIdx[k] = y
	return row
}

// lerp blends two packed 8-bit RGBA pixels, w/256 of b: two channels at a
// time in 16-bit lanes of a uint32 (255*256 fits a lane), a quarter of the
// multiplications of a per-byte loop.
func lerp(a, b, w uint32) uint32 {
	const m = 0x00ff00ff
	iw := 256 - w
	rb := ((a&m)*iw + (b&m)*w) >> 8 & m
	ga := ((a>>8&m)*iw + (b>>8&m)*w) &^ m
	return rb | ga
}
