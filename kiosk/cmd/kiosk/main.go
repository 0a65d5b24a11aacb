// Command kiosk is the self-service ticket kiosk (取号机) of a hallq
// government service hall: it reads ID cards, shows the citizen journey on
// the touch screen, issues tickets through the hall controller (or from
// its offline lease) and prints them.
//
//	kiosk -config /etc/hallq/kiosk.yaml
//
// The screen needs a binary built with -tags noos (fyne's embedded
// driver, pure Go); without it the kiosk runs only with headless: true.
// See kioskapp.Config for the configuration file.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"hallq/kiosk/internal/kioskapp"
)

// version is set by the build (-ldflags "-X main.version=...").
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	fs := flag.NewFlagSet("kiosk", flag.ContinueOnError)
	cfgPath := fs.String("config", "/etc/hallq/kiosk.yaml", "configuration file (YAML)")
	headless := fs.Bool("headless", false, "run the journey without a screen (overrides the file)")
	debug := fs.Bool("debug", false, "debug logging")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	level := slog.LevelInfo
	if *debug {
		level = slog.LevelDebug
	}
	lg := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	cfg, err := kioskapp.LoadConfig(*cfgPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "kiosk:", err)
		return 2
	}
	if *headless {
		cfg.Headless = true
	}
	cfg.Version = version
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err = kioskapp.Run(ctx, cfg, lg)
	switch {
	case errors.Is(err, kioskapp.ErrNoScreen):
		fmt.Fprintln(os.Stderr, "kiosk: this binary has no screen support: build it with -tags noos, or run with -headless")
		return 2
	case err != nil && !errors.Is(err, context.Canceled):
		fmt.Fprintln(os.Stderr, "kiosk:", err)
		return 1
	}
	return 0
}
