// Command window is the window terminal (窗口终端): it reads the window's
// caller keypad (RS-485 bus, USB keypad or GPIO buttons), sends window
// actions and citizens' ratings to the hall controller and drives the
// window's LED sign over KWS/1. Run `window -h` for its flags; the
// configuration is described in hallq/kiosk/internal/windowterm.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"hallq/kiosk/internal/windowterm"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := windowterm.Main(ctx, os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "window:", err)
		os.Exit(1)
	}
}
