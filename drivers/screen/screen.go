package screen

import (
	"errors"
	"fmt"
	"image"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/embedded"

	"hallq/drivers/screen/touch"
)

// Display is where frames go: *fbdev.Dev and *virtual.Dev.
type Display interface {
	Size() image.Point
	Draw(image.Image) error
}

// Input is where touches come from: *touch.Dev and *virtual.Dev. Read
// blocks; Close must make a blocked Read return.
type Input interface {
	Read() (touch.Event, error)
	Close() error
}

// Opts configures a Driver.
type Opts struct {
	// OnError is told about frames that could not be drawn and inputs
	// that failed. It runs on fyne's goroutine or an input goroutine and
	// must not block. Nil drops the errors; Driver.Err keeps the last.
	OnError func(error)
	// QueueLen is the number of touch events buffered for fyne. Default 64.
	QueueLen int
	// RenderScale lets fyne paint a canvas RenderScale times smaller
	// than the display, scaled up when drawn; touches are scaled down to
	// match. fyne's software painter costs time in proportion to the
	// pixels it paints, so 1.5 on a 1920x1080 kiosk paints 1280x720 in
	// under half the time. 0 or 1 paints at the display's resolution;
	// values outside 1..4 are taken as 1.
	RenderScale float64
	// Smooth scales up with bilinear interpolation instead of nearest
	// pixel: softer edges at non-integer scales, at a higher cost.
	Smooth bool
}

// Driver implements fyne's embedded.Driver.
type Driver struct {
	disp   Display
	inputs []Input
	opts   Opts
	events chan embedded.Event

	startOnce sync.Once
	closeOnce sync.Once
	wg        sync.WaitGroup
	stop      chan struct{}

	rend    *renderer // used on fyne's goroutine only
	frames  atomic.Uint64
	skipped atomic.Uint64
	lastErr atomic.Pointer[error]
	onFrame atomic.Pointer[func()]
}

var _ embedded.Driver = (*Driver)(nil)

// New joins a display and any number of inputs (none for a screen without
// touch).
func New(disp Display, opts *Opts, inputs ...Input) *Driver {
	d := &Driver{disp: disp, inputs: inputs, stop: make(chan struct{})}
	if opts != nil {
		d.opts = *opts
	}
	if d.opts.QueueLen <= 0 {
		d.opts.QueueLen = 64
	}
	d.events = make(chan embedded.Event, d.opts.QueueLen)
	d.rend = newRenderer(disp.Size(), d.opts.RenderScale, d.opts.Smooth)
	return d
}

// Render draws one frame; fyne calls it after every change. Only what
// differs from the previous frame reaches the display, and a frame equal to
// the previous one is not drawn at all (it still counts as a frame: the
// screen shows it).
func (d *Driver) Render(img image.Image) {
	if d.stopped() {
		return // fyne draws once more after the quit request
	}
	rd, regions := d.disp.(RegionDrawer)
	out, dmg := d.rend.frame(img, regions)
	var err error
	switch {
	case dmg.Empty():
		d.skipped.Add(1)
	case regions:
		err = rd.DrawRegion(out, dmg)
	default:
		err = d.disp.Draw(out)
	}
	if err != nil {
		if !d.stopped() {
			d.report(fmt.Errorf("screen: draw: %w", err))
		}
		d.rend.prev = nil // redraw everything next time
		return
	}
	d.frames.Add(1)
	if f := d.onFrame.Load(); f != nil {
		(*f)()
	}
}

// Run starts reading the inputs and runs fyne's event loop f on the
// calling goroutine; it returns when the loop ends (after Close).
func (d *Driver) Run(f func()) {
	d.Start()
	f()
}

// Start begins feeding touches into the queue. Run calls it; it is
// exported for programs and tests that consume Queue themselves.
func (d *Driver) Start() {
	d.startOnce.Do(func() {
		for _, in := range d.inputs {
			d.wg.Add(1)
			go d.pump(in)
		}
	})
}

func (d *Driver) pump(in Input) {
	defer d.wg.Done()
	for {
		ev, err := in.Read()
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, touch.ErrClosed) && !errors.Is(err, ErrClosed) {
				d.report(fmt.Errorf("screen: input: %w", err))
			}
			return
		}
		var e embedded.Event
		pos := fyne.NewPos(ev.X*d.rend.tx, ev.Y*d.rend.ty)
		switch ev.Kind {
		case touch.Down:
			e = &embedded.TouchDownEvent{Position: pos, ID: ev.ID}
		case touch.Move:
			e = &embedded.TouchMoveEvent{Position: pos, ID: ev.ID}
		case touch.Up:
			e = &embedded.TouchUpEvent{Position: pos, ID: ev.ID}
		default:
			continue
		}
		select {
		case d.events <- e:
		case <-d.stop:
			return
		}
	}
}

// ScreenSize is the size fyne paints: the display size divided by
// RenderScale. fyne's embedded canvas draws at scale 1, so one fyne unit is
// one painted pixel.
func (d *Driver) ScreenSize() fyne.Size {
	s := d.rend.logical
	return fyne.NewSize(float32(s.X), float32(s.Y))
}

// SetRenderScale changes Opts.RenderScale and Opts.Smooth, for drivers
// built by NewVirtualDriver. Call it before the fyne app is created (fyne
// asks ScreenSize once, when the window is made) and before Run.
func (d *Driver) SetRenderScale(scale float64, smooth bool) {
	d.opts.RenderScale, d.opts.Smooth = scale, smooth
	d.rend = newRenderer(d.disp.Size(), scale, smooth)
}

// refreshID is the touch id of Refresh's event, which no panel reports
// (ids are slot numbers, small and non-negative).
const refreshID = -0x5eed

// Refresh asks fyne to paint the window again. fyne 2.7's embedded driver
// paints only after an input event, not after fyne.Do: a screen changed by
// a background goroutine (a card read, a timeout) stays unseen until the
// next touch unless the program calls Refresh after the change. The event
// is a touch move of an id that never went down, which fyne ignores apart
// from painting. It never blocks: when the queue is full a paint is coming
// anyway.
func (d *Driver) Refresh() {
	select {
	case d.events <- &embedded.TouchMoveEvent{ID: refreshID}:
	default:
	}
}

// Queue carries touch events to fyne. A nil event asks fyne to quit.
func (d *Driver) Queue() chan embedded.Event { return d.events }

// Frames is the number of frames drawn so far.
func (d *Driver) Frames() uint64 { return d.frames.Load() }

// Skipped is the number of frames fyne painted that were equal to the
// one before, so nothing was sent to the display.
func (d *Driver) Skipped() uint64 { return d.skipped.Load() }

// Err returns the last draw or input error, nil if none.
func (d *Driver) Err() error {
	if p := d.lastErr.Load(); p != nil {
		return *p
	}
	return nil
}

// OnFrame sets a function called after each frame is drawn, on fyne's
// goroutine; for tests and frame counters. It must not block.
func (d *Driver) OnFrame(f func()) {
	if f == nil {
		d.onFrame.Store(nil)
		return
	}
	d.onFrame.Store(&f)
}

func (d *Driver) stopped() bool {
	select {
	case <-d.stop:
		return true
	default:
		return false
	}
}

func (d *Driver) report(err error) {
	d.lastErr.Store(&err)
	if d.opts.OnError != nil {
		d.opts.OnError(err)
	}
}

// Close stops the inputs, asks fyne's loop to quit and closes the display
// when it can be closed. The screen keeps showing the last frame.
func (d *Driver) Close() error {
	var err error
	d.closeOnce.Do(func() {
		close(d.stop)
		for _, in := range d.inputs {
			err = errors.Join(err, in.Close())
		}
		d.wg.Wait()
		// fyne treats a nil event as quit. Do not block if nobody runs
		// the loop any more.
		select {
		case d.events <- nil:
		case <-time.After(time.Second):
		}
		if c, ok := d.disp.(io.Closer); ok {
			err = errors.Join(err, c.Close())
		}
	})
	return err
}

func (d *Driver) String() string {
	s := fmt.Sprintf("screen(%v", d.disp)
	for _, in := range d.inputs {
		s += fmt.Sprintf(", %v", in)
	}
	return s + ")"
}
