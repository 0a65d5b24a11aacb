package windowterm_test

import (
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"hallq/internal/pty"
)

// openPty opens a raw pseudo-terminal pair closed when the test ends.
func openPty(t testing.TB) (master *os.File, slave string) {
	t.Helper()
	p, err := pty.Open()
	if errors.Is(err, os.ErrNotExist) || errors.Is(err, os.ErrPermission) {
		t.Skipf("no ptys here: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p.Master, p.SlavePath
}

// tap records every byte an emulator reads from its line.
type tap struct {
	f  *os.File
	mu sync.Mutex
	in []byte
	// onRead, when set, sees each chunk read (the benchmark's clock).
	onRead func([]byte)
}

func (t *tap) Read(b []byte) (int, error) {
	n, err := t.f.Read(b)
	if n > 0 {
		t.mu.Lock()
		t.in = append(t.in, b[:n]...)
		t.mu.Unlock()
		if t.onRead != nil {
			t.onRead(b[:n])
		}
	}
	return n, err
}
func (t *tap) Write(b []byte) (int, error)       { return t.f.Write(b) }
func (t *tap) SetReadDeadline(d time.Time) error { return t.f.SetReadDeadline(d) }
func (t *tap) bytes() []byte                     { t.mu.Lock(); defer t.mu.Unlock(); return append([]byte(nil), t.in...) }
