// Command hallctl is the operator and technician CLI of the hall controller:
// issue and call tickets, run window actions, show queues and windows,
// follow the event stream, and check or compact the database of a stopped
// controller. Run `hallctl help`.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // config check loads the hall's zone on devices without zoneinfo

	"hallq/controller/internal/hallctl"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := hallctl.Main(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, err)
		if errors.Is(err, hallctl.ErrUsage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}
