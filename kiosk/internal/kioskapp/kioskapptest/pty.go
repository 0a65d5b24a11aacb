// Package kioskapptest runs the kiosk's emulated devices for tests, the
// benchmarks and the demo: an ID card reader (idcardtest) and a receipt
// printer (escpostest), each on the master side of its own
// pseudo-terminal, so the kiosk opens the slave paths exactly as it opens
// /dev/ttyUSB0 on a device. It does not import testing.
//
// drivers/internal/pty cannot be imported from kiosk/, so OpenPTY here is
// a small twin of it.
package kioskapptest

import (
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// PTY is an open pseudo-terminal pair.
type PTY struct {
	Master    *os.File
	SlavePath string
}

// OpenPTY allocates a pseudo-terminal with the slave in raw mode, so
// protocol bytes pass untouched.
func OpenPTY() (*PTY, error) {
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("kioskapptest: open /dev/ptmx: %w", err)
	}
	// Fd() would make the file blocking and break read deadlines: use
	// SyscallConn for the ioctls.
	rc, err := m.SyscallConn()
	if err != nil {
		m.Close()
		return nil, fmt.Errorf("kioskapptest: %w", err)
	}
	var n int
	var ierr error
	cerr := rc.Control(func(fd uintptr) {
		if ierr = unix.IoctlSetPointerInt(int(fd), unix.TIOCSPTLCK, 0); ierr != nil {
			return
		}
		if n, ierr = unix.IoctlGetInt(int(fd), unix.TIOCGPTN); ierr != nil {
			return
		}
		var t *unix.Termios
		if t, ierr = unix.IoctlGetTermios(int(fd), unix.TCGETS); ierr != nil {
			return
		}
		t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
		t.Oflag &^= unix.OPOST
		t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
		t.Cflag &^= unix.CSIZE | unix.PARENB
		t.Cflag |= unix.CS8
		t.Cc[unix.VMIN] = 1
		t.Cc[unix.VTIME] = 0
		ierr = unix.IoctlSetTermios(int(fd), unix.TCSETS, t)
	})
	if cerr != nil || ierr != nil {
		m.Close()
		if ierr == nil {
			ierr = cerr
		}
		return nil, fmt.Errorf("kioskapptest: pty: %w", ierr)
	}
	return &PTY{Master: m, SlavePath: "/dev/pts/" + strconv.Itoa(n)}, nil
}

// Close closes the master; the slave's user sees a hang-up.
func (p *PTY) Close() error { return p.Master.Close() }
