// Package cameratest has a fake document camera returning fixture images,
// and helpers to make such fixtures, for tests and demos without a camera.
// It does not import testing.
package cameratest

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"sync"
	"time"

	"hallq/drivers/camera"
)

// Document renders a w x h stand-in for a photographed form: off-white
// paper, a dark border and rows of "text" bars, so image code has edges
// and contrast to work on.
func Document(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	paper := color.RGBA{0xf4, 0xf1, 0xe8, 0xff}
	ink := color.RGBA{0x20, 0x20, 0x28, 0xff}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := paper
			border := x < w/40+1 || x >= w-w/40-1 || y < h/40+1 || y >= h-h/40-1
			line := h / 12
			inText := line > 0 && y > h/8 && y < h-h/8 && (y%line) < line/3 && x > w/8 && x < w-w/8-(y/line%3)*w/10
			if border || inText {
				c = ink
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

// JPEG encodes img as a baseline JPEG like a camera's MJPEG frame; with
// stripHuffman its DHT segments are removed, as many cameras send them.
func JPEG(img image.Image, stripHuffman bool) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 80}); err != nil {
		panic(err) // encoding to memory cannot fail for an RGBA image
	}
	if stripHuffman {
		return StripHuffman(b.Bytes())
	}
	return b.Bytes()
}

// StripHuffman removes every DHT segment before the scan. Input that is
// not a well-formed JPEG header is returned unchanged.
func StripHuffman(frame []byte) []byte {
	if len(frame) < 2 || frame[0] != 0xff || frame[1] != 0xd8 {
		return frame
	}
	out := append([]byte(nil), frame[:2]...)
	i := 2
	for i+4 <= len(frame) && frame[i] == 0xff {
		m := frame[i+1]
		if m == 0xda {
			break
		}
		n := int(frame[i+2])<<8 | int(frame[i+3])
		if n < 2 || i+2+n > len(frame) {
			return frame
		}
		if m != 0xc4 {
			out = append(out, frame[i:i+2+n]...)
		}
		i += 2 + n
	}
	return append(out, frame[i:]...)
}

// Fake is a scriptable camera.
type Fake struct {
	mu sync.Mutex
	// Frames are returned in turn, cycling; each goes through
	// camera.NewStill like a real frame. Default: one 640x480 document
	// without Huffman tables.
	Frames [][]byte
	// Err, when set, is returned by the next capture and then cleared.
	Err error
	// Delay is how long a capture takes; a cancelled context ends it.
	Delay time.Duration

	next     int
	captures int
	halted   bool
}

var _ camera.Camera = (*Fake)(nil)

// New returns a fake with the default fixture.
func New() *Fake {
	return &Fake{Frames: [][]byte{JPEG(Document(640, 480), true)}}
}

// Capture returns the next fixture.
func (f *Fake) Capture(ctx context.Context) (*camera.Still, error) {
	f.mu.Lock()
	delay := f.Delay
	f.mu.Unlock()
	if delay > 0 {
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return nil, fmt.Errorf("camera: %w", ctx.Err())
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.halted {
		return nil, camera.ErrClosed
	}
	f.captures++
	if err := f.Err; err != nil {
		f.Err = nil
		return nil, err
	}
	if len(f.Frames) == 0 {
		return nil, camera.ErrNoFrame
	}
	fr := f.Frames[f.next%len(f.Frames)]
	f.next++
	return camera.NewStill(bytes.Clone(fr), time.Now())
}

// Captures counts Capture calls.
func (f *Fake) Captures() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.captures
}

// Halt makes later captures fail with camera.ErrClosed.
func (f *Fake) Halt() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.halted = true
	return nil
}

func (f *Fake) String() string { return "camera(fake)" }
