package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"hallq/controller/internal/queue"
	"hallq/controller/internal/store"
)

// Reply is the answer to a command: a status code and the exact body bytes,
// which is what a retry with the same request id gets back.
type Reply struct {
	Status int
	Body   []byte
}

// Command is one mutating request.
type Command struct {
	RequestID   string
	Fingerprint [32]byte
	// Run applies the command to the hall and renders the answer. It runs on
	// the engine's goroutine; it must not keep h or block.
	Run func(h *queue.Hall, now time.Time) Reply
}

// Errors of Do.
var (
	// ErrUnavailable: the store could not write; nothing of the command was kept.
	ErrUnavailable = errors.New("engine: store unavailable")
	// ErrRequestReused: a request id came back with a different request.
	ErrRequestReused = errors.New("engine: request id reused with a different request")
	// ErrStopped: the engine is shutting down.
	ErrStopped = errors.New("engine: stopped")
)

// Options configure an engine.
type Options struct {
	Clock func() time.Time
	// MaxBatch bounds commands per group commit.
	MaxBatch int
	// SnapshotEvery writes a snapshot after this many events.
	SnapshotEvery int
	// RequestTTL is how long request ids are remembered.
	RequestTTL time.Duration
	// TickEvery runs the hall's clock tick (day roll-over).
	TickEvery time.Duration
	Logger    *slog.Logger
	// Hooks for metrics; may be nil.
	OnCommit func(commands, events int, d time.Duration, err error)
}

type op struct {
	cmd   *Command
	read  func(h *queue.Hall, now time.Time)
	reply chan result
}

type result struct {
	r   Reply
	err error
}

// Engine is the single writer.
type Engine struct {
	cfg   queue.Config
	st    *store.Store
	o     Options
	hall  *queue.Hall
	in    chan op
	hub   *Hub
	reqs  map[string]store.RequestMeta
	quit  chan struct{}
	done  chan struct{}
	once  sync.Once
	since int // events since the last snapshot

	commits, fsyncOps atomic.Uint64
	broken            atomic.Bool
}

// New loads the hall from the store and starts the writer goroutine.
func New(cfg queue.Config, st *store.Store, o Options) (*Engine, error) {
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.MaxBatch == 0 {
		o.MaxBatch = 512
	}
	if o.SnapshotEvery == 0 {
		o.SnapshotEvery = 20000
	}
	if o.RequestTTL == 0 {
		o.RequestTTL = 24 * time.Hour
	}
	if o.TickEvery == 0 {
		o.TickEvery = 10 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	e := &Engine{cfg: cfg, st: st, o: o, in: make(chan op, 4096), quit: make(chan struct{}), done: make(chan struct{})}
	h, n, err := e.load()
	if err != nil {
		return nil, err
	}
	e.hall = h
	e.since = n
	reqs, err := st.Requests(o.Clock().Add(-o.RequestTTL))
	if err != nil {
		return nil, err
	}
	e.reqs = reqs
	e.hub = newHub(st, h.LastSeq())
	go e.loop()
	return e, nil
}

func (e *Engine) load() (*queue.Hall, int, error) {
	h, err := queue.New(e.cfg, e.st.PersonKey())
	if err != nil {
		return nil, 0, err
	}
	n, err := e.st.Load(h)
	if err != nil {
		return nil, 0, err
	}
	h.DropEvents()
	return h, n, nil
}

// Location is the hall's time zone.
func (e *Engine) Location() *time.Location { return e.hall.Location() }

// Hub is the event fan-out.
func (e *Engine) Hub() *Hub { return e.hub }

// Stats are counters for metrics: group commits and commands committed.
func (e *Engine) Stats() (commits, commands uint64) { return e.commits.Load(), e.fsyncOps.Load() }

// Do runs a command and waits until it is durable.
func (e *Engine) Do(ctx context.Context, c *Command) (Reply, error) {
	ch := make(chan result, 1)
	select {
	case e.in <- op{cmd: c, reply: ch}:
	case <-e.quit:
		return Reply{}, ErrStopped
	case <-ctx.Done():
		return Reply{}, ctx.Err()
	}
	// Once queued the command will be decided; wait for it even if the
	// caller gives up, so its fate is logged consistently.
	select {
	case r := <-ch:
		return r.r, r.err
	case <-e.done:
		return Reply{}, ErrStopped
	}
}

// Read runs f on the engine's goroutine against committed state.
func (e *Engine) Read(ctx context.Context, f func(h *queue.Hall, now time.Time)) error {
	ch := make(chan result, 1)
	select {
	case e.in <- op{read: f, reply: ch}:
	case <-e.quit:
		return ErrStopped
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case r := <-ch:
		return r.err
	case <-e.done:
		return ErrStopped
	}
}

// Close stops the writer after the commands already queued.
func (e *Engine) Close() {
	e.once.Do(func() { close(e.quit) })
	<-e.done
	e.hub.closeAll()
}

type pending struct {
	op      op
	reply   Reply
	err     error
	dupOf   int // index+1 of an earlier command in the batch with the same id
	fromLog bool
}

func (e *Engine) loop() {
	defer close(e.done)
	tick := time.NewTicker(e.o.TickEvery)
	defer tick.Stop()
	var batch []op
	for {
		batch = batch[:0]
		select {
		case o := <-e.in:
			batch = append(batch, o)
		case <-tick.C:
			e.hall.Tick(e.o.Clock())
			if evs := e.hall.TakeEvents(); len(evs) > 0 {
				e.commit(nil, evs)
			}
			e.pruneRequests()
			continue
		case <-e.quit:
			// Drain what is queued, then stop.
			for {
				select {
				case o := <-e.in:
					e.process([]op{o})
				default:
					return
				}
			}
		}
	drain:
		for len(batch) < e.o.MaxBatch {
			select {
			case o := <-e.in:
				batch = append(batch, o)
			default:
				break drain
			}
		}
		e.process(batch)
	}
}

func (e *Engine) process(batch []op) {
	now := e.o.Clock()
	ps := make([]pending, len(batch))
	inBatch := map[string]int{}
	var events []queue.Event
	var reads []int
	for i, o := range batch {
		p := &ps[i]
		p.op = o
		if o.read != nil {
			reads = append(reads, i)
			continue
		}
		c := o.cmd
		if e.broken.Load() {
			p.err = ErrUnavailable
			continue
		}
		if c.RequestID != "" {
			if j, ok := inBatch[c.RequestID]; ok {
				if ps[j].op.cmd.Fingerprint != c.Fingerprint {
					p.err = ErrRequestReused
				} else {
					p.dupOf = j + 1
				}
				continue
			}
			if m, ok := e.reqs[c.RequestID]; ok {
				if m.Fingerprint != c.Fingerprint {
					p.err = ErrRequestReused
					continue
				}
				r, found, err := e.st.Request(c.RequestID)
				if err == nil && found {
					p.reply, p.fromLog = Reply{r.Status, r.Body}, true
					continue
				}
				// Pruned between the map and the file: run it again.
			}
			inBatch[c.RequestID] = i
		}
		p.reply = c.Run(e.hall, now)
		events = append(events, e.hall.TakeEvents()...)
	}
	var reqs []store.Request
	for i := range ps {
		p := &ps[i]
		if p.op.cmd != nil && p.err == nil && p.dupOf == 0 && !p.fromLog && p.op.cmd.RequestID != "" {
			reqs = append(reqs, store.Request{ID: p.op.cmd.RequestID, Fingerprint: p.op.cmd.Fingerprint,
				At: now, Status: p.reply.Status, Body: p.reply.Body})
		}
	}
	var err error
	if len(events) > 0 || len(reqs) > 0 {
		err = e.commitWith(reqs, events)
	}
	for i := range ps {
		p := &ps[i]
		if p.op.read != nil {
			continue
		}
		switch {
		case p.err != nil:
		case err != nil && !p.fromLog:
			p.err = ErrUnavailable
		case p.dupOf > 0:
			p.reply = ps[p.dupOf-1].reply
		}
		p.op.reply <- result{p.reply, p.err}
	}
	for _, i := range reads {
		ps[i].op.read(e.hall, now)
		ps[i].op.reply <- result{}
	}
	if err == nil {
		for _, r := range reqs {
			e.reqs[r.ID] = store.RequestMeta{Fingerprint: r.Fingerprint, At: r.At}
		}
	}
}

func (e *Engine) commit(reqs []store.Request, events []queue.Event) {
	if err := e.commitWith(reqs, events); err != nil {
		e.o.Logger.Error("commit of clock events failed", "err", err)
	}
}

// commitWith writes one group commit. On failure the in-memory hall is
// rebuilt from the store, so it holds exactly what is durable.
func (e *Engine) commitWith(reqs []store.Request, events []queue.Event) error {
	start := time.Now()
	b := &store.Batch{Events: events, Requests: reqs}
	e.since += len(events)
	if e.since >= e.o.SnapshotEvery && len(events) > 0 {
		snap, err := e.hall.Snapshot()
		if err == nil {
			b.Snapshot, b.SnapshotSeq = snap, e.hall.LastSeq()
		}
	}
	err := e.st.Commit(b)
	if e.o.OnCommit != nil {
		e.o.OnCommit(len(reqs), len(events), time.Since(start), err)
	}
	if err != nil {
		e.since -= len(events)
		e.o.Logger.Error("group commit failed; rebuilding state from the store", "events", len(events), "err", err)
		h, n, lerr := e.load()
		if lerr != nil {
			// The store cannot even be read: refuse writes until restart.
			e.broken.Store(true)
			e.o.Logger.Error("store unreadable; refusing writes", "err", lerr)
			return fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		e.hall, e.since = h, n
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	if b.Snapshot != nil {
		e.since = 0
	}
	e.commits.Add(1)
	e.fsyncOps.Add(uint64(len(reqs)))
	e.hub.publish(events)
	return nil
}

func (e *Engine) pruneRequests() {
	cut := e.o.Clock().Add(-e.o.RequestTTL)
	stale := false
	for id, m := range e.reqs {
		if m.At.Before(cut) {
			delete(e.reqs, id)
			stale = true
		}
	}
	if stale {
		if _, err := e.st.PruneRequests(cut); err != nil {
			e.o.Logger.Warn("prune request ids", "err", err)
		}
	}
}

// Healthy reports whether writes are accepted.
func (e *Engine) Healthy() bool { return !e.broken.Load() }
