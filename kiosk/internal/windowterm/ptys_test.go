package windowterm_test

import (
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openPty opens a raw pseudo-terminal pair (drivers/internal/pty is
// internal to drivers/, so the few lines are repeated here).
func openPty(t testing.TB) (master *os.File, slave string) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Skipf("no ptys here: %v", err)
	}
	rc, err := m.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var n int
	var ierr error
	rc.Control(func(fd uintptr) {
		if ierr = unix.IoctlSetPointerInt(int(fd), unix.TIOCSPTLCK, 0); ierr != nil {
			return
		}
		if n, ierr = unix.IoctlGetInt(int(fd), unix.TIOCGPTN); ierr != nil {
			return
		}
		var tio *unix.Termios
		if tio, ierr = unix.IoctlGetTermios(int(fd), unix.TCGETS); ierr != nil {
			return
		}
		tio.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
		tio.Oflag &^= unix.OPOST
		tio.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
		tio.Cflag &^= unix.CSIZE | unix.PARENB
		tio.Cflag |= unix.CS8
		tio.Cc[unix.VMIN], tio.Cc[unix.VTIME] = 1, 0
		ierr = unix.IoctlSetTermios(int(fd), unix.TCSETS, tio)
	})
	if ierr != nil {
		m.Close()
		t.Fatal(ierr)
	}
	t.Cleanup(func() { m.Close() })
	return m, "/dev/pts/" + strconv.Itoa(n)
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
