package windowterm

import (
	"context"
	"fmt"
	"io"

	"hallq/kiosk/internal/devconfig"
)

// Version is the terminal's version, set by the build (-ldflags -X).
var Version = "dev"

// Main is the window command: flags, configuration, Run until ctx ends.
func Main(ctx context.Context, args []string, stderr io.Writer) error {
	f, err := devconfig.ParseFlags("window", "/etc/hallq/window.yaml", "window terminal configuration (YAML)", args, stderr)
	if err != nil {
		return err
	}
	c, err := LoadConfig(f.Config)
	if err != nil {
		return err
	}
	if f.Check {
		fmt.Fprintf(stderr, "%s: ok (window %s, input %s)\n", f.Config, c.Window, c.Input.Kind)
		return nil
	}
	c.Version = Version
	c.Logger = f.Logger(stderr)
	return Run(ctx, *c)
}
