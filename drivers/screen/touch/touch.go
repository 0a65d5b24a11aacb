package touch

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Opts configures a touch device.
type Opts struct {
	// Width and Height are the screen size in pixels that events are
	// scaled to. Required.
	Width, Height int
	// Calibration gives the raw ranges and axis fixes. When its ranges are
	// empty, New asks the device (EVIOCGABS) and keeps the Swap and Invert
	// flags given here; NewReader has no device to ask and fails.
	Calibration Calibration
	// Rotation is 0, 90, 180 or 270: how far the panel's picture of the
	// touch must be turned clockwise to match the display.
	Rotation int
	// Grab takes the device exclusively (EVIOCGRAB) so that the console
	// or another program does not also act on the touches.
	Grab bool
	// EventSize is the size of struct input_event: 24 (default, 64-bit
	// programs) or 16 (32-bit programs).
	EventSize int
	// MaxSlots bounds the multi-touch slots tracked; contacts in higher
	// slots are ignored. Default 10.
	MaxSlots int
}

// DefaultOpts is a starting point: fill in Width and Height.
var DefaultOpts = Opts{EventSize: eventSize64, MaxSlots: defaultMaxSlots}

// Dev is a touch screen.
type Dev struct {
	name string
	f    *os.File // nil for NewReader
	dec  *Decoder
	tr   *tracker
	head int // next unread event in tr.out
	cal  Calibration

	mu     sync.Mutex
	closed bool
}

// New opens an evdev device such as /dev/input/event0 or a stable
// /dev/input/by-path/...-event link.
func New(path string, opts *Opts) (*Dev, error) {
	if opts == nil {
		return nil, fmt.Errorf("%w: nil options: screen size is required", ErrOpts)
	}
	o := *opts
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("touch: open: %w", err)
	}
	if !o.Calibration.valid() {
		cal, err := deviceCalibration(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("%w: %s: %w", ErrCalibration, path, err)
		}
		cal.SwapXY, cal.InvertX, cal.InvertY = o.Calibration.SwapXY, o.Calibration.InvertX, o.Calibration.InvertY
		o.Calibration = cal
	}
	d, err := newDev(f, path, &o)
	if err != nil {
		f.Close()
		return nil, err
	}
	if o.Grab {
		if err := ioctlInt(f, eviocgrab, 1); err != nil {
			f.Close()
			return nil, fmt.Errorf("touch: grab %s: %w", path, err)
		}
	}
	if name, err := deviceName(f); err == nil {
		d.name = fmt.Sprintf("%s %q", path, name)
	}
	return d, nil
}

// NewReader reads recorded or emulated events from r. Calibration ranges
// must be given.
func NewReader(r io.Reader, opts *Opts) (*Dev, error) {
	if opts == nil {
		return nil, fmt.Errorf("%w: nil options: screen size is required", ErrOpts)
	}
	if !opts.Calibration.valid() {
		return nil, fmt.Errorf("%w: ranges %+v", ErrCalibration, opts.Calibration)
	}
	return newDev(r, "reader", opts)
}

func newDev(r io.Reader, name string, o *Opts) (*Dev, error) {
	if o.Width <= 0 || o.Height <= 0 || o.Width > 1<<15 || o.Height > 1<<15 {
		return nil, fmt.Errorf("%w: screen %dx%d", ErrOpts, o.Width, o.Height)
	}
	switch o.Rotation {
	case 0, 90, 180, 270:
	default:
		return nil, fmt.Errorf("%w: rotation %d", ErrOpts, o.Rotation)
	}
	size := o.EventSize
	if size == 0 {
		size = eventSize64
	}
	slots := o.MaxSlots
	if slots == 0 {
		slots = defaultMaxSlots
	}
	if slots < 1 || slots > maxSlotsLimit {
		return nil, fmt.Errorf("%w: %d slots", ErrOpts, slots)
	}
	dec, err := NewDecoder(r, size)
	if err != nil {
		return nil, err
	}
	f, _ := r.(*os.File)
	return &Dev{
		name: name, f: f, dec: dec, cal: o.Calibration,
		tr: newTracker(o.Calibration, o.Rotation, o.Width, o.Height, slots),
	}, nil
}

// Read blocks until the next touch event. It returns io.EOF at the end of
// a recording, ErrTruncated for a cut record and ErrClosed after Close.
func (d *Dev) Read() (Event, error) {
	if d.head == len(d.tr.out) {
		d.head, d.tr.out = 0, d.tr.out[:0]
	}
	for len(d.tr.out) == 0 {
		e, err := d.dec.Next()
		if err != nil {
			d.mu.Lock()
			closed := d.closed
			d.mu.Unlock()
			if closed || errors.Is(err, os.ErrClosed) {
				return Event{}, ErrClosed
			}
			if err == io.EOF {
				return Event{}, io.EOF
			}
			return Event{}, fmt.Errorf("touch: read: %w", err)
		}
		d.tr.feed(e)
	}
	ev := d.tr.out[d.head]
	d.head++
	return ev, nil
}

// Calibration returns the calibration in use, including ranges read from
// the device.
func (d *Dev) Calibration() Calibration { return d.cal }

func (d *Dev) String() string { return "touch(" + d.name + ")" }

// Halt releases a grab so the console sees touches again; the device stays
// open.
func (d *Dev) Halt() error {
	if d.f == nil {
		return nil
	}
	if err := ioctlInt(d.f, eviocgrab, 0); err != nil && !errors.Is(err, unix.EINVAL) {
		return fmt.Errorf("touch: ungrab: %w", err)
	}
	return nil
}

// Close closes the device; a Read blocked on it returns ErrClosed. For
// NewReader it closes the reader when it is an io.Closer.
func (d *Dev) Close() error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil
	}
	d.closed = true
	d.mu.Unlock()
	var err error
	if d.f != nil {
		err = d.f.Close()
	}
	if err != nil {
		return fmt.Errorf("touch: close: %w", err)
	}
	return nil
}

// evdev ioctls (linux/input.h).
const (
	iocRead      = 2
	iocWrite     = 1
	eviocgrab    = iocWrite<<30 | 4<<16 | 'E'<<8 | 0x90
	absinfoSize  = 24
	eviocgname64 = iocRead<<30 | 64<<16 | 'E'<<8 | 0x06
)

func eviocgabs(axis int) uintptr {
	return iocRead<<30 | absinfoSize<<16 | 'E'<<8 | uintptr(0x40+axis)
}

// absinfo is struct input_absinfo.
type absinfo struct {
	Value, Minimum, Maximum, Fuzz, Flat, Resolution int32
}

// deviceCalibration reads the axis ranges, preferring the multi-touch axes
// that protocol B devices report positions on.
func deviceCalibration(f *os.File) (Calibration, error) {
	var cal Calibration
	var firstErr error
	for _, axes := range [][2]int{{AbsMTPositionX, AbsMTPositionY}, {AbsX, AbsY}} {
		var ax, ay absinfo
		errX := ioctlPtr(f, eviocgabs(axes[0]), unsafe.Pointer(&ax))
		errY := ioctlPtr(f, eviocgabs(axes[1]), unsafe.Pointer(&ay))
		if err := errors.Join(errX, errY); err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		cal = Calibration{MinX: ax.Minimum, MaxX: ax.Maximum, MinY: ay.Minimum, MaxY: ay.Maximum}
		if cal.valid() {
			return cal, nil
		}
	}
	if firstErr == nil {
		firstErr = errors.New("device reports no absolute axes")
	}
	return cal, firstErr
}

func deviceName(f *os.File) (string, error) {
	var b [64]byte
	if err := ioctlPtr(f, eviocgname64, unsafe.Pointer(&b[0])); err != nil {
		return "", err
	}
	n := 0
	for n < len(b) && b[n] != 0 {
		n++
	}
	return string(b[:n]), nil
}

// ioctlPtr passes a pointer; the conversion to uintptr happens in the
// Syscall call expression so the pointee stays valid for the call.
func ioctlPtr(f *os.File, req uintptr, arg unsafe.Pointer) error {
	return control(f, func(fd uintptr) unix.Errno {
		_, _, errno := unix.Syscall(unix.SYS_IOCTL, fd, req, uintptr(arg))
		return errno
	})
}

func ioctlInt(f *os.File, req uintptr, arg uintptr) error {
	return control(f, func(fd uintptr) unix.Errno {
		_, _, errno := unix.Syscall(unix.SYS_IOCTL, fd, req, arg)
		return errno
	})
}

func control(f *os.File, call func(fd uintptr) unix.Errno) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var errno unix.Errno
	if cerr := rc.Control(func(fd uintptr) {
		errno = call(fd)
	}); cerr != nil {
		return cerr
	}
	if errno != 0 {
		return errno
	}
	return nil
}
