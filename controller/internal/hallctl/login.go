package hallctl

import (
	"context"

	"hallq/controller/hallproto"
)

func init() {
	register(&command{name: "login", args: "WINDOW STAFF", summary: "log a staff member in at a window (登录)", run: runLogin})
}

func runLogin(ctx context.Context, c *cli, args []string) error {
	fs := newFlagSet(c, "login", "WINDOW STAFF", "log staff member STAFF (工号) in at WINDOW; use act WINDOW hand-over -staff S to take over")
	c.apiFlags(fs)
	var asJSON bool
	fs.BoolVar(&asJSON, "json", false, "print the window as JSON")
	pos, err := c.parse(fs, args, 2, 2)
	if err != nil {
		return err
	}
	res, err := c.action(ctx, pos[0], hallproto.ActLogin, hallproto.ActionRequest{Staff: pos[1]})
	if err != nil {
		return err
	}
	return c.printResult(pos[0], hallproto.ActLogin, res, asJSON)
}
