package hallctl

import (
	"context"
	"fmt"

	"hallq/controller/internal/hallconfig"
)

func init() {
	register(&command{name: "config", args: "demo | check FILE", summary: "print the demo hall configuration, or validate a file", run: runConfig})
}

func runConfig(ctx context.Context, c *cli, args []string) error {
	if len(args) == 0 {
		return usagef("config: give demo or check FILE")
	}
	switch args[0] {
	case "demo":
		if len(args) != 1 {
			return usagef("config demo takes no arguments")
		}
		_, err := c.stdout.Write(hallconfig.DemoYAML())
		return err
	case "check":
		if len(args) != 2 {
			return usagef("config check FILE")
		}
		f, err := hallconfig.Load(args[1])
		if err != nil {
			return fmt.Errorf("hallctl: config check: %w", err)
		}
		_, err = fmt.Fprintf(c.stdout, "ok: %s: %q, %d services, %d windows, %d tokens, policy %s\n",
			args[1], f.Hall.Name, len(f.Hall.Services), len(f.Hall.Windows), len(f.Tokens), f.Hall.Policy.Name)
		if err == nil && len(f.Tokens) == 0 {
			_, err = fmt.Fprintln(c.stdout, "warning: no tokens: the controller will refuse every API request unless started with -dev-token")
		}
		return err
	}
	return usagef("config: unknown subcommand %q (demo, check)", args[0])
}
