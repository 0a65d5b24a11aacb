package queue

import (
	"fmt"
	"slices"
	"time"
)

// View is what a policy may read of the hall: the waiting lines. Hall
// implements it; a simulator may too.
type View interface {
	// Line is the waiting line of a service and channel, in line order
	// (Ticket.Since, then number).
	Line(service string, ch Channel) []*Ticket
	// ForWindow is the line of tickets transferred to one window.
	ForWindow(window string) []*Ticket
	// HallConsecutive counts priority calls in a row across the hall.
	HallConsecutive() int
}

// Policy decides which waiting ticket a window calls next. It is a pure
// function of the view, the window, the services to consider and the time;
// it returns nil when no ticket may be called. It must not change anything.
type Policy interface {
	Name() string
	Pick(v View, w *Window, services []string, now time.Time) *Ticket
}

// NewPolicy builds the policy a configuration names.
func NewPolicy(c PolicyConfig) (Policy, error) {
	switch c.Name {
	case "", "composite":
		return &Composite{Config: c}, nil
	}
	return nil, fmt.Errorf("queue: unknown policy %q", c.Name)
}

// Composite is the default policy of queueing.md §4:
//
//  0. tickets transferred to this window, by arrival;
//  1. green channel, by arrival;
//  2. appointments whose booked time has come, by booked time;
//  3. wait guard: any ticket waiting longer than GuardMinutes, longest first;
//  4. love against normal by accumulating priority, weight x wait, except
//     that after MaxConsecutive priority calls the best normal ticket goes;
//  5. ties: earlier arrival, then the window's profile order, then number;
//  6. with nothing else waiting, an appointment before its time
//     (if EarlyAppointmentsOK).
type Composite struct{ Config PolicyConfig }

// Name implements Policy.
func (p *Composite) Name() string { return "composite" }

// head is the best candidate of one channel across the window's services.
type head struct {
	t    *Ticket
	rank int // position of the service in the window's profile
}

func (a head) better(b head) bool {
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
	return a.t.before(b.t)
}

// Pick implements Policy.
func (p *Composite) Pick(v View, w *Window, services []string, now time.Time) *Ticket {
	if l := v.ForWindow(w.ID); len(l) > 0 {
		for _, t := range l {
			if len(services) == len(w.Services) || slices.Contains(services, t.Service) {
				return t
			}
		}
	}
	var best [numChannels]head
	var dueAppt, earlyAppt head
	for rank, s := range services {
		for _, ch := range []Channel{Green, Love, Normal} {
			if l := v.Line(s, ch); len(l) > 0 {
				if c := (head{l[0], rank}); c.better(best[ch]) {
					best[ch] = c
				}
			}
		}
		if l := v.Line(s, Appointment); len(l) > 0 {
			// The line is ordered by Since, which is the booked time for
			// anyone who checked in early.
			c := head{l[0], rank}
			if !c.t.Since.After(now) {
				if c.better(dueAppt) {
					dueAppt = c
				}
			} else if c.better(earlyAppt) {
				earlyAppt = c
			}
		}
	}
	if best[Green].t != nil {
		return best[Green].t
	}
	if dueAppt.t != nil {
		return dueAppt.t
	}
	love, normal := best[Love], best[Normal]
	guard := time.Duration(p.Config.GuardMinutes * float64(time.Minute))
	var guarded head
	for _, c := range []head{love, normal} {
		if c.t != nil && c.t.Wait(now) > guard && c.better(guarded) {
			guarded = c
		}
	}
	if guarded.t != nil {
		return guarded.t
	}
	switch {
	case love.t != nil && normal.t != nil:
		consecutive := w.Consecutive
		if p.Config.ConsecutiveScope == "hall" {
			consecutive = v.HallConsecutive()
		}
		if consecutive >= p.Config.MaxConsecutive {
			return normal.t
		}
		ls := p.Config.LoveWeight * float64(love.t.Wait(now))
		ns := p.Config.NormalWeight * float64(normal.t.Wait(now))
		if ls > ns || (ls == ns && love.better(normal)) {
			return love.t
		}
		return normal.t
	case love.t != nil:
		return love.t
	case normal.t != nil:
		return normal.t
	}
	if p.Config.EarlyAppointmentsOK && earlyAppt.t != nil {
		return earlyAppt.t
	}
	return nil
}
