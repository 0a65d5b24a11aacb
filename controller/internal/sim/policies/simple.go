package policies

import (
	"time"

	"hallq/controller/internal/queue"
)

// FIFO calls by arrival across the window's services and all channels.
type FIFO struct{}

// Name implements queue.Policy.
func (FIFO) Name() string { return "fifo" }

// Pick implements queue.Policy.
func (FIFO) Pick(v queue.View, w *queue.Window, services []string, now time.Time) *queue.Ticket {
	if t := forWindow(v, w, services); t != nil {
		return t
	}
	return fifo(v, services, now)
}

// strictOrder is the class order of strict priority.
var strictOrder = []queue.Channel{queue.Green, queue.Love, queue.Appointment, queue.Normal}

// Strict calls by priority class (green, love, due appointment, normal),
// then by arrival: a normal ticket waits while any priority ticket waits.
type Strict struct{}

// Name implements queue.Policy.
func (Strict) Name() string { return "strict" }

// Pick implements queue.Policy.
func (Strict) Pick(v queue.View, w *queue.Window, services []string, now time.Time) *queue.Ticket {
	if t := forWindow(v, w, services); t != nil {
		return t
	}
	return strict(v, services, now)
}

func strict(v queue.View, services []string, now time.Time) *queue.Ticket {
	for _, ch := range strictOrder {
		if c := head(v, services, ch, now); c.t != nil {
			return c.t
		}
	}
	return nil
}

// Swap is strict priority, except that after N priority calls in a row at
// the window the next call ignores priority and goes by arrival.
type Swap struct{ N int }

// Name implements queue.Policy.
func (p *Swap) Name() string { return "swap" }

// Pick implements queue.Policy.
func (p *Swap) Pick(v queue.View, w *queue.Window, services []string, now time.Time) *queue.Ticket {
	if t := forWindow(v, w, services); t != nil {
		return t
	}
	if w.Consecutive >= p.N {
		return fifo(v, services, now)
	}
	return strict(v, services, now)
}

// Accumulating scores each line head (priority weight + 1) x wait and
// calls the highest, except that after K priority calls in a row at the
// window it calls the longest-waiting normal ticket.
type Accumulating struct{ K int }

// Name implements queue.Policy.
func (p *Accumulating) Name() string { return "accumulating" }

// Pick implements queue.Policy.
func (p *Accumulating) Pick(v queue.View, w *queue.Window, services []string, now time.Time) *queue.Ticket {
	if t := forWindow(v, w, services); t != nil {
		return t
	}
	if w.Consecutive >= p.K {
		if c := head(v, services, queue.Normal, now); c.t != nil {
			return c.t
		}
	}
	var best cand
	bestScore := -1.0
	for _, ch := range queue.Channels {
		c := head(v, services, ch, now)
		if c.t == nil {
			continue
		}
		s := (priorityWeight(ch) + 1) * float64(c.t.Wait(now))
		if s > bestScore || (s == bestScore && earlier(c, best)) {
			best, bestScore = c, s
		}
	}
	return best.t
}

// Lexicographic orders by the tuple (appointment time, staff-service
// weight, priority weight, service weight, arrival): due appointments
// first by booked time; then the window's primary service (the first of
// its profile) before its secondary ones; then green before love before
// normal; then services configured earlier; then arrival.
type Lexicographic struct {
	weight map[string]int // service weight: higher is called first
}

// NewLexicographic weighs services by their order in the configuration.
func NewLexicographic(cfg queue.Config) *Lexicographic {
	p := &Lexicographic{weight: map[string]int{}}
	for i, s := range cfg.Services {
		p.weight[s.ID] = len(cfg.Services) - i
	}
	return p
}

// Name implements queue.Policy.
func (p *Lexicographic) Name() string { return "lexicographic" }

// Pick implements queue.Policy.
func (p *Lexicographic) Pick(v queue.View, w *queue.Window, services []string, now time.Time) *queue.Ticket {
	if t := forWindow(v, w, services); t != nil {
		return t
	}
	if c := head(v, services, queue.Appointment, now); c.t != nil {
		return c.t
	}
	type key struct {
		staff, prio, svc int
	}
	var best cand
	var bk key
	for rank, s := range services {
		staff := 1
		if len(w.Services) > 0 && w.Services[0] == s {
			staff = 2
		}
		for _, ch := range []queue.Channel{queue.Green, queue.Love, queue.Normal} {
			l := v.Line(s, ch)
			if len(l) == 0 {
				continue
			}
			k := key{staff, int(priorityWeight(ch)), p.weight[s]}
			c := cand{l[0], rank}
			if best.t == nil || k.staff > bk.staff ||
				(k.staff == bk.staff && (k.prio > bk.prio ||
					(k.prio == bk.prio && (k.svc > bk.svc || (k.svc == bk.svc && earlier(c, best)))))) {
				best, bk = c, k
			}
		}
	}
	return best.t
}
