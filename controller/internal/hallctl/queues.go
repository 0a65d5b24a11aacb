package hallctl

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"hallq/controller/hallproto"
)

func init() {
	register(&command{name: "queues", args: "", summary: "waiting tickets per service and channel (排队情况)", run: runQueues})
}

func runQueues(ctx context.Context, c *cli, args []string) error {
	fs := newFlagSet(c, "queues", "[-json]", "print the waiting tickets per service and channel")
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
	var q hallproto.Queues
	if _, err := cl.Do(ctx, "GET", "/api/v1/queues", nil, &q); err != nil {
		return err
	}
	if asJSON {
		return printJSON(c.stdout, &q)
	}
	var services []hallproto.Service
	if _, err := cl.Do(ctx, "GET", "/api/v1/services", nil, &services); err != nil {
		return err
	}
	return writeQueues(c, &q, services)
}

var tableChannels = []hallproto.Channel{hallproto.Normal, hallproto.Appointment, hallproto.Love, hallproto.Green}

func writeQueues(c *cli, q *hallproto.Queues, services []hallproto.Service) error {
	names := map[string]string{}
	for _, s := range services {
		names[s.ID] = s.Name
	}
	tb := &table{right: map[int]bool{2: true, 3: true, 4: true, 5: true, 6: true, 7: true}}
	tb.add("业务", "service", "普通", "预约", "爱心", "绿色", "合计", "最长等候")
	tb.add("", "", "normal", "appt", "love", "green", "total", "longest")
	sum := map[hallproto.Channel]int{}
	total, longest := 0, 0
	for _, s := range q.Services {
		longest = max(longest, s.LongestWaitSeconds)
		row := []string{names[s.Service], s.Service}
		for _, ch := range tableChannels {
			row = append(row, strconv.Itoa(s.Waiting[ch]))
			sum[ch] += s.Waiting[ch]
		}
		total += s.Total
		row = append(row, strconv.Itoa(s.Total), waitDuration(s.LongestWaitSeconds))
		tb.add(row...)
	}
	row := []string{"合计", "all"}
	for _, ch := range tableChannels {
		row = append(row, strconv.Itoa(sum[ch]))
	}
	tb.add(append(row, strconv.Itoa(total), waitDuration(longest))...)
	if err := tb.write(c.stdout); err != nil {
		return err
	}
	_, err := fmt.Fprintf(c.stdout, "at %s\n", q.At.Format("2006-01-02 15:04:05 -07:00"))
	return err
}

func waitDuration(sec int) string {
	if sec <= 0 {
		return "-"
	}
	return (time.Duration(sec) * time.Second).String()
}
