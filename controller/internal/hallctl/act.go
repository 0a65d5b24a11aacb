package hallctl

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"hallq/controller/hallproto"
)

func init() {
	register(&command{name: "act", args: "WINDOW ACTION [flags]", summary: "any window action: " + actionList(), run: runAct})
}

func actionList() string {
	var s []string
	for _, a := range hallproto.WindowActions {
		s = append(s, string(a))
	}
	return strings.Join(s, ", ")
}

// windowAnswers are the actions that answer with the window, not a ticket.
var windowAnswers = []hallproto.WindowAction{hallproto.ActPause, hallproto.ActResume, hallproto.ActLogin,
	hallproto.ActLogout, hallproto.ActHandOver}

// actionResult is the answer of a window action: a ticket, a window, or
// neither (a call with nobody waiting).
type actionResult struct {
	Ticket *hallproto.Ticket
	Window *hallproto.Window
}

// action posts one window action with a fresh request id.
func (c *cli) action(ctx context.Context, window string, act hallproto.WindowAction, req hallproto.ActionRequest) (actionResult, error) {
	var res actionResult
	cl, err := c.api()
	if err != nil {
		return res, err
	}
	req.RequestID = NewRequestID()
	path := "/api/v1/windows/" + url.PathEscape(window) + "/" + string(act)
	var out any
	if slices.Contains(windowAnswers, act) {
		res.Window = new(hallproto.Window)
		out = res.Window
	} else {
		res.Ticket = new(hallproto.Ticket)
		out = res.Ticket
	}
	status, err := cl.Do(ctx, "POST", path, &req, out)
	if err != nil {
		return actionResult{}, err
	}
	if status == http.StatusNoContent {
		return actionResult{}, nil
	}
	return res, nil
}

func (c *cli) printResult(window string, act hallproto.WindowAction, res actionResult, asJSON bool) error {
	switch {
	case asJSON && res.Ticket != nil:
		return printJSON(c.stdout, res.Ticket)
	case asJSON && res.Window != nil:
		return printJSON(c.stdout, res.Window)
	case asJSON:
		return printJSON(c.stdout, nil)
	}
	var line string
	switch {
	case res.Ticket != nil:
		t := res.Ticket
		line = fmt.Sprintf("窗口 %s %s: %s %s %s %s", window, act, t.Number, t.ServiceName, channelName(t.Channel), statusName(t.Status))
		if t.Calls > 0 && (act == hallproto.ActCall || act == hallproto.ActRecall) {
			line += fmt.Sprintf(" (第 %d 次呼叫 call %d)", t.Calls, t.Calls)
		}
		if act == hallproto.ActTransfer {
			line += fmt.Sprintf(", new ticket id %d", t.ID)
		}
	case res.Window != nil:
		line = fmt.Sprintf("窗口 %s %s: %s", window, act, windowState(res.Window))
	default:
		line = fmt.Sprintf("窗口 %s: 当前无人等候 (nobody is waiting)", window)
	}
	_, err := fmt.Fprintln(c.stdout, line)
	return err
}

var windowStatusNames = map[hallproto.WindowStatus]string{hallproto.WindowClosed: "未登录", hallproto.WindowIdle: "空闲",
	hallproto.WindowCalling: "呼叫中", hallproto.WindowServing: "办理中", hallproto.WindowPaused: "暂停"}

func windowState(w *hallproto.Window) string {
	s := string(w.Status)
	if n, ok := windowStatusNames[w.Status]; ok {
		s = n + "/" + s
	}
	if w.PauseReason != "" {
		s += "（" + w.PauseReason + "）"
	}
	if w.Staff != "" {
		s += " staff " + w.Staff
	}
	return s
}

// actionFlags binds the fields of an action request.
type actionFlags struct {
	req    hallproto.ActionRequest
	behind int
	asJSON bool
}

func (f *actionFlags) bind(fs *flag.FlagSet) {
	fs.Uint64Var(&f.req.Ticket, "ticket", 0, "ticket id (call a specific ticket; requeue, take-back, cancel, confirm, revoke, grant-green)")
	fs.StringVar(&f.req.Service, "service", "", "service id (call: next of this service; transfer: target service)")
	fs.StringVar(&f.req.ToWindow, "to-window", "", "transfer: target window")
	fs.StringVar(&f.req.Reason, "reason", "", "pause, cancel, revoke, grant-green: reason")
	fs.StringVar(&f.req.Outcome, "outcome", "", "finish: outcome (e.g. done)")
	fs.StringVar(&f.req.CaseNumber, "case", "", "finish: case number (办件编号)")
	fs.StringVar(&f.req.Staff, "staff", "", "login, hand-over: staff id (工号)")
	fs.IntVar(&f.behind, "behind", -1, "requeue: behind this many waiting tickets (default: configured)")
	fs.BoolVar(&f.asJSON, "json", false, "print the answer as JSON")
}

func (f *actionFlags) request() hallproto.ActionRequest {
	r := f.req
	if f.behind >= 0 {
		b := f.behind
		r.Behind = &b
	}
	return r
}

func runAct(ctx context.Context, c *cli, args []string) error {
	fs := newFlagSet(c, "act", "WINDOW ACTION [flags]", "run a window action; ACTION is one of "+actionList())
	c.apiFlags(fs)
	var f actionFlags
	f.bind(fs)
	pos, err := c.parse(fs, args, 2, 2)
	if err != nil {
		return err
	}
	act := hallproto.WindowAction(pos[1])
	if !slices.Contains(hallproto.WindowActions, act) {
		return usagef("act: unknown action %q; one of %s", pos[1], actionList())
	}
	res, err := c.action(ctx, pos[0], act, f.request())
	if err != nil {
		return err
	}
	return c.printResult(pos[0], act, res, f.asJSON)
}
