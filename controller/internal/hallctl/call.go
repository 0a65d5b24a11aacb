package hallctl

import (
	"context"

	"hallq/controller/hallproto"
)

func init() {
	register(&command{name: "call", args: "WINDOW [-service S] [-ticket N]", summary: "call the next ticket at a window (叫号)", run: runCall})
}

func runCall(ctx context.Context, c *cli, args []string) error {
	fs := newFlagSet(c, "call", "WINDOW [-service S] [-ticket N]", "call the next ticket; -ticket calls that ticket, -service the next of one service")
	c.apiFlags(fs)
	var req hallproto.ActionRequest
	var asJSON bool
	fs.StringVar(&req.Service, "service", "", "call the next ticket of this service only")
	fs.Uint64Var(&req.Ticket, "ticket", 0, "call this ticket (its id)")
	fs.BoolVar(&asJSON, "json", false, "print the answer as JSON (null when nobody is waiting)")
	pos, err := c.parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	res, err := c.action(ctx, pos[0], hallproto.ActCall, req)
	if err != nil {
		return err
	}
	return c.printResult(pos[0], hallproto.ActCall, res, asJSON)
}
