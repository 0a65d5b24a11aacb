package hallview

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"hallq/controller/hallproto"
)

// scriptClient answers snapshots from a settable state and plays a script
// of events on each Follow.
type scriptClient struct {
	mu      sync.Mutex
	snap    *Snapshot
	scripts [][]hallproto.Event
	follows int
	// later feeds events into the running Follow.
	later chan hallproto.Event
}

func (c *scriptClient) Do(ctx context.Context, method, path string, in, out any) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var v any
	switch path {
	case "/healthz":
		v = map[string]uint64{"last_seq": c.snap.Seq}
	case "/api/v1/hall":
		return fmt.Errorf("404")
	case "/api/v1/services":
		v = c.snap.Services
	case "/api/v1/windows":
		v = c.snap.Windows
	case "/api/v1/queues":
		v = c.snap.Queues
	default:
		return fmt.Errorf("unexpected %s", path)
	}
	b, _ := json.Marshal(v)
	return json.Unmarshal(b, out)
}

func (c *scriptClient) Follow(ctx context.Context, since uint64, fn func(hallproto.Event)) error {
	c.mu.Lock()
	var script []hallproto.Event
	if c.follows < len(c.scripts) {
		script = c.scripts[c.follows]
	}
	c.follows++
	c.mu.Unlock()
	for _, e := range script {
		if ctx.Err() != nil {
			break
		}
		fn(e)
	}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case e := <-c.later:
			fn(e)
		}
	}
}

// TestSyncerRegress: a controller whose sequence goes back (its database
// was replaced) makes the display reload instead of ignoring it forever.
func TestSyncerRegress(t *testing.T) {
	snap := demoSnapshot()
	c := &scriptClient{snap: snap, later: make(chan hallproto.Event),
		scripts: [][]hallproto.Event{{*ev(11, hallproto.EvIssued, 5, "A005", "social", "", t0)}}}
	var loads atomic.Int32
	s := NewSyncer(c, New(nil), &SyncOpts{Now: func() time.Time { return t0 }, OnChange: func(seq uint64, ch Change) {
		if ch.Loaded {
			loads.Add(1)
		}
	}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	for start := time.Now(); s.Seq() != 11; time.Sleep(time.Millisecond) {
		if time.Since(start) > 5*time.Second {
			t.Fatalf("seq %d", s.Seq())
		}
	}
	// The controller is replaced (its log is at 3); the link follows it
	// from its present and delivers event 3.
	c.mu.Lock()
	fresh := demoSnapshot()
	fresh.Seq = 3
	c.snap = fresh
	c.mu.Unlock()
	c.later <- *ev(3, hallproto.EvIssued, 2, "A002", "social", "", t0)
	for start := time.Now(); loads.Load() < 2 || s.Seq() != 3; time.Sleep(time.Millisecond) {
		if time.Since(start) > 5*time.Second {
			t.Fatalf("seq %d after %d loads", s.Seq(), loads.Load())
		}
	}
}
