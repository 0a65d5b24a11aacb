package camera_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"image/jpeg"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/blackjack/webcam"

	"hallq/drivers/camera"
	"hallq/drivers/camera/cameratest"
)

var update = flag.Bool("update", false, "rewrite testdata fixtures")

func TestDHTSegment(t *testing.T) {
	// Length field 418 = 2 length bytes + 4 x (1 class/id + 16 counts) +
	// 12+162+12+162 values; the marker makes 420 bytes.
	if len(camera.DHT) != 420 || !bytes.Equal(camera.DHT[:5], []byte{0xff, 0xc4, 0x01, 0xa2, 0x00}) {
		t.Fatalf("DHT segment header % x, length %d", camera.DHT[:5], len(camera.DHT))
	}
}

func TestSpliceRoundTrip(t *testing.T) {
	orig := cameratest.JPEG(cameratest.Document(64, 48), false)
	stripped := cameratest.StripHuffman(orig)
	if len(stripped) != len(orig)-len(camera.DHT) {
		t.Fatalf("strip removed %d bytes, want %d", len(orig)-len(stripped), len(camera.DHT))
	}
	if has, err := camera.HasHuffman(stripped); has || err != nil {
		t.Fatalf("stripped frame: has=%v err=%v", has, err)
	}
	if _, err := jpeg.Decode(bytes.NewReader(stripped)); err == nil {
		t.Fatal("image/jpeg decoded a frame without Huffman tables; the splicer would be pointless")
	}
	spliced, err := camera.SpliceHuffman(stripped)
	if err != nil {
		t.Fatal(err)
	}
	// Go's encoder writes exactly the Annex K tables just before SOS, so
	// splicing must give back the original bytes.
	if !bytes.Equal(spliced, orig) {
		t.Fatal("spliced frame differs from the original encoding")
	}
	if _, err := jpeg.Decode(bytes.NewReader(spliced)); err != nil {
		t.Fatal(err)
	}
	same, err := camera.SpliceHuffman(orig)
	if err != nil || &same[0] != &orig[0] {
		t.Errorf("frame with tables was copied or rejected: %v", err)
	}
}

func TestSpliceFillBytes(t *testing.T) {
	stripped := cameratest.JPEG(cameratest.Document(16, 16), true)
	sos := bytes.Index(stripped, []byte{0xff, 0xda})
	filled := append(append(append([]byte(nil), stripped[:sos]...), 0xff, 0xff), stripped[sos:]...)
	out, err := camera.SpliceHuffman(filled)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := jpeg.Decode(bytes.NewReader(out)); err != nil {
		t.Fatalf("with fill bytes before SOS: %v", err)
	}
}

func TestSpliceErrors(t *testing.T) {
	good := cameratest.JPEG(cameratest.Document(16, 16), true)
	sos := bytes.Index(good, []byte{0xff, 0xda})
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, camera.ErrNotJPEG},
		{"zeros from a dropped transfer", make([]byte, 64), camera.ErrNotJPEG},
		{"png", []byte("\x89PNG\r\n\x1a\n"), camera.ErrNotJPEG},
		{"only SOI", []byte{0xff, 0xd8}, camera.ErrTruncated},
		{"cut in a segment", good[:30], camera.ErrTruncated},
		{"cut before SOS", good[:sos], camera.ErrTruncated},
		{"EOI before scan", []byte{0xff, 0xd8, 0xff, 0xd9}, camera.ErrTruncated},
		{"fill bytes to the end", []byte{0xff, 0xd8, 0xff, 0xff}, camera.ErrTruncated},
		{"marker without length", []byte{0xff, 0xd8, 0xff, 0xdb, 0x00}, camera.ErrTruncated},
		{"length below 2", []byte{0xff, 0xd8, 0xff, 0xdb, 0x00, 0x01, 0xff, 0xda}, camera.ErrNotJPEG},
		{"garbage between segments", []byte{0xff, 0xd8, 0x12, 0xff, 0xda}, camera.ErrNotJPEG},
		{"restart marker in header", []byte{0xff, 0xd8, 0xff, 0xd3, 0xff, 0xda}, camera.ErrNotJPEG},
		{"second SOI", []byte{0xff, 0xd8, 0xff, 0xd8, 0xff, 0xda}, camera.ErrNotJPEG},
	}
	for _, tt := range tests {
		if _, err := camera.SpliceHuffman(tt.in); !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
}

// TestFixture decodes the committed camera-style frame without tables.
func TestFixture(t *testing.T) {
	path := filepath.Join("testdata", "nodht.jpg")
	if *update {
		os.WriteFile(path, cameratest.JPEG(cameratest.Document(48, 32), true), 0o644)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if has, err := camera.HasHuffman(b); has || err != nil {
		t.Fatalf("fixture has tables (%v) or is broken (%v)", has, err)
	}
	s, err := camera.NewStill(b, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	img, err := s.Decode()
	if err != nil {
		t.Fatal(err)
	}
	if s.Width != 48 || s.Height != 32 || img.Bounds().Dx() != 48 {
		t.Fatalf("size %dx%d, decoded %v", s.Width, s.Height, img.Bounds())
	}
	// The border is ink, the middle of the top margin is paper.
	if r, _, _, _ := img.At(0, 0).RGBA(); r>>8 > 0x80 {
		t.Errorf("border pixel red %#x, want dark", r>>8)
	}
	if r, _, _, _ := img.At(24, 3).RGBA(); r>>8 < 0xc0 {
		t.Errorf("paper pixel red %#x, want light", r>>8)
	}
}

// fakeSource is a recorded V4L2 stream.
type fakeSource struct {
	mu        sync.Mutex
	frames    [][]byte
	timeouts  int // WaitForFrame timeouts before each frame
	waited    int
	started   int
	stopped   int
	released  int
	closed    bool
	startErr  error
	readCount int
}

func (s *fakeSource) StartStreaming() error { s.started++; return s.startErr }
func (s *fakeSource) StopStreaming() error  { s.stopped++; return nil }
func (s *fakeSource) WaitForFrame(uint32) error {
	if s.waited < s.timeouts {
		s.waited++
		time.Sleep(time.Millisecond)
		return &webcam.Timeout{}
	}
	s.waited = 0
	return nil
}
func (s *fakeSource) GetFrame() ([]byte, uint32, error) {
	if len(s.frames) == 0 {
		return nil, 0, errors.New("no buffer")
	}
	f := s.frames[0]
	s.frames = s.frames[1:]
	s.readCount++
	return f, 3, nil
}
func (s *fakeSource) ReleaseFrame(uint32) error { s.released++; return nil }
func (s *fakeSource) Close() error              { s.closed = true; return nil }

func TestCaptureSettles(t *testing.T) {
	dark := cameratest.JPEG(cameratest.Document(8, 8), true)
	final := cameratest.JPEG(cameratest.Document(32, 16), true)
	src := &fakeSource{frames: [][]byte{dark, dark, dark, {}, final, dark}, timeouts: 1}
	d := camera.NewWithSource(src, &camera.Opts{SettleFrames: 3})
	s, err := d.Capture(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Three settle frames, one empty read skipped, then the 32x16 frame.
	if s.Width != 32 || s.Height != 16 || src.readCount != 5 {
		t.Fatalf("got %dx%d after %d reads", s.Width, s.Height, src.readCount)
	}
	if src.released != src.readCount || src.started != 1 || src.stopped != 1 {
		t.Errorf("released %d of %d, started %d, stopped %d", src.released, src.readCount, src.started, src.stopped)
	}
	if _, err := s.Decode(); err != nil {
		t.Fatal(err)
	}
}

func TestCaptureFaults(t *testing.T) {
	good := cameratest.JPEG(cameratest.Document(8, 8), true)
	junk := []byte{0, 0, 0, 0}
	tests := []struct {
		name string
		src  *fakeSource
		opts camera.Opts
		want error
	}{
		{"corrupt frames then good", &fakeSource{frames: [][]byte{junk, junk, good}}, camera.Opts{SettleFrames: -1}, nil},
		{"corrupt frames only", &fakeSource{frames: [][]byte{junk, junk, junk, good}}, camera.Opts{SettleFrames: -1}, camera.ErrNotJPEG},
		{"silent camera", &fakeSource{timeouts: 1 << 30}, camera.Opts{FrameTimeout: 20 * time.Millisecond}, camera.ErrNoFrame},
		{"start fails", &fakeSource{startErr: errors.New("EBUSY")}, camera.Opts{}, nil},
	}
	for _, tt := range tests {
		d := camera.NewWithSource(tt.src, &tt.opts)
		_, err := d.Capture(context.Background())
		switch {
		case tt.src.startErr != nil:
			if err == nil {
				t.Errorf("%s: no error", tt.name)
			}
		case !errors.Is(err, tt.want) && !(tt.want == nil && err == nil):
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	d := camera.NewWithSource(&fakeSource{timeouts: 1 << 30}, nil)
	if _, err := d.Capture(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	src := &fakeSource{}
	d = camera.NewWithSource(src, nil)
	d.Halt()
	if _, err := d.Capture(context.Background()); !errors.Is(err, camera.ErrClosed) || !src.closed {
		t.Errorf("after Halt: %v, closed %v", err, src.closed)
	}
}

func TestPickSize(t *testing.T) {
	sizes := []webcam.FrameSize{
		{MinWidth: 640, MaxWidth: 640, MinHeight: 480, MaxHeight: 480},
		{MinWidth: 3264, MaxWidth: 3264, MinHeight: 2448, MaxHeight: 2448},
		{MinWidth: 1920, MaxWidth: 1920, MinHeight: 1080, MaxHeight: 1080},
	}
	tests := []struct{ w, h, ww, wh uint32 }{
		{0, 0, 3264, 2448},
		{1280, 720, 1920, 1080},
		{640, 480, 640, 480},
		{5000, 5000, 3264, 2448},
	}
	for _, tt := range tests {
		if w, h := camera.PickSize(sizes, tt.w, tt.h); w != tt.ww || h != tt.wh {
			t.Errorf("%dx%d: got %dx%d, want %dx%d", tt.w, tt.h, w, h, tt.ww, tt.wh)
		}
	}
}

func TestFake(t *testing.T) {
	f := cameratest.New()
	s, err := f.Capture(context.Background())
	if err != nil || s.Width != 640 || s.Height != 480 {
		t.Fatalf("%v %v", s, err)
	}
	f.Err = camera.ErrNoFrame
	if _, err := f.Capture(context.Background()); !errors.Is(err, camera.ErrNoFrame) {
		t.Errorf("scripted error: %v", err)
	}
	if _, err := f.Capture(context.Background()); err != nil {
		t.Errorf("error not cleared: %v", err)
	}
	f.Delay = time.Hour
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := f.Capture(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("slow capture: %v", err)
	}
	f.Delay = 0
	f.Halt()
	if _, err := f.Capture(context.Background()); !errors.Is(err, camera.ErrClosed) || f.Captures() != 3 {
		t.Errorf("after Halt: %v, captures %d", err, f.Captures())
	}
}

// FuzzSplice: any input is rejected with a typed error or spliced into a
// frame that has tables and is the input plus exactly one DHT segment.
func FuzzSplice(f *testing.F) {
	f.Add(cameratest.JPEG(cameratest.Document(16, 8), true))
	f.Add(cameratest.JPEG(cameratest.Document(16, 8), false))
	f.Add([]byte{0xff, 0xd8, 0xff, 0xff, 0xff, 0xda, 0x00})
	f.Add([]byte{0xff, 0xd8, 0xff, 0xe0, 0x00, 0x02, 0xff, 0xda})
	f.Fuzz(func(t *testing.T, in []byte) {
		had, herr := camera.HasHuffman(in)
		out, err := camera.SpliceHuffman(in)
		if err != nil {
			if !errors.Is(err, camera.ErrNotJPEG) && !errors.Is(err, camera.ErrTruncated) {
				t.Fatalf("untyped error %v", err)
			}
			if herr == nil {
				t.Fatal("HasHuffman accepted what SpliceHuffman rejected")
			}
			return
		}
		if has, err := camera.HasHuffman(out); !has || err != nil {
			t.Fatalf("spliced frame: has=%v err=%v", has, err)
		}
		if had {
			if !bytes.Equal(out, in) {
				t.Fatal("frame with tables was changed")
			}
			return
		}
		i := bytes.Index(out, camera.DHT)
		if i < 0 || len(out) != len(in)+len(camera.DHT) || !bytes.Equal(append(out[:i:i], out[i+len(camera.DHT):]...), in) {
			t.Fatal("splice changed more than inserting the DHT segment")
		}
	})
}
