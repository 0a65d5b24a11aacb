package hallview

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"hallq/controller/controllertest"
	"hallq/controller/hallproto"
	"hallq/kiosk/internal/link"
)

// BenchmarkCallToScreen: a window calls a ticket; the figure is the time
// from sending the call to the moment each of 300 hall displays (300
// followers of the real controller's event stream, each with its own link
// and model, in this process) has folded the call into its model. Goal:
// p99 under 100 ms. commit-ms is the call request's own round trip (the
// controller's commit with fsync included), for comparison.
//
//	go test ./kiosk/internal/hallview -run XXX -bench CallToScreen -benchtime 100x -count 5
func BenchmarkCallToScreen(b *testing.B) {
	const followers = 300
	ctl := controllertest.Start(b, nil)
	h := &hall{t: b, c: newTestClient(ctl.URL, ctl.Token)}
	h.mustAct("3", hallproto.ActLogin, hallproto.ActionRequest{Staff: "S003"})
	h.issue("household")

	var (
		target  atomic.Uint64
		t0      atomic.Int64 // unix nanos when the call was sent
		mu      sync.Mutex
		lat     []time.Duration
		pending sync.WaitGroup
	)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithCancel(context.Background())
	var running sync.WaitGroup
	defer func() { cancel(); running.Wait() }()
	syncers := make([]*Syncer, followers)
	for i := range followers {
		lc, err := link.New(ctl.URL, ctl.Token, &link.Opts{Logger: quiet})
		if err != nil {
			b.Fatal(err)
		}
		var seen atomic.Uint64
		s := NewSyncer(lc, New(nil), &SyncOpts{Logger: quiet, OnChange: func(seq uint64, c Change) {
			// Each follower reports the target once, from whichever
			// path delivered it (event or reload).
			if tg := target.Load(); tg != 0 && seq >= tg && seen.Swap(tg) != tg {
				d := time.Duration(time.Now().UnixNano() - t0.Load())
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
				pending.Done()
			}
		}})
		syncers[i] = s
		running.Add(1)
		go func() { defer running.Done(); s.Run(ctx) }()
	}
	// settle waits until every follower has the controller's last event.
	settle := func() {
		want := h.lastSeq()
		deadline := time.Now().Add(30 * time.Second)
		for _, s := range syncers {
			for s.Seq() < want {
				if time.Now().After(deadline) {
					b.Fatalf("a follower is stuck at %d, controller at %d", s.Seq(), want)
				}
				time.Sleep(time.Millisecond)
			}
		}
	}
	settle()
	var commits []time.Duration
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		if i > 0 {
			h.mustAct("3", hallproto.ActFinish, hallproto.ActionRequest{Outcome: "done"})
			h.issue("household")
		}
		settle()
		pending.Add(followers)
		target.Store(h.lastSeq() + 1)
		b.StartTimer()
		start := time.Now()
		t0.Store(start.UnixNano())
		h.mustAct("3", hallproto.ActCall, hallproto.ActionRequest{})
		commits = append(commits, time.Since(start))
		waitOrFail(b, &pending, 30*time.Second)
	}
	b.StopTimer()
	target.Store(0)
	slices.Sort(lat)
	slices.Sort(commits)
	pct := func(d []time.Duration, p float64) float64 {
		return float64(d[min(len(d)-1, int(float64(len(d))*p))]) / float64(time.Millisecond)
	}
	b.ReportMetric(pct(lat, 0.50), "p50-ms")
	b.ReportMetric(pct(lat, 0.99), "p99-ms")
	b.ReportMetric(pct(lat, 1), "max-ms")
	b.ReportMetric(pct(commits, 0.50), "commit-ms")
	b.ReportMetric(followers, "followers")
}

func waitOrFail(b *testing.B, wg *sync.WaitGroup, d time.Duration) {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
		b.Fatalf("not every follower saw the call within %s", d)
	}
}
