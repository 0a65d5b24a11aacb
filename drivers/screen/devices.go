package screen

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"hallq/drivers/screen/fbdev"
	"hallq/drivers/screen/touch"
	"hallq/drivers/screen/virtual"
)

// FramebufferOpts configures NewFramebufferDriver; the zero value plus a
// touch path suits most kiosks.
type FramebufferOpts struct {
	// Framebuffer is the device, default /dev/fb0.
	Framebuffer string
	// Mode is used when Framebuffer is a regular file (for tests and
	// screenshots); a real device reports its own.
	Mode *fbdev.Mode
	// Touch is the evdev device, preferably a stable
	// /dev/input/by-path/...-event link; "" means no touch screen.
	Touch string
	// Calibration, Rotation and Grab go to package touch; ranges left
	// empty are read from the device.
	Calibration touch.Calibration
	Rotation    int
	Grab        bool
	Opts
}

// NewFramebufferDriver opens the framebuffer and the touch screen. The
// touch device is reopened with backoff when it goes away, so a panel
// whose USB cable is pulled and plugged back works again without a
// restart.
func NewFramebufferDriver(o FramebufferOpts) (*Driver, error) {
	if o.Framebuffer == "" {
		o.Framebuffer = "/dev/fb0"
	}
	fb, err := fbdev.New(o.Framebuffer, &fbdev.Opts{Mode: o.Mode})
	if err != nil {
		return nil, fmt.Errorf("screen: %w", err)
	}
	var inputs []Input
	if o.Touch != "" {
		size := fb.Size()
		to := touch.Opts{Width: size.X, Height: size.Y, Calibration: o.Calibration, Rotation: o.Rotation, Grab: o.Grab}
		// Open once now so that a wrong path or option fails at start.
		first, err := touch.New(o.Touch, &to)
		if err != nil {
			fb.Close()
			return nil, fmt.Errorf("screen: %w", err)
		}
		inputs = append(inputs, newReopener(first, func() (Input, error) { return touch.New(o.Touch, &to) }, o.OnError))
	}
	return New(fb, &o.Opts, inputs...), nil
}

// reopener reads from an input and opens it again after a failure other
// than Close, waiting longer after each failed attempt.
type reopener struct {
	open    func() (Input, error)
	onError func(error)

	mu     sync.Mutex
	cur    Input
	closed bool
	wake   chan struct{}
}

const (
	reopenMin = 100 * time.Millisecond
	reopenMax = 5 * time.Second
)

func newReopener(first Input, open func() (Input, error), onError func(error)) *reopener {
	return &reopener{cur: first, open: open, onError: onError, wake: make(chan struct{})}
}

func (r *reopener) Read() (touch.Event, error) {
	backoff := reopenMin
	for {
		r.mu.Lock()
		in, closed := r.cur, r.closed
		r.mu.Unlock()
		if closed {
			return touch.Event{}, ErrClosed
		}
		if in == nil {
			n, err := r.open()
			if err != nil {
				select {
				case <-time.After(backoff):
				case <-r.wake:
				}
				backoff = min(2*backoff, reopenMax)
				continue
			}
			r.mu.Lock()
			if r.closed {
				r.mu.Unlock()
				n.Close()
				return touch.Event{}, ErrClosed
			}
			r.cur, in = n, n
			r.mu.Unlock()
			backoff = reopenMin
		}
		ev, err := in.Read()
		if err == nil {
			return ev, nil
		}
		r.mu.Lock()
		closed = r.closed
		r.cur = nil
		r.mu.Unlock()
		in.Close()
		if closed {
			return touch.Event{}, ErrClosed
		}
		if r.onError != nil {
			r.onError(fmt.Errorf("screen: touch lost, reopening: %w", err))
		}
	}
}

func (r *reopener) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	r.closed = true
	close(r.wake)
	if r.cur != nil {
		return r.cur.Close()
	}
	return nil
}

func (r *reopener) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return fmt.Sprintf("reopening %v", r.cur)
}

// VirtualDriver is a Driver drawing to a browser page; Addr is where the
// page is served.
type VirtualDriver struct {
	*Driver
	Screen *virtual.Dev
	Addr   string
	srv    *http.Server
}

// NewVirtualDriver serves a virtual screen of the given size on addr (for
// example "127.0.0.1:8090"; ":0" style addresses get a free port). Unless
// allowRemote is set, addr must be a loopback address, because anyone who
// can reach the page can operate the kiosk.
func NewVirtualDriver(addr string, width, height int, allowRemote bool) (*VirtualDriver, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("%w: address %q: %w", ErrOpts, addr, err)
	}
	if !allowRemote {
		ip := net.ParseIP(host)
		if host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return nil, fmt.Errorf("%w: %q is not a loopback address", ErrOpts, addr)
		}
	}
	vs, err := virtual.New(width, height, &virtual.Opts{AllowRemote: allowRemote})
	if err != nil {
		return nil, fmt.Errorf("screen: %w", err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("screen: listen: %w", err)
	}
	srv := &http.Server{Handler: vs, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			vs.Close()
		}
	}()
	return &VirtualDriver{Driver: New(vs, nil, vs), Screen: vs, Addr: ln.Addr().String(), srv: srv}, nil
}

// Close stops the server as well as the driver.
func (v *VirtualDriver) Close() error {
	err := v.Driver.Close()
	return errors.Join(err, v.srv.Close())
}
