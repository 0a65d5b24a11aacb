package hallview

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"hallq/controller/hallproto"
)

// Client is what the display needs from its link to the controller;
// kiosk/internal/link's *Client has these methods.
type Client interface {
	// Do sends one JSON request and decodes the answer into out.
	Do(ctx context.Context, method, path string, in, out any) error
	// Follow delivers events after since, reconnecting with Last-Event-ID,
	// until ctx ends.
	Follow(ctx context.Context, since uint64, fn func(hallproto.Event)) error
}

// snapshotTries bounds how often LoadSnapshot retries while the hall keeps
// changing under it.
const snapshotTries = 5

// LoadSnapshot reads the controller's state consistently. The API has no
// single call for "state at sequence N", so the read is bracketed by the
// last sequence (GET /healthz) before and after; when they differ an event
// slipped in between and the read is repeated. Hall info is optional: when
// GET /api/v1/hall fails, Hall is nil and the model keeps what it had.
func LoadSnapshot(ctx context.Context, c Client) (*Snapshot, error) {
	var hall *hallproto.HallInfo
	var h hallproto.HallInfo
	if err := c.Do(ctx, "GET", "/api/v1/hall", nil, &h); err == nil {
		hall = &h
	}
	var services []hallproto.Service
	if err := c.Do(ctx, "GET", "/api/v1/services", nil, &services); err != nil {
		return nil, fmt.Errorf("hallview: services: %w", err)
	}
	for range snapshotTries {
		before, err := lastSeq(ctx, c)
		if err != nil {
			return nil, err
		}
		s := &Snapshot{Seq: before, Hall: hall, Services: services}
		if err := c.Do(ctx, "GET", "/api/v1/windows", nil, &s.Windows); err != nil {
			return nil, fmt.Errorf("hallview: windows: %w", err)
		}
		if err := c.Do(ctx, "GET", "/api/v1/queues", nil, &s.Queues); err != nil {
			return nil, fmt.Errorf("hallview: queues: %w", err)
		}
		after, err := lastSeq(ctx, c)
		if err != nil {
			return nil, err
		}
		if after == before {
			return s, nil
		}
	}
	return nil, ErrInconsistent
}

func lastSeq(ctx context.Context, c Client) (uint64, error) {
	var h struct {
		LastSeq uint64 `json:"last_seq"`
	}
	if err := c.Do(ctx, "GET", "/healthz", nil, &h); err != nil {
		return 0, fmt.Errorf("hallview: healthz: %w", err)
	}
	return h.LastSeq, nil
}

// SyncOpts configure a Syncer.
type SyncOpts struct {
	// Now is the display's clock; nil means time.Now.
	Now func() time.Time
	// OnChange is called after every snapshot load (zero Change) and every
	// event, outside the lock, with the model's sequence.
	OnChange func(seq uint64, c Change)
	Logger   *slog.Logger
	// MaxBackoff caps the wait between failed snapshot loads.
	MaxBackoff time.Duration
}

// Syncer keeps a Model in step with a controller.
type Syncer struct {
	c      Client
	o      SyncOpts
	reload chan struct{}

	mu sync.Mutex
	m  *Model
}

// NewSyncer wires a model to a client.
func NewSyncer(c Client, m *Model, o *SyncOpts) *Syncer {
	s := &Syncer{c: c, m: m, reload: make(chan struct{}, 1)}
	if o != nil {
		s.o = *o
	}
	if s.o.Now == nil {
		s.o.Now = time.Now
	}
	if s.o.Logger == nil {
		s.o.Logger = slog.Default()
	}
	if s.o.MaxBackoff <= 0 {
		s.o.MaxBackoff = 10 * time.Second
	}
	return s
}

// View renders the model now.
func (s *Syncer) View() View {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m.View(s.o.Now())
}

// Seq is the model's sequence.
func (s *Syncer) Seq() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m.Seq()
}

// Reload asks Run for a fresh snapshot, e.g. after the link was offline so
// long that replaying the missed events would take longer than reading the
// state (or on a config_changed event).
func (s *Syncer) Reload() {
	select {
	case s.reload <- struct{}{}:
	default:
	}
}

// Run loads a snapshot, follows the event stream from it and starts over
// on a gap, an event the model cannot place, or Reload. It returns when ctx
// ends.
func (s *Syncer) Run(ctx context.Context) error {
	backoff := 250 * time.Millisecond
	for ctx.Err() == nil {
		snap, err := LoadSnapshot(ctx, s.c)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			s.o.Logger.Warn("hall display: snapshot", "err", err, "retry_in", backoff.String())
			select {
			case <-ctx.Done():
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, s.o.MaxBackoff)
			continue
		}
		backoff = 250 * time.Millisecond
		s.mu.Lock()
		fresh := s.m.Load(snap, s.o.Now())
		s.mu.Unlock()
		s.notify(snap.Seq, Change{Loaded: true})
		for i := range fresh {
			s.notify(snap.Seq, Change{Announce: &fresh[i]})
		}
		if !s.follow(ctx, snap.Seq) {
			// The stream ended by itself: do not spin on a broken link.
			select {
			case <-ctx.Done():
			case <-time.After(backoff):
			}
		}
	}
	return ctx.Err()
}

// follow applies events until the stream needs a reload or ctx ends; it
// reports whether it stopped on purpose.
func (s *Syncer) follow(ctx context.Context, since uint64) bool {
	fctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-s.reload:
			cancel()
		case <-fctx.Done():
		}
	}()
	err := s.c.Follow(fctx, since, func(e hallproto.Event) {
		if fctx.Err() != nil {
			return
		}
		s.mu.Lock()
		if e.Seq <= s.m.Seq() {
			// The link delivers each event once, so an old sequence means
			// the controller's log was replaced (a restored or new
			// database): its state is no longer ours.
			have := s.m.Seq()
			s.mu.Unlock()
			s.o.Logger.Warn("hall display: the controller's sequence went back, reloading", "have", have, "got", e.Seq)
			cancel()
			return
		}
		ch, err := s.m.Apply(&e, s.o.Now())
		seq, stale := s.m.Seq(), s.m.Stale()
		s.mu.Unlock()
		if err != nil {
			s.o.Logger.Info("hall display: reloading", "reason", err.Error())
			cancel()
			return
		}
		s.notify(seq, ch)
		if stale {
			s.o.Logger.Info("hall display: reloading", "reason", "event the model cannot place", "seq", seq, "type", string(e.Type))
			cancel()
		}
	})
	if fctx.Err() != nil {
		return true
	}
	s.o.Logger.Warn("hall display: event stream ended", "err", err)
	return false
}

func (s *Syncer) notify(seq uint64, c Change) {
	if s.o.OnChange != nil {
		s.o.OnChange(seq, c)
	}
}
