package hallctl

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"hallq/controller/hallproto"
)

func init() {
	register(&command{name: "ticket", args: "ID", summary: "one ticket with its status and position (查询号票)", run: runTicket})
}

func runTicket(ctx context.Context, c *cli, args []string) error {
	fs := newFlagSet(c, "ticket", "ID [-json]", "print one ticket of today by its id")
	c.apiFlags(fs)
	var asJSON bool
	fs.BoolVar(&asJSON, "json", false, "print the ticket as JSON")
	pos, err := c.parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	id, err := strconv.ParseUint(pos[0], 10, 64)
	if err != nil || id == 0 {
		return usagef("ticket: %q is not a ticket id (a positive integer)", pos[0])
	}
	cl, err := c.api()
	if err != nil {
		return err
	}
	var t hallproto.Ticket
	if _, err := cl.Do(ctx, "GET", "/api/v1/tickets/"+pos[0], nil, &t); err != nil {
		return err
	}
	if asJSON {
		return printJSON(c.stdout, &t)
	}
	tb := &table{}
	tb.add("号码 number", t.Number)
	tb.add("业务 service", t.ServiceName+" ("+t.Service+")")
	tb.add("通道 channel", channelName(t.Channel))
	tb.add("状态 status", statusName(t.Status))
	if t.Status == hallproto.Waiting {
		tb.add("等候 wait", waitText(&t))
	}
	tb.add("取号 issued", clock(&t.IssuedAt))
	if !t.ArrivedAt.Equal(t.IssuedAt) {
		tb.add("排队起点 queued since", clock(&t.ArrivedAt))
	}
	if t.Category != "" {
		v := "未核验 unverified"
		if t.CategoryVerified {
			v = "已核验 verified"
		}
		tb.add("类别 category", t.Category+" "+v)
	}
	opt := []struct{ k, v string }{{"姓名 name", t.MaskedName}, {"预约 appointment", t.AppointmentID},
		{"预约时间 booked", clock(t.AppointmentAt)}, {"窗口 window", t.Window}, {"工作人员 staff", t.Staff},
		{"呼叫 called", clock(t.CalledAt)}, {"开始 started", clock(t.StartedAt)}, {"结束 finished", clock(t.FinishedAt)},
		{"结果 outcome", t.Outcome}, {"办件编号 case", t.CaseNumber}}
	if t.Calls > 0 {
		opt = append(opt, struct{ k, v string }{"呼叫次数 calls", strconv.Itoa(t.Calls)})
	}
	if t.TransferredTo != 0 {
		opt = append(opt, struct{ k, v string }{"转至 transferred to", "id " + strconv.FormatUint(t.TransferredTo, 10)})
	}
	for _, o := range opt {
		if strings.TrimSpace(o.v) != "" {
			tb.add(o.k, o.v)
		}
	}
	if err := tb.write(c.stdout); err != nil {
		return err
	}
	_, err = fmt.Fprintf(c.stdout, "id %d\n", t.ID)
	return err
}

func clock(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.Format("2006-01-02 15:04:05")
}
