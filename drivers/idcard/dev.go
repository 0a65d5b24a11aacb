package idcard

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"hallq/drivers/serialport"
)

// Opts configures a Dev.
type Opts struct {
	// PollInterval is the find-card period (300-1000 ms on real readers).
	PollInterval time.Duration
	// CmdTimeout bounds short commands, ReadTimeout the text+photo read.
	CmdTimeout, ReadTimeout time.Duration
	// Retries is how many times a command is repeated after a bad frame
	// or a timeout before the error is returned.
	Retries int
	// Bauds are tried in order by Probe; the first that answers is kept.
	Bauds []int
	// Now is the clock used for expiry checks.
	Now func() time.Time
	// Logger receives SW3 codes and masked identities, never raw frames.
	Logger *slog.Logger
}

// DefaultOpts poll every 300 ms with 1 s/2 s timeouts and probe 115200 then
// 9600 baud.
var DefaultOpts = Opts{
	PollInterval: 300 * time.Millisecond,
	CmdTimeout:   time.Second,
	ReadTimeout:  2 * time.Second,
	Retries:      1,
	Bauds:        []int{115200, 9600},
	Now:          time.Now,
}

// BaudSetter is a port whose speed can change; serialport.Dev is one.
type BaudSetter interface {
	SetBaud(ctx context.Context, baud int) error
}

// Dev is a SAM ID card reader module on a serial port. One goroutine at a
// time may use it.
type Dev struct {
	port serialport.Port
	opts Opts
	dec  Decoder
	buf  []byte
	log  *slog.Logger
	baud int
}

// New wraps port. It does not talk to the module: call Probe (or Status)
// to check it answers.
func New(port serialport.Port, opts *Opts) (*Dev, error) {
	if port == nil {
		return nil, errors.New("idcard: nil port")
	}
	o := DefaultOpts
	if opts != nil {
		o = *opts
		if o.PollInterval <= 0 {
			o.PollInterval = DefaultOpts.PollInterval
		}
		if o.CmdTimeout <= 0 {
			o.CmdTimeout = DefaultOpts.CmdTimeout
		}
		if o.ReadTimeout <= 0 {
			o.ReadTimeout = DefaultOpts.ReadTimeout
		}
		if o.Retries < 0 {
			o.Retries = 0
		}
		if len(o.Bauds) == 0 {
			o.Bauds = DefaultOpts.Bauds
		}
		if o.Now == nil {
			o.Now = time.Now
		}
	}
	l := o.Logger
	if l == nil {
		l = slog.New(slog.DiscardHandler)
	}
	return &Dev{port: port, opts: o, buf: make([]byte, 2048), log: l}, nil
}

// String names the device without personal data.
func (d *Dev) String() string { return "idcard(" + d.port.String() + ")" }

// Halt closes the port.
func (d *Dev) Halt() error { return d.port.Close() }

// Transact sends one command and waits for its answer. Bad frames and
// timeouts are retried Opts.Retries times; hang-ups are not.
func (d *Dev) Transact(ctx context.Context, cmd, para byte, data []byte) (Response, error) {
	timeout := d.opts.CmdTimeout
	if cmd == CmdRead {
		timeout = d.opts.ReadTimeout
	}
	var err error
	for try := 0; try <= d.opts.Retries; try++ {
		var r Response
		r, err = d.once(ctx, EncodeRequest(cmd, para, data), timeout)
		if err == nil {
			return r, nil
		}
		if ctx.Err() != nil || errors.Is(err, ErrDisconnected) {
			break
		}
		d.log.Debug("idcard: retry", "cmd", cmd, "para", para, "err", err)
	}
	return Response{}, fmt.Errorf("idcard: command %02x %02x: %w", cmd, para, err)
}

func (d *Dev) once(ctx context.Context, req []byte, timeout time.Duration) (Response, error) {
	// Answers to an earlier, abandoned command must not be taken for this one.
	d.dec.Reset()
	d.port.Flush()
	if _, err := d.port.Write(req); err != nil {
		return Response{}, d.portErr(err)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var frameErr error
	for {
		body, err := d.dec.Next()
		switch {
		case err == nil:
			r, err := ParseResponse(body)
			if err != nil {
				frameErr = err
				continue
			}
			if stale(req[7], req[8], r) {
				// A late answer to an earlier, timed-out command.
				d.log.Debug("idcard: stale answer dropped", "sw3", r.SW3)
				continue
			}
			return r, nil
		case errors.Is(err, ErrNeedMore):
		default:
			frameErr = err // keep hunting: a good frame may follow the junk
			continue
		}
		rctx := ctx
		if frameErr != nil {
			// After junk, give a following good frame a short grace only:
			// the module does not send twice, so waiting longer is wasted.
			var c context.CancelFunc
			rctx, c = context.WithTimeout(ctx, 100*time.Millisecond)
			defer c()
		}
		n, err := d.port.ReadContext(rctx, d.buf)
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				if frameErr != nil {
					return Response{}, frameErr
				}
				if d.dec.Buffered() > 0 {
					return Response{}, fmt.Errorf("%w: truncated frame", ErrTimeout)
				}
				return Response{}, ErrTimeout
			}
			return Response{}, d.portErr(err)
		}
		d.dec.Write(d.buf[:n])
	}
}

// stale reports an answer that cannot belong to cmd: only find answers 9F,
// and find never answers 90. GA 467 answers carry no command echo, so this
// is all the matching there is.
func stale(cmd, para byte, r Response) bool {
	find := cmd == CmdCard && para == ParaFind
	return (r.SW3 == SW3CardFound) != find && (r.SW3 == SW3CardFound || r.SW3 == SW3OK)
}

func (d *Dev) portErr(err error) error {
	if errors.Is(err, serialport.ErrHangup) || errors.Is(err, serialport.ErrClosed) {
		return fmt.Errorf("%w: %w", ErrDisconnected, err)
	}
	return err
}

func (d *Dev) expect(ctx context.Context, cmd, para byte, ok byte) (Response, error) {
	r, err := d.Transact(ctx, cmd, para, nil)
	if err != nil {
		return r, err
	}
	if r.SW3 != ok {
		return r, &StatusError{Cmd: cmd, Para: para, SW3: r.SW3}
	}
	return r, nil
}

// Reset resets the module.
func (d *Dev) Reset(ctx context.Context) error {
	_, err := d.expect(ctx, CmdReset, 0xFF, SW3OK)
	return err
}

// Status asks whether the module is working.
func (d *Dev) Status(ctx context.Context) error {
	_, err := d.expect(ctx, CmdStatus, 0xFF, SW3OK)
	return err
}

// ModuleID returns the module's 16-byte ID, raw (vendors format it
// differently).
func (d *Dev) ModuleID(ctx context.Context) ([]byte, error) {
	r, err := d.expect(ctx, CmdModuleID, 0xFF, SW3OK)
	if err != nil {
		return nil, err
	}
	if len(r.Data) != 16 {
		return nil, fmt.Errorf("%w: module id of %d bytes", ErrFrameLength, len(r.Data))
	}
	return r.Data, nil
}

// FindCard returns nil if a fresh card is in the field, an error wrapping
// ErrNoCard if not.
func (d *Dev) FindCard(ctx context.Context) error {
	_, err := d.expect(ctx, CmdCard, ParaFind, SW3CardFound)
	return err
}

// SelectCard returns the 8-byte chip serial.
func (d *Dev) SelectCard(ctx context.Context) ([]byte, error) {
	r, err := d.expect(ctx, CmdCard, ParaSelect, SW3OK)
	if err != nil {
		return nil, err
	}
	return r.Data, nil
}

// ReadIdentity reads text and photo from a selected card and parses them.
// The returned error may wrap ErrExpired, ErrInvalidNumber or
// ErrInconsistent together with a non-nil Identity: the card was read but
// should not be accepted without a member of staff.
func (d *Dev) ReadIdentity(ctx context.Context) (*Identity, error) {
	r, err := d.expect(ctx, CmdRead, ParaTextPhoto, SW3OK)
	if err != nil {
		return nil, err
	}
	tp, err := ParseTextPhoto(r.Data, false)
	if err != nil {
		return nil, fmt.Errorf("idcard: read: %w", err)
	}
	id, err := ParseText(tp.Text)
	if err != nil {
		return nil, fmt.Errorf("idcard: read: %w", err)
	}
	id.Photo = tp.Photo
	if err := id.Check(d.opts.Now()); err != nil {
		return id, fmt.Errorf("idcard: read: %w", err)
	}
	return id, nil
}

// ReadCard does find, select and read once.
func (d *Dev) ReadCard(ctx context.Context) (*Identity, error) {
	if err := d.FindCard(ctx); err != nil {
		return nil, err
	}
	serial, err := d.SelectCard(ctx)
	if err != nil {
		return nil, err
	}
	id, err := d.ReadIdentity(ctx)
	if id != nil {
		id.ChipSerial = serial
	}
	return id, err
}

// ReadAddress reads the appended address (new address after a move), or
// returns an error wrapping ErrNoContent.
func (d *Dev) ReadAddress(ctx context.Context) (string, error) {
	r, err := d.expect(ctx, CmdRead, ParaAddress, SW3OK)
	if err != nil {
		return "", err
	}
	if len(r.Data) != 70 {
		return "", fmt.Errorf("%w: address of %d bytes", ErrFrameLength, len(r.Data))
	}
	return get(r.Data, field{0, 70}), nil
}

// Probe finds the module's baud rate: it asks the module status at each of
// Opts.Bauds in turn and keeps the first that answers. Ports that cannot
// change speed are only asked once.
func (d *Dev) Probe(ctx context.Context) (int, error) {
	bs, ok := d.port.(BaudSetter)
	if !ok {
		return 0, d.Status(ctx)
	}
	for _, b := range d.opts.Bauds {
		if err := bs.SetBaud(ctx, b); err != nil {
			return 0, fmt.Errorf("idcard: probe %d: %w", b, err)
		}
		err := d.Status(ctx)
		if err == nil {
			d.baud = b
			d.log.Info("idcard: module found", "baud", b)
			return b, nil
		}
		if errors.Is(err, ErrDisconnected) || ctx.Err() != nil {
			return 0, err
		}
	}
	return 0, ErrNoBaud
}
