package kioskapp

import (
	"context"
	"testing"
	"time"
)

func TestReadyGate(t *testing.T) {
	ctx := context.Background()
	g := newReadyGate()
	start := time.Now()
	g.wait(ctx, 30*time.Millisecond) // gives up and opens
	if time.Since(start) < 30*time.Millisecond {
		t.Fatal("returned before the gate opened or the wait ran out")
	}
	start = time.Now()
	g.wait(ctx, time.Hour) // open now: no second wait
	if time.Since(start) > time.Second {
		t.Fatal("waited on an open gate")
	}
	g2 := newReadyGate()
	go func() { time.Sleep(20 * time.Millisecond); g2.open(); g2.open() }()
	start = time.Now()
	g2.wait(ctx, time.Hour)
	if time.Since(start) > 10*time.Second {
		t.Fatal("open did not release the waiter")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	newReadyGate().wait(cctx, time.Hour) // returns at once
}
