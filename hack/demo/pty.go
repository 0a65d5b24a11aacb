package main

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"hallq/internal/pty"
)

// openPTY allocates a raw pseudo-terminal for an emulated device.
func openPTY() (master *os.File, slave string, err error) {
	p, err := pty.Open()
	if err != nil {
		return nil, "", fmt.Errorf("demo: %w", err)
	}
	return p.Master, p.SlavePath, nil
}

// openSlave opens a pty slave as a device program would (tests).
func openSlave(_ string, path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDWR|unix.O_NOCTTY, 0)
}
