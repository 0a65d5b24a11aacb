package hallctl

import (
	"context"
	"fmt"
	"strings"

	"hallq/controller/hallproto"
)

func init() {
	register(&command{name: "windows", args: "", summary: "every window with its state and current ticket (窗口状态)", run: runWindows})
}

func runWindows(ctx context.Context, c *cli, args []string) error {
	fs := newFlagSet(c, "windows", "[-json]", "print every window with its staff, state and current ticket")
	c.apiFlags(fs)
	var asJSON bool
	fs.BoolVar(&asJSON, "json", false, "print the answer as JSON")
	if _, err := c.parse(fs, args, 0, 0); err != nil {
		return err
	}
	cl, err := c.api()
	if err != nil {
		return err
	}
	var ws []hallproto.Window
	if _, err := cl.Do(ctx, "GET", "/api/v1/windows", nil, &ws); err != nil {
		return err
	}
	if asJSON {
		return printJSON(c.stdout, ws)
	}
	tb := &table{}
	tb.add("窗口", "名称", "状态", "工作人员", "当前号", "挂起", "业务")
	for _, w := range ws {
		status := string(w.Status)
		if n, ok := windowStatusNames[w.Status]; ok {
			status = n + "/" + status
		}
		if w.PauseReason != "" {
			status += "（" + w.PauseReason + "）"
		}
		cur := "-"
		if w.Current != nil {
			cur = fmt.Sprintf("%s (%s)", w.Current.Number, w.Current.Status)
		}
		parked := "-"
		if len(w.Parked) > 0 {
			parked = fmt.Sprint(w.Parked)
		}
		staff := w.Staff
		if staff == "" {
			staff = "-"
		}
		tb.add(w.ID, w.Name, status, staff, cur, parked, strings.Join(w.Services, ","))
	}
	return tb.write(c.stdout)
}
