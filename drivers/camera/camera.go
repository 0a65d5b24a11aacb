package camera

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"sync"
	"time"

	"github.com/blackjack/webcam"
)

// Still is one captured image.
type Still struct {
	// JPEG always decodes with image/jpeg: Huffman tables are spliced in
	// when the camera left them out.
	JPEG          []byte
	Width, Height int
	Time          time.Time
}

// NewStill checks a camera frame, splices in Huffman tables when needed
// and reads its size. The Still may share frame's memory.
func NewStill(frame []byte, t time.Time) (*Still, error) {
	b, err := SpliceHuffman(frame)
	if err != nil {
		return nil, err
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotJPEG, err)
	}
	return &Still{JPEG: b, Width: cfg.Width, Height: cfg.Height, Time: t}, nil
}

// Decode decodes the JPEG.
func (s *Still) Decode() (image.Image, error) {
	img, err := jpeg.Decode(bytes.NewReader(s.JPEG))
	if err != nil {
		return nil, fmt.Errorf("camera: decode: %w", err)
	}
	return img, nil
}

// Camera is what a kiosk needs from a document camera.
type Camera interface {
	// Capture takes one still image. Errors wrap this package's
	// sentinels; show Message to the citizen.
	Capture(ctx context.Context) (*Still, error)
	Halt() error
	String() string
}

// Opts configures a V4L2 camera.
type Opts struct {
	// Width and Height request a frame size; the camera's smallest MJPEG
	// size at least this large is used, or its largest if none is. Zero
	// picks the largest, which is what documents need.
	Width, Height uint32
	// SettleFrames are discarded after streaming starts, while automatic
	// exposure and white balance adjust. Default 5; -1 for none.
	SettleFrames int
	// FrameTimeout bounds the wait for each frame. Default 3 s (some
	// cameras take over a second for their first frame).
	FrameTimeout time.Duration
	// Buffers is the number of V4L2 buffers. Default 4.
	Buffers uint32
}

// DefaultOpts picks the largest MJPEG size and settles for 5 frames.
var DefaultOpts = Opts{SettleFrames: 5, FrameTimeout: 3 * time.Second, Buffers: 4}

// maxBadFrames is how many corrupt frames in a row a capture tolerates
// before failing: USB cameras drop the odd transfer.
const maxBadFrames = 3

// v4l2MJPEG is the MJPG fourcc.
const v4l2MJPEG = webcam.PixelFormat('M' | 'J'<<8 | 'P'<<16 | 'G'<<24)

// source is the part of *webcam.Webcam that Dev uses, so tests can drive
// Dev with recorded frames.
type source interface {
	StartStreaming() error
	StopStreaming() error
	WaitForFrame(timeoutSeconds uint32) error
	GetFrame() ([]byte, uint32, error)
	ReleaseFrame(index uint32) error
	Close() error
}

// Dev is a V4L2 document camera.
type Dev struct {
	name string
	opts Opts

	mu     sync.Mutex
	src    source
	closed bool
}

var _ Camera = (*Dev)(nil)

// New opens a camera such as /dev/video0 (better a stable
// /dev/v4l/by-id/... link) and selects an MJPEG size.
func New(path string, opts *Opts) (*Dev, error) {
	o := normalise(opts)
	cam, err := webcam.Open(path)
	if err != nil {
		return nil, fmt.Errorf("camera: open %s: %w", path, err)
	}
	if _, ok := cam.GetSupportedFormats()[v4l2MJPEG]; !ok {
		cam.Close()
		return nil, fmt.Errorf("%w: %s", ErrFormat, path)
	}
	w, h := pickSize(cam.GetSupportedFrameSizes(v4l2MJPEG), o.Width, o.Height)
	if _, _, _, err := cam.SetImageFormat(v4l2MJPEG, w, h); err != nil {
		cam.Close()
		return nil, fmt.Errorf("camera: set format %dx%d: %w", w, h, err)
	}
	if err := cam.SetBufferCount(o.Buffers); err != nil {
		cam.Close()
		return nil, fmt.Errorf("camera: buffers: %w", err)
	}
	name := path
	if n, err := cam.GetName(); err == nil {
		name = fmt.Sprintf("%s %q %dx%d", path, n, w, h)
	}
	return newDev(cam, name, o), nil
}

func normalise(opts *Opts) Opts {
	o := DefaultOpts
	if opts != nil {
		o = *opts
	}
	if o.SettleFrames == 0 {
		o.SettleFrames = DefaultOpts.SettleFrames
	}
	if o.SettleFrames < 0 {
		o.SettleFrames = 0
	}
	if o.FrameTimeout <= 0 {
		o.FrameTimeout = DefaultOpts.FrameTimeout
	}
	if o.Buffers == 0 {
		o.Buffers = DefaultOpts.Buffers
	}
	return o
}

func newDev(src source, name string, o Opts) *Dev {
	return &Dev{src: src, name: name, opts: o}
}

// pickSize chooses the smallest size covering w x h, or the largest.
func pickSize(sizes []webcam.FrameSize, w, h uint32) (uint32, uint32) {
	var bw, bh, lw, lh uint32
	for _, s := range sizes {
		// Stepwise ranges offer their maximum; discrete ones have Min == Max.
		sw, sh := s.MaxWidth, s.MaxHeight
		if sw*sh > lw*lh {
			lw, lh = sw, sh
		}
		if (w != 0 || h != 0) && sw >= w && sh >= h && (bw == 0 || sw*sh < bw*bh) {
			bw, bh = sw, sh
		}
	}
	if bw != 0 {
		return bw, bh
	}
	return lw, lh
}

func (d *Dev) String() string { return "camera(" + d.name + ")" }

// Capture streams, discards the settle frames and returns the next good
// frame.
func (d *Dev) Capture(ctx context.Context) (*Still, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil, ErrClosed
	}
	if err := d.src.StartStreaming(); err != nil {
		return nil, fmt.Errorf("camera: start streaming: %w", err)
	}
	defer d.src.StopStreaming()
	for i := 0; i < d.opts.SettleFrames; i++ {
		if _, err := d.frame(ctx); err != nil {
			return nil, err
		}
	}
	var lastErr error
	for bad := 0; bad < maxBadFrames; bad++ {
		f, err := d.frame(ctx)
		if err != nil {
			return nil, err
		}
		s, err := NewStill(f, time.Now())
		if err == nil {
			return s, nil
		}
		lastErr = err
	}
	return nil, fmt.Errorf("camera: %d bad frames in a row: %w", maxBadFrames, lastErr)
}

// frame waits for one frame. webcam's wait is in whole seconds, so the
// context is checked between one-second waits.
func (d *Dev) frame(ctx context.Context) ([]byte, error) {
	deadline := time.Now().Add(d.opts.FrameTimeout)
	for {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("camera: %w", err)
		}
		if !time.Now().Before(deadline) {
			return nil, fmt.Errorf("%w within %v", ErrNoFrame, d.opts.FrameTimeout)
		}
		err := d.src.WaitForFrame(1)
		var timeout *webcam.Timeout
		if errors.As(err, &timeout) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("camera: wait for frame: %w", err)
		}
		f, idx, err := d.src.GetFrame()
		if err != nil {
			return nil, fmt.Errorf("camera: read frame: %w", err)
		}
		// The buffer is the driver's memory and goes back to it at once.
		f = bytes.Clone(f)
		if err := d.src.ReleaseFrame(idx); err != nil {
			return nil, fmt.Errorf("camera: release frame: %w", err)
		}
		if len(f) > 0 {
			return f, nil
		}
	}
}

// Halt closes the camera.
func (d *Dev) Halt() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil
	}
	d.closed = true
	if err := d.src.Close(); err != nil {
		return fmt.Errorf("camera: close: %w", err)
	}
	return nil
}
