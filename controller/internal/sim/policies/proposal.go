package policies

import (
	"time"

	"hallq/controller/internal/queue"
)

// Proposal is an experimental variant of the composite, measured here to
// propose a change to queue.Composite; it is not a peer. It differs from
// the composite only in step 3, the wait guard:
//
//   - a ticket is urgent when weight(channel) x wait exceeds the guard, so a
//     love ticket (weight 3) is urgent after a third of the guard;
//   - urgent tickets that can still make the Target are called first,
//     highest weighted wait first; a ticket already past the Target no
//     longer jumps the line (it keeps its weighted score in step 4), until
//     it passes Hard, when it is called first, longest wait first.
//
// Under overload this spends the windows on citizens who can still be
// served within the target instead of on those already lost to it, and
// keeps love ahead of normals; Hard bounds the longest wait.
type Proposal struct {
	Config queue.PolicyConfig
	Target time.Duration
	Hard   time.Duration
}

// Name implements queue.Policy.
func (p *Proposal) Name() string { return "proposal" }

func (p *Proposal) weight(ch queue.Channel) float64 {
	if ch == queue.Love {
		return p.Config.LoveWeight
	}
	return p.Config.NormalWeight
}

// Pick implements queue.Policy.
func (p *Proposal) Pick(v queue.View, w *queue.Window, services []string, now time.Time) *queue.Ticket {
	if t := forWindow(v, w, services); t != nil {
		return t
	}
	if g := head(v, services, queue.Green, now); g.t != nil {
		return g.t
	}
	if a := head(v, services, queue.Appointment, now); a.t != nil {
		return a.t
	}
	guard := time.Duration(p.Config.GuardMinutes * float64(time.Minute))
	// Candidates: the head of each love and normal line. Within a line the
	// head has waited longest, so it is the line's most urgent ticket.
	var cands []cand
	for rank, s := range services {
		for _, ch := range []queue.Channel{queue.Love, queue.Normal} {
			if l := v.Line(s, ch); len(l) > 0 {
				cands = append(cands, cand{l[0], rank})
			}
		}
	}
	if len(cands) == 0 {
		return nil
	}
	score := func(c cand) float64 { return p.weight(c.t.Channel) * float64(c.t.Wait(now)) }
	better := func(a, b cand) bool {
		if b.t == nil {
			return true
		}
		sa, sb := score(a), score(b)
		return sa > sb || (sa == sb && earlier(a, b))
	}
	var hard, urgent cand
	for _, c := range cands {
		wait := c.t.Wait(now)
		switch {
		case wait > p.Hard:
			if hard.t == nil || wait > hard.t.Wait(now) {
				hard = c
			}
		case wait <= p.Target && score(c) > float64(guard) && better(c, urgent):
			urgent = c
		}
	}
	if hard.t != nil {
		return hard.t
	}
	if urgent.t != nil {
		return urgent.t
	}
	var love, normal cand
	for _, c := range cands {
		if c.t.Channel == queue.Love && better(c, love) {
			love = c
		} else if c.t.Channel == queue.Normal && better(c, normal) {
			normal = c
		}
	}
	if love.t != nil && normal.t != nil {
		consecutive := w.Consecutive
		if p.Config.ConsecutiveScope == "hall" {
			consecutive = v.HallConsecutive()
		}
		if consecutive >= p.Config.MaxConsecutive || !better(love, normal) {
			return normal.t
		}
		return love.t
	}
	if love.t != nil {
		return love.t
	}
	return normal.t
}

// Experimental lists policies measured as proposals, not peers.
func Experimental() []Factory {
	return []Factory{{"proposal", "composite with a weighted, target-aware guard (experimental)", func(c queue.Config) queue.Policy {
		return &Proposal{Config: c.Policy, Target: 30 * time.Minute, Hard: 60 * time.Minute}
	}}}
}
