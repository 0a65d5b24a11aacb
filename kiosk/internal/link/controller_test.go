package link

import (
	"context"
	"testing"
	"time"

	"hallq/controller/controllertest"
	"hallq/controller/hallproto"
)

func TestAgainstController(t *testing.T) {
	ctl := controllertest.Start(t, nil)
	c, err := New(ctl.URL, ctl.Token, fastOpts())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var svcs []hallproto.Service
	if err := c.Do(ctx, "GET", "/api/v1/services", nil, &svcs); err != nil || len(svcs) == 0 {
		t.Fatalf("services: %v %v", svcs, err)
	}
	events := make(chan hallproto.Event, 16)
	fctx, fcancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- c.Follow(fctx, 0, func(e hallproto.Event) { events <- e }) }()

	req := hallproto.IssueRequest{RequestID: NewRequestID(), Service: svcs[0].ID}
	var t1, t2 hallproto.Ticket
	if err := c.Do(ctx, "POST", "/api/v1/tickets", req, &t1); err != nil {
		t.Fatalf("issue: %v", err)
	}
	// A retry of the same request (as after a lost answer) gets the same ticket.
	if err := c.Do(ctx, "POST", "/api/v1/tickets", req, &t2); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if t1.ID == 0 || t1.ID != t2.ID || t1.Number != t2.Number {
		t.Errorf("retry answered %+v, first %+v", t2, t1)
	}
	// The same id with another body is refused, not retried.
	req.Service = "no-such-service"
	err = c.Do(ctx, "POST", "/api/v1/tickets", req, nil)
	if ae, ok := err.(*APIError); !ok || ae.Status != 409 || ae.Code != "request_id_reused" || ae.Message == "" {
		t.Errorf("reused id: %v", err)
	}
	seen := 0
	for seen == 0 {
		select {
		case e := <-events:
			if e.Type == hallproto.EvIssued && e.Ticket != nil && e.Ticket.ID == t1.ID {
				seen++
			}
		case <-ctx.Done():
			t.Fatal("no ticket.issued event on the stream")
		}
	}
	fcancel()
	<-done
	if !c.Online() {
		t.Error("not online")
	}
}
