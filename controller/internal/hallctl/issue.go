package hallctl

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"hallq/controller/hallproto"
)

func init() {
	register(&command{name: "issue", args: "SERVICE [-channel C] [-category C]", summary: "issue a ticket (取号)", run: runIssue})
}

func runIssue(ctx context.Context, c *cli, args []string) error {
	fs := newFlagSet(c, "issue", "SERVICE [flags]", "issue a ticket for SERVICE (a service id of hallctl services)")
	c.apiFlags(fs)
	var req hallproto.IssueRequest
	var channel, apptAt string
	var asJSON bool
	fs.StringVar(&channel, "channel", "", "normal, appointment, love or green (empty: the controller decides)")
	fs.StringVar(&req.Category, "category", "", "declared priority category, e.g. pregnant, disabled, military")
	fs.StringVar(&req.AppointmentID, "appointment-id", "", "booking number (预约号)")
	fs.StringVar(&apptAt, "appointment-at", "", "booked time, RFC 3339 (2026-11-21T10:00:00+08:00)")
	fs.StringVar(&req.Source, "source", "", "source recorded for reports (default: the token's name)")
	fs.BoolVar(&asJSON, "json", false, "print the ticket as JSON")
	pos, err := c.parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	req.Service, req.Channel = pos[0], hallproto.Channel(channel)
	if apptAt != "" {
		t, err := time.Parse(time.RFC3339, apptAt)
		if err != nil {
			return usagef("issue: -appointment-at: %v", err)
		}
		req.AppointmentAt = &t
	}
	cl, err := c.api()
	if err != nil {
		return err
	}
	req.RequestID = NewRequestID()
	var t hallproto.Ticket
	if _, err := cl.Do(ctx, "POST", "/api/v1/tickets", &req, &t); err != nil {
		return err
	}
	if asJSON {
		return printJSON(c.stdout, &t)
	}
	_, err = fmt.Fprintf(c.stdout, "%s  %s  %s  id %d  %s\n", t.Number, t.ServiceName, channelName(t.Channel), t.ID, waitText(&t))
	return err
}

func waitText(t *hallproto.Ticket) string {
	if t.Status != hallproto.Waiting {
		return statusName(t.Status)
	}
	return fmt.Sprintf("前面还有 %d 人，预计等候 %d 分钟 (%d ahead, about %d min)", t.WaitingAhead, t.EstimatedWaitMinutes, t.WaitingAhead, t.EstimatedWaitMinutes)
}

var channelNames = map[hallproto.Channel]string{hallproto.Normal: "普通", hallproto.Appointment: "预约",
	hallproto.Love: "爱心通道", hallproto.Green: "绿色通道"}

func channelName(ch hallproto.Channel) string {
	if n, ok := channelNames[ch]; ok {
		return n + "/" + string(ch)
	}
	return string(ch)
}

var statusNames = map[hallproto.TicketStatus]string{hallproto.Waiting: "等候中", hallproto.Called: "已呼叫",
	hallproto.Serving: "办理中", hallproto.Done: "已办结", hallproto.NoShow: "过号", hallproto.Cancelled: "已作废",
	hallproto.Transferred: "已转移", hallproto.Parked: "挂起"}

func statusName(s hallproto.TicketStatus) string {
	if n, ok := statusNames[s]; ok {
		return n + "/" + string(s)
	}
	return string(s)
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("hallctl: write: %w", err)
	}
	return nil
}
