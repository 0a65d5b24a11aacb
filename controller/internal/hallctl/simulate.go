package hallctl

import (
	"context"
	"errors"

	"hallq/controller/internal/sim"
)

func init() {
	register(&command{name: "simulate", args: "[flags]", summary: "simulate hall days under the call-next policies (模拟), see simulate -h", run: runSimulate})
	register(&command{name: "plan", args: "[flags]", summary: "plan the windows to open per hour (排班), see plan -h", run: runPlan})
}

// The simulator and the planner parse their own flags; hallctl only hands
// them over and keeps their usage errors usage errors (exit status 2).

func runSimulate(ctx context.Context, c *cli, args []string) error {
	return simError(sim.RunCommand(args, c.stdout))
}

func runPlan(ctx context.Context, c *cli, args []string) error {
	return simError(sim.RunPlan(args, c.stdout))
}

// usageError keeps the message of a usage error from another package and
// makes it match ErrUsage.
type usageError struct{ err error }

func (e *usageError) Error() string        { return e.err.Error() }
func (e *usageError) Unwrap() error        { return e.err }
func (e *usageError) Is(target error) bool { return target == ErrUsage }

func simError(err error) error {
	if errors.Is(err, sim.ErrUsage) {
		return &usageError{err}
	}
	return err
}
