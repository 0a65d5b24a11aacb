package ledsign_test

import (
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// pollable returns a non-blocking duplicate of a pty master and closes the
// original. pty.Open calls Fd(), which leaves the master in blocking mode:
// read deadlines are then ignored and Close waits for a pending Read, so a
// hang-up would not reach the slave until the next byte.
func pollable(t testing.TB, f *os.File) *os.File {
	t.Helper()
	rc, err := f.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var nfd int
	var derr error
	rc.Control(func(fd uintptr) { nfd, derr = unix.Dup(int(fd)) })
	if derr != nil {
		t.Fatal(derr)
	}
	if err := unix.SetNonblock(nfd, true); err != nil {
		t.Fatal(err)
	}
	f.Close()
	unix.CloseOnExec(nfd)
	return os.NewFile(uintptr(nfd), f.Name())
}
