// Package pty opens Linux pseudo-terminal pairs so that device emulators can sit
// on the master side while a driver opens the slave path as if it were a real
// serial port (/dev/ttyUSB0). Pure Go through /dev/ptmx, no cgo.
package pty

import (
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// Pair is an open pseudo-terminal: Master is held by the emulator, SlavePath
// is what a driver opens.
type Pair struct {
	Master    *os.File
	SlavePath string
}

// Open allocates a new pseudo-terminal and puts the slave side in raw mode so
// that binary protocol bytes pass untouched (no echo, no CR/LF mapping).
func Open() (*Pair, error) {
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("pty: open /dev/ptmx: %w", err)
	}
	// m.Fd() would switch the file to blocking mode and so disable read
	// deadlines and prompt Close; do the ioctls through SyscallConn instead.
	rc, err := m.SyscallConn()
	if err != nil {
		m.Close()
		return nil, fmt.Errorf("pty: %w", err)
	}
	var n int
	var ierr error
	cerr := rc.Control(func(fd uintptr) {
		if ierr = unix.IoctlSetPointerInt(int(fd), unix.TIOCSPTLCK, 0); ierr != nil {
			ierr = fmt.Errorf("pty: unlock: %w", ierr)
			return
		}
		if n, ierr = unix.IoctlGetInt(int(fd), unix.TIOCGPTN); ierr != nil {
			ierr = fmt.Errorf("pty: slave number: %w", ierr)
			return
		}
		ierr = makeRaw(int(fd))
	})
	if cerr != nil || ierr != nil {
		m.Close()
		if ierr == nil {
			ierr = fmt.Errorf("pty: %w", cerr)
		}
		return nil, ierr
	}
	path := "/dev/pts/" + strconv.Itoa(n)
	return &Pair{Master: m, SlavePath: path}, nil
}

// makeRaw sets the line discipline raw on the master; the settings are shared
// with the slave side.
func makeRaw(fd int) error {
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return fmt.Errorf("pty: get termios: %w", err)
	}
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB
	t.Cflag |= unix.CS8
	t.Cc[unix.VMIN] = 1
	t.Cc[unix.VTIME] = 0
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, t); err != nil {
		return fmt.Errorf("pty: set termios: %w", err)
	}
	return nil
}

// Close closes the master; a driver holding the slave sees a hang-up.
func (p *Pair) Close() error { return p.Master.Close() }
