package kioskapp

import (
	"context"
	"sync"
	"time"
)

// readyWait bounds how long a card read at start waits for the controller's
// hall information: with the controller down the kiosk must still serve
// (offline tickets) on its built-in hours.
const readyWait = 5 * time.Second

// readyGate opens once: when the kiosk knows the hall, or when a waiter
// gave up on it (so later cards do not wait again).
type readyGate struct {
	ch   chan struct{}
	once sync.Once
}

func newReadyGate() *readyGate { return &readyGate{ch: make(chan struct{})} }

func (g *readyGate) open() { g.once.Do(func() { close(g.ch) }) }

// wait returns when the gate is open, after d (opening it), or when ctx
// ends.
func (g *readyGate) wait(ctx context.Context, d time.Duration) {
	select {
	case <-g.ch:
		return
	default:
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-g.ch:
	case <-t.C:
		g.open()
	case <-ctx.Done():
	}
}
