// Command display is the hall display (大厅显示屏): it follows the hall
// controller's event stream, shows the latest calls, waiting counts,
// notices and the time on the hall TV, and announces calls by voice. Run
// `display -h` for its flags; the configuration is described in
// hallq/kiosk/internal/displayapp. Build with -tags noos for the screen.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"hallq/kiosk/internal/displayapp"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := displayapp.Main(ctx, os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "display:", err)
		os.Exit(1)
	}
}
