package escpos

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"hallq/drivers/serialport"
)

// Opts configures a printer Dev.
type Opts struct {
	Profile Profile
	// ReplyTimeout is how long a DLE EOT reply may take; no reply means
	// offline or unplugged.
	ReplyTimeout time.Duration
	// Chunk is how many bytes are written at a time; status is never polled
	// inside a job, so it only bounds one write call.
	Chunk int
	// ASB enables automatic status back on printers whose profile has it.
	ASB    bool
	Logger *slog.Logger
}

// DefaultOpts: an 80 mm printer, 500 ms reply timeout, ASB on.
var DefaultOpts = Opts{Profile: Generic80, ReplyTimeout: 500 * time.Millisecond, Chunk: 512, ASB: true}

// Dev is a receipt printer on a serial port. All traffic goes through one
// lock, so jobs and status polls never interleave: a status request inside
// a raster transfer would be printed as image bytes.
type Dev struct {
	port serialport.Port
	opts Opts
	log  *slog.Logger

	mu     sync.Mutex // owns the port
	scan   StatusScanner
	status Status
	rbuf   []byte

	stMu   sync.Mutex
	last   Status
	lastOK bool
}

// New wraps port. It sends ESC @ and, when enabled, turns on automatic
// status back; it does not fail if the printer is silent (it may be off):
// Status reports that.
func New(port serialport.Port, opts *Opts) (*Dev, error) {
	if port == nil {
		return nil, errors.New("escpos: nil port")
	}
	o := DefaultOpts
	if opts != nil {
		o = *opts
		if o.Profile.Dots == 0 {
			o.Profile = DefaultOpts.Profile
		}
		if o.ReplyTimeout <= 0 {
			o.ReplyTimeout = DefaultOpts.ReplyTimeout
		}
		if o.Chunk <= 0 {
			o.Chunk = DefaultOpts.Chunk
		}
	}
	l := o.Logger
	if l == nil {
		l = slog.New(slog.DiscardHandler)
	}
	d := &Dev{port: port, opts: o, log: l, rbuf: make([]byte, 64)}
	init := []byte{0x1B, 0x40}
	if o.ASB && o.Profile.ASB {
		// Report online/offline, errors and paper sensors.
		init = append(init, 0x1D, 0x61, 0x0E)
	}
	if _, err := port.Write(init); err != nil {
		return nil, fmt.Errorf("escpos: init: %w", err)
	}
	return d, nil
}

// String names the printer.
func (d *Dev) String() string { return "escpos(" + d.opts.Profile.Name + "," + d.port.String() + ")" }

// Halt closes the port.
func (d *Dev) Halt() error { return d.port.Close() }

// Builder returns a builder for this printer's profile.
func (d *Dev) Builder(r Rasterizer) *Builder { return NewBuilder(d.opts.Profile, r) }

// Last returns the most recent status and whether there is one.
func (d *Dev) Last() (Status, bool) {
	d.stMu.Lock()
	defer d.stMu.Unlock()
	return d.last, d.lastOK
}

func (d *Dev) record(s Status) {
	d.stMu.Lock()
	d.last, d.lastOK = s, true
	d.stMu.Unlock()
}

// query sends DLE EOT n and waits for its reply, absorbing ASB groups.
// Caller holds mu.
func (d *Dev) query(ctx context.Context, n int) error {
	if _, err := d.port.Write([]byte{0x10, 0x04, byte(n)}); err != nil {
		return fmt.Errorf("escpos: status request: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, d.opts.ReplyTimeout)
	defer cancel()
	for {
		k, err := d.port.ReadContext(ctx, d.rbuf)
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				return fmt.Errorf("%w: no reply to DLE EOT %d within %v", ErrOffline, n, d.opts.ReplyTimeout)
			}
			return fmt.Errorf("escpos: status: %w", err)
		}
		for i, b := range d.rbuf[:k] {
			reply, ok, group := d.scan.Feed(b)
			if group != nil {
				if s, err := ParseASB(group); err == nil {
					d.mergeASB(s)
				}
			}
			if ok {
				if i != k-1 {
					// More bytes followed the reply: feed them to the
					// scanner so ASB groups are not lost.
					for _, rest := range d.rbuf[i+1 : k] {
						if _, _, g := d.scan.Feed(rest); g != nil {
							if s, err := ParseASB(g); err == nil {
								d.mergeASB(s)
							}
						}
					}
				}
				return d.status.ApplyRealtime(n, reply)
			}
		}
	}
}

func (d *Dev) mergeASB(s Status) {
	d.status.Offline, d.status.CoverOpen = s.Offline, s.CoverOpen
	d.status.CutterError, d.status.Unrecoverable = s.CutterError, s.Unrecoverable
	d.status.PaperEnd, d.status.PaperNearEnd = s.PaperEnd, s.PaperNearEnd
}

// Status polls all four DLE EOT requests and returns the combined status.
// An unanswered request gives an error wrapping ErrOffline.
func (d *Dev) Status(ctx context.Context) (Status, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.poll(ctx)
}

func (d *Dev) poll(ctx context.Context) (Status, error) {
	// A late reply to an earlier, timed-out request must not answer this
	// one; losing a queued ASB group is harmless since we poll everything.
	d.port.Flush()
	d.status = Status{}
	for _, n := range []int{StatusPrinter, StatusOffline, StatusError, StatusPaper} {
		if err := d.query(ctx, n); err != nil {
			s := Status{Offline: true}
			d.record(s)
			return s, err
		}
	}
	d.record(d.status)
	return d.status, nil
}

// Print sends one job (a Builder's bytes) if the printer can print, and
// checks the status again after it. Every error is a *JobError wrapping
// ErrPaperEnd, ErrCoverOpen, ErrCutter, ErrOffline ... (Message gives the
// Chinese text); it matches ErrRefused when no byte of the job was sent,
// so a caller knows whether the ticket may be printed again. Paper near
// end is logged, not returned. Jobs from several goroutines are
// serialised.
func (d *Dev) Print(ctx context.Context, job []byte) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	st, err := d.poll(ctx)
	if err != nil {
		return &JobError{Size: len(job), Err: err, refused: true}
	}
	if err := st.Err(); err != nil {
		return &JobError{Size: len(job), Err: err, refused: true, stage: st.String()}
	}
	for off := 0; off < len(job); {
		if err := ctx.Err(); err != nil {
			return &JobError{Sent: off, Size: len(job), Err: err, refused: off == 0,
				stage: fmt.Sprintf("cancelled after %d of %d bytes", off, len(job))}
		}
		end := min(off+d.opts.Chunk, len(job))
		n, err := d.port.Write(job[off:end])
		if n < 0 || n > end-off {
			n = 0
		}
		off += n
		if err == nil && n == 0 {
			err = io.ErrShortWrite // never spin on a port that takes nothing
		}
		if err != nil {
			// A failed first write that took no byte sent nothing (an
			// unplugged printer); any later one left part of the job.
			return &JobError{Sent: off, Size: len(job), Err: err, refused: off == 0, stage: "write"}
		}
	}
	st, err = d.poll(ctx)
	if err != nil {
		return &JobError{Sent: len(job), Size: len(job), Err: err, stage: "after job"}
	}
	if err := st.Err(); err != nil {
		return &JobError{Sent: len(job), Size: len(job), Err: err, stage: "job may be incomplete: " + st.String()}
	}
	if w := st.Warning(); w != nil {
		d.log.Warn("escpos: paper near end")
	}
	return nil
}

// Recover asks the printer to recover from a recoverable error (DLE ENQ 1)
// and clear the buffer before restarting (DLE ENQ 2 on most models).
func (d *Dev) Recover(ctx context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, err := d.port.Write([]byte{0x10, 0x05, 0x01}); err != nil {
		return fmt.Errorf("escpos: recover: %w", err)
	}
	return nil
}

// Monitor polls the status every interval until ctx is done and calls
// emit when it changes (and once at the start). Between polls it listens
// for automatic status back groups, so a printer with ASB reports paper
// end or an open cover at once rather than at the next poll. A hung-up
// port is reopened with backoff.
func (d *Dev) Monitor(ctx context.Context, interval time.Duration, emit func(Status, error)) error {
	var prev string
	first := true
	report := func(st Status, err error) {
		key := st.String() + fmt.Sprint(err != nil)
		if first || key != prev {
			emit(st, err)
			first, prev = false, key
		}
	}
	for {
		st, err := d.Status(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		report(st, err)
		if errors.Is(err, serialport.ErrHangup) {
			if rerr := d.port.Reopen(ctx); rerr != nil {
				return rerr
			}
			d.mu.Lock()
			init := []byte{0x1B, 0x40}
			if d.opts.ASB && d.opts.Profile.ASB {
				init = append(init, 0x1D, 0x61, 0x0E)
			}
			d.port.Write(init)
			d.mu.Unlock()
			continue
		}
		until := time.Now().Add(interval)
		for time.Now().Before(until) {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if s, ok := d.listen(ctx, min(time.Until(until), 50*time.Millisecond)); ok {
				report(s, nil)
			}
		}
	}
}

// listen reads unsolicited bytes for up to wait and applies ASB groups.
func (d *Dev) listen(ctx context.Context, wait time.Duration) (Status, bool) {
	if wait <= 0 {
		return Status{}, false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	n, err := d.port.ReadContext(ctx, d.rbuf)
	if err != nil {
		if !errors.Is(err, context.DeadlineExceeded) {
			// Let the next poll see and handle the hang-up.
			time.Sleep(wait)
		}
		return Status{}, false
	}
	got := false
	for _, b := range d.rbuf[:n] {
		if _, _, g := d.scan.Feed(b); g != nil {
			if s, err := ParseASB(g); err == nil {
				// ASB has no "error occurred" summary bit: keep it from polls.
				s.Error, s.AutoRecoverable = d.status.Error, d.status.AutoRecoverable
				d.status, got = s, true
			}
		}
	}
	if got {
		d.record(d.status)
	}
	return d.status, got
}
