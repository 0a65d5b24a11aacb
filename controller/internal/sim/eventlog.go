package sim

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"time"

	"hallq/controller/internal/queue"
)

// maxLogEvents bounds an event log: a busy city hall writes some tens of
// thousands of events a day.
const maxLogEvents = 2_000_000

// FromEventLog builds a scenario from one day's event log of a real
// controller: JSON lines of queue.Event (optionally the stored record form,
// a version byte before the JSON). Citizens arrive as recorded; service
// times are drawn from the observed start-to-finish times of each service;
// the no-show rate is the observed one; windows and their services come
// from cfg when given, otherwise from who called what where; pauses with
// their resumes become breaks.
func FromEventLog(r io.Reader, cfg *queue.Config) (*Scenario, error) {
	sc := &Scenario{Name: "event log", Seed: 1, Days: 5}
	var loc *time.Location
	if cfg != nil {
		c := *cfg
		c.Defaults()
		l, err := c.Location()
		if err != nil {
			return nil, fmt.Errorf("%w: config: %v", ErrEventLog, err)
		}
		loc = l
		sc.Hours, sc.Rules, sc.Policy, sc.Name = c.Hours, c.Rules, c.Policy, orDefault(c.Name, "event log")
	} else {
		hc := queue.Config{}
		hc.Defaults()
		sc.Hours = hc.Hours
		loc, _ = hc.Location()
	}
	type tk struct {
		service string
		start   time.Time
	}
	var (
		services  []string
		seen      = map[string]bool{}
		tickets   = map[uint64]*tk{}
		samples   = map[string][]float64{}
		calledAt  = map[string][]string{} // window -> services in call order
		callCount = map[string]map[string]int{}
		pausedAt  = map[string]time.Time{}
		called    = map[uint64]bool{}
		noShows   int
		first     time.Time
		lastIssue time.Time
	)
	sc2 := bufio.NewScanner(r)
	sc2.Buffer(make([]byte, 64<<10), queue.MaxRecord+16)
	line := 0
	for sc2.Scan() {
		line++
		if line > maxLogEvents {
			return nil, fmt.Errorf("%w: more than %d events", ErrEventLog, maxLogEvents)
		}
		b := bytes.TrimSpace(sc2.Bytes())
		if len(b) == 0 {
			continue
		}
		if b[0] == '{' {
			b = append([]byte{1}, b...)
		}
		e, err := queue.DecodeRecord(b)
		if err != nil {
			return nil, fmt.Errorf("%w: line %d: %v", ErrEventLog, line, err)
		}
		at := e.At.In(loc)
		switch e.Type {
		case queue.EvIssued:
			if first.IsZero() {
				first = at
			}
			if !seen[e.Service] {
				seen[e.Service] = true
				services = append(services, e.Service)
			}
			a := ArrivalSpec{At: at.Format("15:04:05"), Service: e.Service, Channel: e.Channel.String()}
			if e.Channel == queue.Appointment {
				if e.AppointmentAt.IsZero() {
					a.Channel = queue.Normal.String()
				} else {
					a.Booked = e.AppointmentAt.In(loc).Format("15:04:05")
				}
			}
			sc.Arrivals = append(sc.Arrivals, a)
			tickets[e.Ticket] = &tk{service: e.Service}
			lastIssue = at
		case queue.EvCalled:
			if !called[e.Ticket] {
				called[e.Ticket] = true
			}
			if callCount[e.Window] == nil {
				callCount[e.Window] = map[string]int{}
			}
			if callCount[e.Window][e.Service] == 0 {
				calledAt[e.Window] = append(calledAt[e.Window], e.Service)
			}
			callCount[e.Window][e.Service]++
			if t := tickets[e.Ticket]; t != nil {
				t.start = at // until a start event says better
			}
		case queue.EvStarted:
			if t := tickets[e.Ticket]; t != nil {
				t.start = at
			}
		case queue.EvFinished:
			if t := tickets[e.Ticket]; t != nil && !t.start.IsZero() {
				if m := at.Sub(t.start).Minutes(); m > 0 && m <= 480 {
					samples[t.service] = append(samples[t.service], math.Round(m*100)/100)
				}
			}
		case queue.EvNoShow:
			noShows++
		case queue.EvPaused:
			pausedAt[e.Window] = at
		case queue.EvResumed, queue.EvLoggedOut:
			if p, ok := pausedAt[e.Window]; ok {
				delete(pausedAt, e.Window)
				if d := at.Sub(p).Minutes(); d >= 1 && d <= 480 {
					sc.Breaks = append(sc.Breaks, BreakSpec{Windows: []string{e.Window}, From: p.Format("15:04"), Minutes: math.Round(d)})
				}
			}
		}
	}
	if err := sc2.Err(); err != nil {
		return nil, fmt.Errorf("%w: line %d: %v", ErrEventLog, line+1, err)
	}
	if len(sc.Arrivals) == 0 {
		return nil, fmt.Errorf("%w: no issued tickets", ErrEventLog)
	}
	sc.Date = first.Format("2006-01-02")
	sc.Description = fmt.Sprintf("recorded day %s, %d tickets", sc.Date, len(sc.Arrivals))
	if len(called) > 0 {
		sc.Citizens.NoShow = math.Min(0.9, float64(noShows)/float64(len(called)))
	}
	sc.Citizens.RecallMinutes = 1
	// Widen the issue hours to hold every recorded ticket.
	if from, _ := parseHM(sc.Hours.IssueFrom); first.Hour()*60+first.Minute() < from {
		sc.Hours.IssueFrom = first.Format("15:04")
	}
	if until, _ := parseHM(sc.Hours.IssueUntil); lastIssue.Hour()*60+lastIssue.Minute() >= until {
		sc.Hours.IssueUntil = lastIssue.Add(time.Minute).Format("15:04")
		if c, _ := parseHM(sc.Hours.Close); c < lastIssue.Hour()*60+lastIssue.Minute()+1 {
			sc.Hours.Close = sc.Hours.IssueUntil
		}
	}
	if cfg != nil {
		for _, s := range cfg.Services {
			if !seen[s.ID] {
				seen[s.ID] = true
				services = append(services, s.ID)
			}
		}
	}
	counts := map[string]float64{}
	for _, a := range sc.Arrivals {
		counts[a.Service]++
	}
	for _, id := range services {
		s := ServiceSpec{ID: id, Name: id, PerDay: counts[id], Dist: "empirical", Sample: samples[id]}
		if cfg != nil {
			for _, c := range cfg.Services {
				if c.ID == id {
					s.Name, s.Prefix = c.Name, c.Prefix
					if len(s.Sample) == 0 && c.Expected > 0 {
						s.Sample = []float64{float64(c.Expected)}
					}
				}
			}
		}
		if len(s.Sample) == 0 {
			s.Sample = []float64{10} // nothing observed: the hall's usual default
		}
		sum := 0.0
		for _, v := range s.Sample {
			sum += v
		}
		s.Minutes = sum / float64(len(s.Sample))
		sc.Services = append(sc.Services, s)
	}
	if cfg != nil && len(cfg.Windows) > 0 {
		for _, w := range cfg.Windows {
			sc.Windows = append(sc.Windows, WindowSpec{ID: w.ID, Services: slices.Clone(w.Services)})
		}
	} else {
		ids := make([]string, 0, len(calledAt))
		for id := range calledAt {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			svcs := slices.Clone(calledAt[id])
			cc := callCount[id]
			sort.SliceStable(svcs, func(a, b int) bool { return cc[svcs[a]] > cc[svcs[b]] })
			sc.Windows = append(sc.Windows, WindowSpec{ID: id, Services: svcs})
		}
		if len(sc.Windows) == 0 {
			return nil, fmt.Errorf("%w: no window called anyone; give the hall configuration", ErrEventLog)
		}
	}
	winIDs := map[string]bool{}
	for _, w := range sc.Windows {
		winIDs[w.ID] = true
	}
	sc.Breaks = slices.DeleteFunc(sc.Breaks, func(b BreakSpec) bool { return !winIDs[b.Windows[0]] })
	if err := sc.Validate(); err != nil {
		return nil, fmt.Errorf("%w: the recorded day does not make a scenario: %v", ErrEventLog, err)
	}
	return sc, nil
}
