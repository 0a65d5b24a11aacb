package engine

import (
	"sync"

	"hallq/controller/internal/queue"
	"hallq/controller/internal/store"
)

// ringSize is how many recent events the hub serves from memory; older
// ones come from the store.
const ringSize = 16384

// subBuffer is how far a subscriber may fall behind before it is cut off;
// it then reconnects with ?since= and catches up from the log.
const subBuffer = 4096

// Frame is one event as sent to subscribers, rendered once for all of them.
type Frame struct {
	Seq   uint64
	Bytes []byte
}

// Hub fans committed events out to subscribers.
type Hub struct {
	st     *store.Store
	render func(*queue.Event) []byte

	mu     sync.Mutex
	ring   []Frame // event seq lives at ring[seq%ringSize]
	count  uint64  // events in the ring, at most ringSize
	last   uint64
	subs   map[*Sub]struct{}
	closed bool
}

// Sub is one subscription. C delivers events in order; it is closed when the
// subscriber fell too far behind (Lagged reports it) or the hub stops.
type Sub struct {
	C      chan Frame
	lagged bool
}

// Lagged reports whether the hub cut the subscriber off for being slow.
func (s *Sub) Lagged() bool { return s.lagged }

func newHub(st *store.Store, last uint64) *Hub {
	return &Hub{st: st, ring: make([]Frame, ringSize), last: last, subs: map[*Sub]struct{}{},
		render: func(e *queue.Event) []byte { return nil }}
}

// SetRenderer sets how events are turned into frames (the API's SSE
// encoding). Call it before serving.
func (h *Hub) SetRenderer(f func(*queue.Event) []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.render = f
}

// Last is the newest committed sequence number.
func (h *Hub) Last() uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.last
}

// Subscribers counts live subscriptions.
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

func (h *Hub) publish(evs []queue.Event) {
	if len(evs) == 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	frames := make([]Frame, len(evs))
	for i := range evs {
		frames[i] = Frame{evs[i].Seq, h.render(&evs[i])}
		h.ring[evs[i].Seq%ringSize] = frames[i]
		h.count = min(h.count+1, ringSize)
		h.last = evs[i].Seq
	}
	for s := range h.subs {
		for _, e := range frames {
			select {
			case s.C <- e:
			default:
				s.lagged = true
				close(s.C)
				delete(h.subs, s)
				goto next
			}
		}
	next:
	}
}

// Subscribe returns the events after since that are already committed
// (backlog, up to limit; more stays in the store for the next reconnect) and
// a subscription that continues exactly after them.
func (h *Hub) Subscribe(since uint64, limit int) ([]Frame, *Sub, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var backlog []Frame
	if since < h.last {
		if h.count > 0 && since+1 >= h.last-h.count+1 {
			for seq := since + 1; seq <= h.last && len(backlog) < limit; seq++ {
				backlog = append(backlog, h.ring[seq%ringSize])
			}
		} else {
			evs, err := h.st.Events(since, limit)
			if err != nil {
				return nil, nil, err
			}
			for i := range evs {
				backlog = append(backlog, Frame{evs[i].Seq, h.render(&evs[i])})
			}
		}
	}
	if len(backlog) > 0 && backlog[len(backlog)-1].Seq < h.last {
		// The backlog was cut at limit: no live subscription, the client
		// reconnects from where the backlog ends.
		return backlog, nil, nil
	}
	s := &Sub{C: make(chan Frame, subBuffer)}
	if h.closed {
		close(s.C)
		return backlog, s, nil
	}
	h.subs[s] = struct{}{}
	return backlog, s, nil
}

// Unsubscribe ends a subscription.
func (h *Hub) Unsubscribe(s *Sub) {
	if s == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[s]; ok {
		delete(h.subs, s)
		close(s.C)
	}
}

func (h *Hub) closeAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for s := range h.subs {
		close(s.C)
		delete(h.subs, s)
	}
}
