package windowterm

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
)

// Version is the terminal's version, set by the build (-ldflags -X).
var Version = "dev"

// Main is the window command: flags, configuration, Run until ctx ends.
func Main(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("window", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "/etc/hallq/window.yaml", "window terminal configuration (YAML)")
	level := fs.String("log-level", "info", "debug, info, warn or error")
	check := fs.Bool("check", false, "check the configuration and exit")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(*level)); err != nil {
		return fmt.Errorf("-log-level: %w", err)
	}
	c, err := LoadConfig(*cfgPath)
	if err != nil {
		return err
	}
	if *check {
		fmt.Fprintf(stderr, "%s: ok (window %s, input %s)\n", *cfgPath, c.Window, c.Input.Kind)
		return nil
	}
	c.Version = Version
	c.Logger = slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: lv}))
	return Run(ctx, *c)
}
