package hallctl

import (
	"context"
	"errors"
)

// NOT BUILT YET: simulate and plan are reserved for the hall simulator and
// staffing planner (controller/internal/sim, issue 6). When that package
// provides sim.RunCommand(args []string, stdout io.Writer) error (and a plan
// command), these two functions call it.

// ErrNotBuilt: a reserved subcommand whose implementation is not there yet.
var ErrNotBuilt = errors.New("not built yet")

func init() {
	register(&command{name: "simulate", args: "[ARGS]", summary: "simulate a hall day (not built yet)", run: runSimulate})
	register(&command{name: "plan", args: "[ARGS]", summary: "plan staffing per hour (not built yet)", run: runPlan})
}

func runSimulate(ctx context.Context, c *cli, args []string) error {
	return errors.Join(errors.New("hallctl: simulate: the simulator (controller/internal/sim) is not built yet"), ErrNotBuilt)
}

func runPlan(ctx context.Context, c *cli, args []string) error {
	return errors.Join(errors.New("hallctl: plan: the staffing planner (controller/internal/sim) is not built yet"), ErrNotBuilt)
}
