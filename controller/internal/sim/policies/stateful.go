package policies

import (
	"time"

	"hallq/controller/internal/queue"
)

// Condition is one rule of a work profile. It fires when a line of the
// window's services (Service, or any when empty) of the channel has a head
// that waited longer than WaitAbove, or, with CalledBelow > 0, when fewer
// than CalledBelow tickets were called from that service at this window
// since the counters were last reset. It then calls the longest-waiting
// ticket of the lines it matched.
type Condition struct {
	Service     string
	Channels    []queue.Channel
	WaitAbove   time.Duration
	CalledBelow int
}

// WorkProfile evaluates ordered conditions, then calls by longest wait.
// The counters of CalledBelow reset once every such condition of the
// window has reached its count.
type WorkProfile struct {
	// Conditions; nil means DefaultConditions for each window.
	Conditions []Condition
	counts     map[string]map[string]int // window -> service -> calls since reset
}

// NewWorkProfile builds the policy; nil conditions use the defaults.
func NewWorkProfile(c []Condition) *WorkProfile {
	return &WorkProfile{Conditions: c, counts: map[string]map[string]int{}}
}

// DefaultConditions is a typical hall's profile: green at once, due
// appointments at once, love after 5 minutes, then two calls from each of
// the window's services in turn.
func DefaultConditions(w *queue.Window) []Condition {
	c := []Condition{
		{Channels: []queue.Channel{queue.Green}},
		{Channels: []queue.Channel{queue.Appointment}},
		{Channels: []queue.Channel{queue.Love}, WaitAbove: 5 * time.Minute},
	}
	for _, s := range w.Services {
		c = append(c, Condition{Service: s, Channels: []queue.Channel{queue.Love, queue.Normal}, CalledBelow: 2})
	}
	return c
}

// Name implements queue.Policy.
func (p *WorkProfile) Name() string { return "workprofile" }

// Pick implements queue.Policy. It counts the call it returns.
func (p *WorkProfile) Pick(v queue.View, w *queue.Window, services []string, now time.Time) *queue.Ticket {
	t := p.pick(v, w, services, now)
	if t != nil {
		cnt := p.counts[w.ID]
		if cnt == nil {
			cnt = map[string]int{}
			p.counts[w.ID] = cnt
		}
		cnt[t.Service]++
	}
	return t
}

func (p *WorkProfile) pick(v queue.View, w *queue.Window, services []string, now time.Time) *queue.Ticket {
	if t := forWindow(v, w, services); t != nil {
		return t
	}
	conds := p.Conditions
	if conds == nil {
		conds = DefaultConditions(w)
	}
	cnt := p.counts[w.ID]
	full := true
	for _, c := range conds {
		if c.CalledBelow > 0 && cnt[c.Service] < c.CalledBelow {
			full = false
		}
	}
	if full {
		clear(cnt)
	}
	for _, c := range conds {
		svc := services
		if c.Service != "" {
			found := false
			for _, s := range services {
				found = found || s == c.Service
			}
			if !found {
				continue
			}
			svc = []string{c.Service}
		}
		if c.CalledBelow > 0 && cnt[c.Service] >= c.CalledBelow {
			continue
		}
		var best cand
		for _, ch := range c.Channels {
			if h := head(v, svc, ch, now); h.t != nil && h.t.Wait(now) >= c.WaitAbove && earlier(h, best) {
				best = h
			}
		}
		if best.t != nil {
			return best.t
		}
	}
	return fifo(v, services, now)
}

// Merge is the appointment-merge rule: priority walk-ins (green, love) by
// arrival, then appointments whose time has come by booked time, then
// walk-ins by arrival. A ticket not answered goes back to the front of its
// line but may not be called again for Embargo; after MaxRounds unanswered
// rounds it is missed.
type Merge struct {
	Embargo   time.Duration
	MaxRounds int
	until     map[uint64]time.Time
	rounds    map[uint64]int
}

// NewMerge builds the policy.
func NewMerge(embargo time.Duration, maxRounds int) *Merge {
	return &Merge{Embargo: embargo, MaxRounds: maxRounds, until: map[uint64]time.Time{}, rounds: map[uint64]int{}}
}

// Name implements queue.Policy.
func (p *Merge) Name() string { return "merge" }

// OnNoShow implements the simulator's no-show hook: re-queue under an
// embargo until the rounds are used up.
func (p *Merge) OnNoShow(t *queue.Ticket, now time.Time) bool {
	p.rounds[t.ID]++
	if p.rounds[t.ID] >= p.MaxRounds {
		delete(p.until, t.ID)
		return false
	}
	p.until[t.ID] = now.Add(p.Embargo)
	return true
}

// first is the earliest callable ticket of the channels not under embargo.
func (p *Merge) first(v queue.View, services []string, chans []queue.Channel, now time.Time) cand {
	var best cand
	for rank, s := range services {
		for _, ch := range chans {
			for _, t := range v.Line(s, ch) {
				if !callable(t, now) {
					break
				}
				if u, ok := p.until[t.ID]; ok && now.Before(u) {
					continue
				}
				if c := (cand{t, rank}); earlier(c, best) {
					best = c
				}
				break
			}
		}
	}
	return best
}

// Pick implements queue.Policy.
func (p *Merge) Pick(v queue.View, w *queue.Window, services []string, now time.Time) *queue.Ticket {
	if t := forWindow(v, w, services); t != nil {
		return t
	}
	for _, chans := range [][]queue.Channel{{queue.Green, queue.Love}, {queue.Appointment}, {queue.Normal}} {
		if c := p.first(v, services, chans, now); c.t != nil {
			return c.t
		}
	}
	return nil
}
