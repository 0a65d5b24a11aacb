package serialport

import (
	"context"
	"sync"
	"time"
)

// Pipe returns two connected in-memory ports. Unlike io.Pipe and net.Pipe
// they are buffered, so both sides may write at once without deadlock, the
// way a UART behaves. A is usually given to the driver and B to an emulator.
// Closing either end makes the other side's reads return ErrHangup once the
// buffered bytes are consumed; Reopen on an end revives the link.
func Pipe() (a, b *PipeEnd) {
	ab, ba := newBuf(), newBuf()
	a = &PipeEnd{name: "pipe:a", in: ba, out: ab, slice: DefaultOpts.ReadTimeout}
	b = &PipeEnd{name: "pipe:b", in: ab, out: ba, slice: DefaultOpts.ReadTimeout}
	return a, b
}

type buf struct {
	mu     sync.Mutex
	data   []byte
	closed bool
	wake   chan struct{} // closed and replaced whenever data or closed changes
}

func newBuf() *buf { return &buf{wake: make(chan struct{})} }

func (q *buf) signal() {
	close(q.wake)
	q.wake = make(chan struct{})
}

// PipeEnd is one side of a Pipe; it implements Port and SetReadTimeout.
type PipeEnd struct {
	name  string
	in    *buf
	out   *buf
	slice time.Duration
}

// String names the end.
func (p *PipeEnd) String() string { return p.name }

// SetReadTimeout changes the slice after which Read returns ErrTimeout.
func (p *PipeEnd) SetReadTimeout(d time.Duration) { p.slice = d }

// Read waits at most one slice.
func (p *PipeEnd) Read(b []byte) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), p.slice)
	defer cancel()
	n, err := p.ReadContext(ctx, b)
	if err == context.DeadlineExceeded {
		return 0, ErrTimeout
	}
	return n, err
}

// ReadContext waits for at least one byte.
func (p *PipeEnd) ReadContext(ctx context.Context, b []byte) (int, error) {
	for {
		p.in.mu.Lock()
		if len(p.in.data) > 0 {
			n := copy(b, p.in.data)
			p.in.data = p.in.data[n:]
			p.in.mu.Unlock()
			return n, nil
		}
		if p.in.closed {
			p.in.mu.Unlock()
			return 0, ErrHangup
		}
		w := p.in.wake
		p.in.mu.Unlock()
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-w:
		}
	}
}

// Write appends to the peer's input; it never blocks.
func (p *PipeEnd) Write(b []byte) (int, error) {
	p.out.mu.Lock()
	defer p.out.mu.Unlock()
	if p.out.closed {
		return 0, ErrHangup
	}
	p.out.data = append(p.out.data, b...)
	p.out.signal()
	return len(b), nil
}

// Flush drops unread input.
func (p *PipeEnd) Flush() error {
	p.in.mu.Lock()
	p.in.data = nil
	p.in.mu.Unlock()
	return nil
}

// Close hangs up both directions.
func (p *PipeEnd) Close() error {
	for _, q := range []*buf{p.in, p.out} {
		q.mu.Lock()
		if !q.closed {
			q.closed = true
			q.signal()
		}
		q.mu.Unlock()
	}
	return nil
}

// Reopen revives a closed pipe (both directions), like a replugged cable.
func (p *PipeEnd) Reopen(ctx context.Context) error {
	for _, q := range []*buf{p.in, p.out} {
		q.mu.Lock()
		q.closed = false
		q.data = nil
		q.signal()
		q.mu.Unlock()
	}
	return nil
}

var _ Port = (*PipeEnd)(nil)
