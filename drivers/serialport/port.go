package serialport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/tarm/serial"
	"golang.org/x/sys/unix"
)

// Port is what protocol drivers use. Read returns ErrTimeout after one quiet
// read-timeout slice and ErrHangup when the device has gone; ReadContext
// waits for at least one byte until ctx is done.
type Port interface {
	io.ReadWriter
	// ReadContext reads at least one byte, or returns ctx.Err(), ErrHangup
	// or ErrClosed. It never blocks longer than ctx allows plus one slice.
	ReadContext(ctx context.Context, p []byte) (int, error)
	// Reopen closes and reopens the device, retrying with backoff until it
	// succeeds or ctx is done.
	Reopen(ctx context.Context) error
	// Flush discards bytes received but not yet read (stale answers).
	Flush() error
	Close() error
	String() string
}

// Opts configures a Dev.
type Opts struct {
	// Baud is the line speed, 8N1 is implied.
	Baud int
	// ReadTimeout is the VTIME slice (100 ms steps, at least 100 ms).
	ReadTimeout time.Duration
	// HangupEOFs is how many fast EOFs in a row mean hang-up.
	HangupEOFs int
	// BackoffMin and BackoffMax bound the Reopen retry delay.
	BackoffMin, BackoffMax time.Duration
}

// DefaultOpts are 115200 baud, a 100 ms slice, three fast EOFs for hang-up
// and a reopen backoff from 100 ms to 5 s.
var DefaultOpts = Opts{
	Baud:        115200,
	ReadTimeout: 100 * time.Millisecond,
	HangupEOFs:  3,
	BackoffMin:  100 * time.Millisecond,
	BackoffMax:  5 * time.Second,
}

// Dev is a serial port opened through tarm/serial. It is safe for one reader
// and one writer at a time; Close and Reopen may be called concurrently.
type Dev struct {
	name string
	opts Opts

	mu   sync.Mutex
	p    *serial.Port // nil while closed or between reopen attempts
	ctl  *os.File     // second descriptor on the same tty, for ioctls tarm lacks
	gone bool         // hang-up seen, waiting for Reopen
	shut bool         // Close called

	fastEOFs int // touched only by the reading goroutine
}

// New opens name (prefer a /dev/serial/by-id/... path). A nil opts means
// DefaultOpts; zero fields take their defaults.
func New(name string, opts *Opts) (*Dev, error) {
	o := DefaultOpts
	if opts != nil {
		o = *opts
		if o.Baud == 0 {
			o.Baud = DefaultOpts.Baud
		}
		if o.ReadTimeout < 100*time.Millisecond {
			o.ReadTimeout = DefaultOpts.ReadTimeout
		}
		if o.HangupEOFs <= 0 {
			o.HangupEOFs = DefaultOpts.HangupEOFs
		}
		if o.BackoffMin <= 0 {
			o.BackoffMin = DefaultOpts.BackoffMin
		}
		if o.BackoffMax < o.BackoffMin {
			o.BackoffMax = max(DefaultOpts.BackoffMax, o.BackoffMin)
		}
	}
	d := &Dev{name: name, opts: o}
	p, ctl, err := d.open()
	if err != nil {
		return nil, err
	}
	d.p, d.ctl = p, ctl
	return d, nil
}

func (d *Dev) open() (*serial.Port, *os.File, error) {
	p, err := serial.OpenPort(&serial.Config{Name: d.name, Baud: d.opts.Baud, ReadTimeout: d.opts.ReadTimeout})
	if err != nil {
		return nil, nil, fmt.Errorf("serialport: open %s: %w", d.name, err)
	}
	// tarm/serial's Flush discards unsent output too (TCIOFLUSH), which
	// would drop a print job still in the UART queue; input-only flush
	// needs the descriptor tarm hides, so keep a second one. Queues belong
	// to the tty, not the descriptor.
	ctl, err := os.OpenFile(d.name, os.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK, 0)
	if err != nil {
		p.Close()
		return nil, nil, fmt.Errorf("serialport: open %s: %w", d.name, err)
	}
	return p, ctl, nil
}

// String returns the port name and speed.
func (d *Dev) String() string { return fmt.Sprintf("serialport(%s@%d)", d.name, d.opts.Baud) }

// Name returns the path the port was opened with.
func (d *Dev) Name() string { return d.name }

// Baud returns the current line speed.
func (d *Dev) Baud() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.opts.Baud
}

func (d *Dev) port() (*serial.Port, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case d.shut:
		return nil, ErrClosed
	case d.gone || d.p == nil:
		return nil, fmt.Errorf("%w: %s", ErrHangup, d.name)
	}
	return d.p, nil
}

func (d *Dev) hangup() error {
	d.mu.Lock()
	d.gone = true
	d.mu.Unlock()
	return fmt.Errorf("%w: %s", ErrHangup, d.name)
}

// Read reads at most one timeout slice.
func (d *Dev) Read(b []byte) (int, error) {
	p, err := d.port()
	if err != nil {
		return 0, err
	}
	if len(b) == 0 {
		return 0, nil
	}
	start := time.Now()
	n, err := p.Read(b)
	if n > 0 {
		d.fastEOFs = 0
		return n, nil
	}
	switch {
	case err == nil || errors.Is(err, io.EOF):
		// tarm/serial reports both a VTIME expiry and a vanished device as
		// EOF; only the elapsed time tells them apart.
		if time.Since(start) >= d.opts.ReadTimeout/2 {
			d.fastEOFs = 0
			return 0, ErrTimeout
		}
		d.fastEOFs++
		if d.fastEOFs >= d.opts.HangupEOFs {
			d.fastEOFs = 0
			return 0, d.hangup()
		}
		// A single fast EOF can be a slice that started late; wait out the
		// rest of the slice so callers never spin.
		time.Sleep(d.opts.ReadTimeout / 2)
		return 0, ErrTimeout
	case errors.Is(err, syscall.EIO), errors.Is(err, syscall.ENXIO), errors.Is(err, syscall.ENODEV), errors.Is(err, os.ErrClosed):
		if d.isShut() {
			return 0, ErrClosed
		}
		return 0, d.hangup()
	}
	return 0, fmt.Errorf("serialport: read %s: %w", d.name, err)
}

func (d *Dev) isShut() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.shut
}

// ReadContext reads until at least one byte arrives or ctx is done.
func (d *Dev) ReadContext(ctx context.Context, b []byte) (int, error) {
	for {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		n, err := d.Read(b)
		if errors.Is(err, ErrTimeout) {
			continue
		}
		return n, err
	}
}

// Write writes all of b.
func (d *Dev) Write(b []byte) (int, error) {
	p, err := d.port()
	if err != nil {
		return 0, err
	}
	n, err := p.Write(b)
	if err != nil {
		if errors.Is(err, syscall.EIO) || errors.Is(err, syscall.ENXIO) || errors.Is(err, syscall.ENODEV) {
			return n, d.hangup()
		}
		return n, fmt.Errorf("serialport: write %s: %w", d.name, err)
	}
	return n, nil
}

// Flush discards received bytes not yet read (stale answers). Bytes
// written but not yet sent are kept.
func (d *Dev) Flush() error {
	if _, err := d.port(); err != nil {
		return err
	}
	d.mu.Lock()
	ctl := d.ctl
	d.mu.Unlock()
	if ctl == nil {
		return nil
	}
	if err := unix.IoctlSetInt(int(ctl.Fd()), unix.TCFLSH, unix.TCIFLUSH); err != nil {
		return fmt.Errorf("serialport: flush %s: %w", d.name, err)
	}
	return nil
}

// SetBaud reopens the port at another speed (used by baud probing).
func (d *Dev) SetBaud(ctx context.Context, baud int) error {
	d.mu.Lock()
	d.opts.Baud = baud
	d.mu.Unlock()
	return d.Reopen(ctx)
}

// Reopen closes the device and opens it again, with exponential backoff
// between attempts, until it succeeds, Close is called or ctx is done.
func (d *Dev) Reopen(ctx context.Context) error {
	d.mu.Lock()
	if d.shut {
		d.mu.Unlock()
		return ErrClosed
	}
	old, oldCtl := d.p, d.ctl
	d.p, d.ctl, d.gone = nil, nil, true
	d.mu.Unlock()
	// The old descriptors may already be dead; nothing to report.
	if old != nil {
		old.Close()
	}
	if oldCtl != nil {
		oldCtl.Close()
	}
	delay := d.opts.BackoffMin
	for {
		p, ctl, err := d.open()
		if err == nil {
			d.mu.Lock()
			if d.shut {
				d.mu.Unlock()
				p.Close()
				ctl.Close()
				return ErrClosed
			}
			d.p, d.ctl, d.gone, d.fastEOFs = p, ctl, false, 0
			d.mu.Unlock()
			return nil
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("serialport: reopen %s: %w (last: %v)", d.name, ctx.Err(), err)
		case <-t.C:
		}
		delay = min(delay*2, d.opts.BackoffMax)
	}
}

// Close closes the port; a concurrent Read returns within one slice.
func (d *Dev) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.shut {
		return nil
	}
	d.shut = true
	if d.ctl != nil {
		d.ctl.Close()
	}
	if d.p != nil {
		return d.p.Close()
	}
	return nil
}

// Halt closes the port (periph.io driver shape).
func (d *Dev) Halt() error { return d.Close() }

// StablePath returns the /dev/serial/by-id link that points at dev (for
// example /dev/ttyUSB0), or dev itself if there is none. USB adapters get a
// new ttyUSBn number when replugged; the by-id name stays.
func StablePath(dev string) string {
	return stablePathIn("/dev/serial/by-id", dev)
}

func stablePathIn(dir, dev string) string {
	target, err := filepath.EvalSymlinks(dev)
	if err != nil {
		return dev
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return dev
	}
	for _, e := range ents {
		p := filepath.Join(dir, e.Name())
		if t, err := filepath.EvalSymlinks(p); err == nil && t == target {
			return p
		}
	}
	return dev
}

var _ Port = (*Dev)(nil)
