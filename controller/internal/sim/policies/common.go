package policies

import (
	"slices"
	"time"

	"hallq/controller/internal/queue"
)

// Factory names a policy and builds a fresh one for a hall.
type Factory struct {
	Name string
	// Desc is a one-line description for tables and docs.
	Desc string
	New  func(cfg queue.Config) queue.Policy
}

// Composite is the controller's default policy, built by queue.NewPolicy
// from the hall's policy parameters.
func Composite() Factory {
	return Factory{Name: "composite", Desc: "controller default (queueing.md §4)", New: func(cfg queue.Config) queue.Policy {
		p, err := queue.NewPolicy(cfg.Policy)
		if err != nil {
			// queue.New has validated the configuration already.
			panic(err)
		}
		return p
	}}
}

// All is the composite followed by every peer, with default parameters.
func All() []Factory {
	return []Factory{
		Composite(),
		{"fifo", "arrival order across the window's services", func(queue.Config) queue.Policy { return FIFO{} }},
		{"strict", "strict priority: green, love, appointment, normal", func(queue.Config) queue.Policy { return Strict{} }},
		{"lexicographic", "appointment, staff-service, priority, service weight, arrival", func(c queue.Config) queue.Policy { return NewLexicographic(c) }},
		{"accumulating", "(priority+1) x wait, one normal after 2 priority calls", func(queue.Config) queue.Policy { return &Accumulating{K: 2} }},
		{"swap", "strict, but arrival order for one call after 3 priority calls", func(queue.Config) queue.Policy { return &Swap{N: 3} }},
		{"workprofile", "ordered conditions, then longest wait", func(queue.Config) queue.Policy { return NewWorkProfile(nil) }},
		{"merge", "priority walk-ins, due appointments, walk-ins; 5 min re-call embargo", func(queue.Config) queue.Policy { return NewMerge(5*time.Minute, 2) }},
	}
}

// ByName finds a factory in All or Experimental.
func ByName(name string) (Factory, bool) {
	for _, f := range append(All(), Experimental()...) {
		if f.Name == name {
			return f, true
		}
	}
	return Factory{}, false
}

// cand is a candidate ticket and the position of its service in the
// window's profile.
type cand struct {
	t    *queue.Ticket
	rank int
}

// earlier orders by line time (arrival; booked time for early check-ins),
// then profile order, then number.
func earlier(a, b cand) bool {
	if b.t == nil {
		return a.t != nil
	}
	if a.t == nil {
		return false
	}
	if !a.t.Since.Equal(b.t.Since) {
		return a.t.Since.Before(b.t.Since)
	}
	if a.rank != b.rank {
		return a.rank < b.rank
	}
	if a.t.Num != b.t.Num {
		return a.t.Num < b.t.Num
	}
	return a.t.ID < b.t.ID
}

// callable: an appointment is not called before its booked time.
func callable(t *queue.Ticket, now time.Time) bool {
	return t.Channel != queue.Appointment || !t.Since.After(now)
}

// forWindow is the first ticket transferred to this window that the call
// may take.
func forWindow(v queue.View, w *queue.Window, services []string) *queue.Ticket {
	for _, t := range v.ForWindow(w.ID) {
		if len(services) == len(w.Services) || slices.Contains(services, t.Service) {
			return t
		}
	}
	return nil
}

// head is the earliest callable ticket of one channel across the services.
func head(v queue.View, services []string, ch queue.Channel, now time.Time) cand {
	var best cand
	for rank, s := range services {
		if l := v.Line(s, ch); len(l) > 0 && callable(l[0], now) {
			if c := (cand{l[0], rank}); earlier(c, best) {
				best = c
			}
		}
	}
	return best
}

// fifo is the earliest callable ticket of any channel.
func fifo(v queue.View, services []string, now time.Time) *queue.Ticket {
	var best cand
	for _, ch := range queue.Channels {
		if c := head(v, services, ch, now); earlier(c, best) {
			best = c
		}
	}
	return best.t
}

// priorityWeight is the usual peer weighting: green 2, love and appointment
// 1, normal 0.
func priorityWeight(ch queue.Channel) float64 {
	switch ch {
	case queue.Green:
		return 2
	case queue.Love, queue.Appointment:
		return 1
	}
	return 0
}
