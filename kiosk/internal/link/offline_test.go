package link

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"hallq/controller/controllertest"
	"hallq/controller/hallproto"
)

// hallClock is the controller's and the kiosks' clock: 10:00 in the hall,
// moved on by the test.
type hallClock struct {
	base time.Time
	off  atomic.Int64
}

func newHallClock() *hallClock {
	cst := time.FixedZone("CST", 8*3600)
	n := time.Now().In(cst)
	return &hallClock{base: time.Date(n.Year(), n.Month(), n.Day(), 10, 0, 0, 0, cst)}
}
func (c *hallClock) Now() time.Time          { return c.base.Add(time.Duration(c.off.Load())) }
func (c *hallClock) Advance(d time.Duration) { c.off.Add(int64(d)) }

func openOutbox(t *testing.T, path string) *Outbox {
	t.Helper()
	ob, err := OpenOutbox(path)
	if err != nil {
		t.Fatal(err)
	}
	return ob
}

// TestOfflineTickets is issue 4's offline test: stop the controller, issue
// 20 tickets, restart it; all 20 are in the queue once, in issue order,
// with no duplicate number, merged by issue time with tickets another kiosk
// issued online meanwhile.
func TestOfflineTickets(t *testing.T) {
	clk := newHallClock()
	dir := t.TempDir()
	ctl := controllertest.Start(t, &controllertest.Options{DataDir: dir, Clock: clk.Now})
	o := fastOpts()
	o.MaxTries = 2
	c, err := New(ctl.URL, ctl.Token, o)
	if err != nil {
		t.Fatal(err)
	}
	ob := openOutbox(t, filepath.Join(t.TempDir(), "outbox.db"))
	defer ob.Close()
	var mu sync.Mutex
	replayed := map[string]hallproto.ReplayResult{}
	is, err := NewIssuer(c, ob, &IssuerOpts{Device: "kiosk-1", Services: []string{"social"}, LeaseCount: 30,
		OnlineTimeout: time.Second, Now: clk.Now, OnReplayed: func(e Entry, r hallproto.ReplayResult) {
			mu.Lock()
			replayed[e.Request.Number] = r
			mu.Unlock()
		}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := is.Sync(ctx); err != nil {
		t.Fatalf("first sync: %v", err)
	}
	first, err := is.Issue(ctx, hallproto.IssueRequest{Service: "social"})
	if err != nil || first.Offline {
		t.Fatalf("online issue: %+v %v", first, err)
	}

	ctl.Stop()
	var offline []string
	for i := 0; i < 20; i++ {
		clk.Advance(7 * time.Second)
		got, err := is.Issue(ctx, hallproto.IssueRequest{Service: "social"})
		if err != nil {
			t.Fatalf("offline issue %d: %v", i, err)
		}
		if !got.Offline || got.Ticket.Number == "" || got.Ticket.ServiceName == "" {
			t.Fatalf("offline issue %d: %+v", i, got)
		}
		offline = append(offline, got.Ticket.Number)
	}
	if is.Pending() != 20 {
		t.Fatalf("pending %d, want 20", is.Pending())
	}
	if c.Online() {
		t.Error("link online while the controller is down")
	}

	// The controller comes back; another kiosk issues before kiosk-1 replays.
	ctl = controllertest.Start(t, &controllertest.Options{DataDir: dir, Clock: clk.Now})
	c.base.Host = ctl.URL[len("http://"):]
	c2, _ := New(ctl.URL, ctl.Token, fastOpts())
	clk.Advance(time.Minute)
	var others []hallproto.Ticket
	for i := 0; i < 3; i++ {
		var tk hallproto.Ticket
		if err := c2.Do(ctx, "POST", "/api/v1/tickets", hallproto.IssueRequest{RequestID: NewRequestID(), Service: "social"}, &tk); err != nil {
			t.Fatal(err)
		}
		others = append(others, tk)
	}
	if err := is.Sync(ctx); err != nil {
		t.Fatalf("sync after restart: %v", err)
	}
	// A second sync replays nothing twice.
	if err := is.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if is.Pending() != 0 || is.Rejected() != 0 || len(replayed) != 20 {
		t.Fatalf("pending %d, rejected %d, replayed %d", is.Pending(), is.Rejected(), len(replayed))
	}

	numbers := map[string]bool{first.Ticket.Number: true}
	prevAhead := 0
	for i, n := range offline {
		r := replayed[n]
		var tk hallproto.Ticket
		if err := c2.Do(ctx, "GET", fmt.Sprintf("/api/v1/tickets/%d", r.Ticket.ID), nil, &tk); err != nil {
			t.Fatal(err)
		}
		if tk.Number != n || tk.Status != hallproto.Waiting || r.Duplicate {
			t.Fatalf("offline %s: controller has %+v", n, tk)
		}
		if numbers[n] {
			t.Fatalf("number %s twice", n)
		}
		numbers[n] = true
		// In issue order: each has exactly one more ahead (A001 waits first).
		if tk.WaitingAhead != i+1 || (i > 0 && tk.WaitingAhead <= prevAhead) {
			t.Fatalf("offline %s (#%d) has %d ahead", n, i, tk.WaitingAhead)
		}
		prevAhead = tk.WaitingAhead
	}
	for _, o := range others {
		var tk hallproto.Ticket
		if err := c2.Do(ctx, "GET", fmt.Sprintf("/api/v1/tickets/%d", o.ID), nil, &tk); err != nil {
			t.Fatal(err)
		}
		if numbers[tk.Number] {
			t.Fatalf("online %s reuses a leased number", tk.Number)
		}
		numbers[tk.Number] = true
		// Issued after the offline tickets: behind all 21.
		if tk.WaitingAhead < 21 {
			t.Fatalf("online %s issued later has only %d ahead", tk.Number, tk.WaitingAhead)
		}
	}
	var q hallproto.Queues
	if err := c2.Do(ctx, "GET", "/api/v1/queues", nil, &q); err != nil {
		t.Fatal(err)
	}
	for _, s := range q.Services {
		if s.Service == "social" && s.Total != 24 {
			t.Fatalf("social queue holds %d, want 1+20+3", s.Total)
		}
	}
}

func TestOutboxSurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.db")
	ob := openOutbox(t, path)
	now := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	l := hallproto.Lease{ID: 3, Device: "k", Service: "social", ServiceName: "社保", Prefix: "A", First: 101, Last: 103,
		Width: 3, GrantedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := ob.AddLease(l); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ob.Take("tax", now, hallproto.ReplayRequest{}); !errors.Is(err, ErrNoLease) {
		t.Fatalf("no lease for tax: %v", err)
	}
	e1, _, err := ob.Take("social", now, hallproto.ReplayRequest{RequestID: "r1", IssuedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	// Closed without any shutdown step, as after a crash: every Take was
	// committed and synced before it returned.
	ob.Close()
	ob = openOutbox(t, path)
	defer ob.Close()
	e2, _, err := ob.Take("social", now, hallproto.ReplayRequest{RequestID: "r2", IssuedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	if e1.Request.Number != "A101" || e2.Request.Number != "A102" || e2.Seq <= e1.Seq {
		t.Fatalf("numbers %s %s seq %d %d", e1.Request.Number, e2.Request.Number, e1.Seq, e2.Seq)
	}
	p, err := ob.Pending()
	if err != nil || len(p) != 2 || p[0].Request.RequestID != "r1" || p[1].Request.RequestID != "r2" {
		t.Fatalf("pending %+v %v", p, err)
	}
	if _, _, err := ob.Take("social", now.Add(2*time.Hour), hallproto.ReplayRequest{}); !errors.Is(err, ErrNoLease) {
		t.Fatalf("expired lease used: %v", err)
	}
	if err := ob.Done(p[0].Seq); err != nil {
		t.Fatal(err)
	}
	if err := ob.Reject(p[1], "lease_expired"); err != nil {
		t.Fatal(err)
	}
	if ob.Count() != 0 || ob.Rejected() != 1 {
		t.Fatalf("count %d rejected %d", ob.Count(), ob.Rejected())
	}
}
