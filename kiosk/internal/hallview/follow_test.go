package hallview

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"hallq/controller/controllertest"
	"hallq/controller/hallproto"
)

// hall drives a real controller the way windows and kiosks do.
type hall struct {
	t   testing.TB
	c   *testClient
	req int
}

func (h *hall) rid() string { h.req++; return fmt.Sprintf("hv-%d-%d", time.Now().UnixNano(), h.req) }

func (h *hall) issue(service string) hallproto.Ticket {
	h.t.Helper()
	var t hallproto.Ticket
	if err := h.c.Do(context.Background(), "POST", "/api/v1/tickets",
		hallproto.IssueRequest{RequestID: h.rid(), Service: service}, &t); err != nil {
		h.t.Fatalf("issue %s: %v", service, err)
	}
	return t
}

// act runs a window action; domain refusals (409 and the like) are part of
// a random walk and not failures.
func (h *hall) act(win string, a hallproto.WindowAction, req hallproto.ActionRequest) error {
	req.RequestID = h.rid()
	return h.c.Do(context.Background(), "POST", "/api/v1/windows/"+win+"/"+string(a), req, nil)
}

func (h *hall) mustAct(win string, a hallproto.WindowAction, req hallproto.ActionRequest) {
	h.t.Helper()
	if err := h.act(win, a, req); err != nil {
		h.t.Fatalf("window %s %s: %v", win, a, err)
	}
}

func (h *hall) lastSeq() uint64 {
	h.t.Helper()
	s, err := lastSeq(context.Background(), h.c)
	if err != nil {
		h.t.Fatal(err)
	}
	return s
}

var demoServices = []string{"social", "household", "business", "tax", "property"}

// walk makes n random but plausible window actions.
func (h *hall) walk(r *rand.Rand, n int) {
	acts := []hallproto.WindowAction{hallproto.ActCall, hallproto.ActCall, hallproto.ActCall, hallproto.ActRecall,
		hallproto.ActStart, hallproto.ActFinish, hallproto.ActFinish, hallproto.ActNoShow, hallproto.ActPark,
		hallproto.ActTakeBack, hallproto.ActTransfer, hallproto.ActPause, hallproto.ActResume, hallproto.ActCancel}
	var parked []uint64
	for range n {
		if r.IntN(3) == 0 {
			h.issue(demoServices[r.IntN(len(demoServices))])
			continue
		}
		win := fmt.Sprint(1 + r.IntN(8))
		a := acts[r.IntN(len(acts))]
		var req hallproto.ActionRequest
		switch a {
		case hallproto.ActTransfer:
			req.Service = demoServices[r.IntN(len(demoServices))]
		case hallproto.ActTakeBack:
			if len(parked) == 0 {
				continue
			}
			req.Ticket = parked[r.IntN(len(parked))]
		case hallproto.ActPause:
			req.Reason = "暂停服务"
		case hallproto.ActCancel:
			req.Reason = "群众主动放弃"
		}
		if a == hallproto.ActPark {
			var w []hallproto.Window
			h.c.Do(context.Background(), "GET", "/api/v1/windows", nil, &w)
			for _, x := range w {
				if x.ID == win && x.Current != nil && h.act(win, a, req) == nil {
					parked = append(parked, x.Current.ID)
				}
			}
			continue
		}
		h.act(win, a, req)
	}
}

// waitSynced waits until the syncer has folded in everything the
// controller committed.
func waitSynced(t testing.TB, s *Syncer, h *hall) {
	t.Helper()
	want := h.lastSeq()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		done := s.m.Loaded() && s.m.Seq() >= want && !s.m.Stale()
		s.mu.Unlock()
		if done {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("display stuck at seq %d, controller at %d", s.Seq(), want)
}

// sameAsController compares the model with the controller's own answers.
func sameAsController(t *testing.T, s *Syncer, h *hall) {
	t.Helper()
	v := s.View()
	var q hallproto.Queues
	var ws []hallproto.Window
	if err := h.c.Do(context.Background(), "GET", "/api/v1/queues", nil, &q); err != nil {
		t.Fatal(err)
	}
	if err := h.c.Do(context.Background(), "GET", "/api/v1/windows", nil, &ws); err != nil {
		t.Fatal(err)
	}
	got := map[string]map[hallproto.Channel]int{}
	for _, l := range v.Queues {
		got[l.Service] = l.ByChannel
	}
	total := 0
	for _, sq := range q.Services {
		for ch, n := range sq.Waiting {
			if got[sq.Service][ch] != n {
				t.Errorf("service %s channel %s: display %d waiting, controller %d", sq.Service, ch, got[sq.Service][ch], n)
			}
			total += n
		}
	}
	if len(v.Windows) != len(ws) {
		t.Fatalf("display has %d windows, controller %d", len(v.Windows), len(ws))
	}
	for i, w := range ws {
		want := WindowLine{ID: w.ID, Name: w.Name, Status: w.Status, Staff: w.Staff, PauseReason: w.PauseReason}
		if w.Current != nil {
			want.Current = w.Current.Number
		}
		if v.Windows[i] != want {
			t.Errorf("window %s: display %+v, controller %+v", w.ID, v.Windows[i], want)
		}
	}
	t.Logf("compared at seq %d: %d waiting, %d windows", v.Seq, total, len(ws))
}

func startSyncer(t *testing.T, c Client, onChange func(uint64, Change)) *Syncer {
	s := NewSyncer(c, New(nil), &SyncOpts{OnChange: onChange})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return s
}

// TestFollowWithGap: the display follows a busy hall through a lost
// stretch of the stream and a broken connection, and ends in the
// controller's state.
func TestFollowWithGap(t *testing.T) {
	ctl := controllertest.Start(t, nil)
	c := newTestClient(ctl.URL, ctl.Token)
	h := &hall{t: t, c: c}
	for i := 1; i <= 8; i++ {
		h.mustAct(fmt.Sprint(i), hallproto.ActLogin, hallproto.ActionRequest{Staff: fmt.Sprintf("S%03d", i)})
	}
	for i := range 30 {
		h.issue(demoServices[i%len(demoServices)])
	}
	var loads, announced atomic.Int32
	s := startSyncer(t, c, func(seq uint64, ch Change) {
		if ch.Loaded {
			loads.Add(1)
		}
		if ch.Announce != nil {
			announced.Add(1)
		}
	})
	waitSynced(t, s, h)
	sameAsController(t, s, h)

	r := rand.New(rand.NewPCG(1, 2))
	// A stretch of the stream is lost: the model sees the gap and reloads.
	from := h.lastSeq() + 5
	c.setDrop(func(seq uint64) bool { return seq >= from && seq < from+7 })
	h.walk(r, 60)
	waitSynced(t, s, h)
	sameAsController(t, s, h)
	if loads.Load() < 2 {
		t.Errorf("the gap did not make the display reload (%d loads)", loads.Load())
	}
	c.setDrop(nil)

	// A connection that keeps breaking: Last-Event-ID resumes without a
	// reload.
	c.mu.Lock()
	c.cutAfter = 3
	c.mu.Unlock()
	before := loads.Load()
	h.walk(r, 80)
	waitSynced(t, s, h)
	sameAsController(t, s, h)
	c.mu.Lock()
	connects := c.connects
	c.mu.Unlock()
	if connects < 5 {
		t.Errorf("the stream reconnected only %d times", connects)
	}
	if loads.Load() != before {
		t.Errorf("reconnects with Last-Event-ID caused %d snapshot reloads", loads.Load()-before)
	}

	// Cancelling a ticket issued before the snapshot: the model cannot
	// place it, reloads and is right again.
	c.mu.Lock()
	c.cutAfter = 0
	c.mu.Unlock()
	cancelled := h.issue("property")
	s.Reload()
	waitSynced(t, s, h)
	reloads := loads.Load()
	h.mustAct("1", hallproto.ActCancel, hallproto.ActionRequest{Ticket: cancelled.ID, Reason: "群众主动放弃"})
	waitSynced(t, s, h)
	sameAsController(t, s, h)
	if loads.Load() == reloads {
		t.Errorf("cancel of a ticket issued before the snapshot did not reload")
	}
	if announced.Load() == 0 {
		t.Error("no call was announced")
	}
}
