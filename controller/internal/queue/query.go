package queue

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"time"
)

// Ticket returns a copy of a ticket known today, or nil.
func (h *Hall) Ticket(id uint64) *Ticket {
	t := h.tickets[id]
	if t == nil {
		return nil
	}
	c := *t
	return &c
}

// Windows returns copies of the windows in configuration order.
func (h *Hall) Windows() []Window {
	out := make([]Window, 0, len(h.windowOrder))
	for _, id := range h.windowOrder {
		w := *h.windows[id]
		w.Parked = append([]uint64(nil), w.Parked...)
		w.CalledFrom = nil
		out = append(out, w)
	}
	return out
}

// WindowByID returns a copy of one window.
func (h *Hall) WindowByID(id string) (Window, bool) {
	w := h.windows[id]
	if w == nil {
		return Window{}, false
	}
	c := *w
	c.Parked = append([]uint64(nil), w.Parked...)
	c.CalledFrom = nil
	return c, true
}

// ServiceInfo is a service's configuration and whether it issues now.
type ServiceInfo struct {
	ServiceConfig
	IssueFrom, IssueUntil string
	Issuing               bool
	NotIssuingWhy         string
}

// Services lists the services in configuration order with their issue state.
func (h *Hall) Services(now time.Time) []ServiceInfo {
	local := now.In(h.loc)
	mins := local.Hour()*60 + local.Minute()
	out := make([]ServiceInfo, 0, len(h.serviceOrder))
	for _, id := range h.serviceOrder {
		s := h.services[id]
		si := ServiceInfo{ServiceConfig: s.cfg,
			IssueFrom:  fmt.Sprintf("%02d:%02d", s.issueFrom/60, s.issueFrom%60),
			IssueUntil: fmt.Sprintf("%02d:%02d", s.issueUntil/60, s.issueUntil%60), Issuing: true}
		if mins < s.issueFrom || mins >= s.issueUntil {
			si.Issuing, si.NotIssuingWhy = false, "当前不在取号时间 / outside issue hours"
		} else if s.cfg.DailyCap > 0 && s.issued >= s.cfg.DailyCap && h.day == local.Format("2006-01-02") {
			si.Issuing, si.NotIssuingWhy = false, "今日号源已取完 / daily cap reached"
		}
		out = append(out, si)
	}
	return out
}

// QueueStat is the waiting line of one service.
type QueueStat struct {
	Service     string
	Waiting     [4]int // by channel index
	Total       int
	LongestWait time.Duration
}

// Queues counts waiting tickets per service and channel, tickets
// transferred to a window included under their service.
func (h *Hall) Queues(now time.Time) []QueueStat {
	idx := map[string]int{}
	out := make([]QueueStat, len(h.serviceOrder))
	for i, id := range h.serviceOrder {
		idx[id] = i
		out[i].Service = id
		for ch, l := range h.services[id].lines {
			out[i].Waiting[ch] = len(l.t)
			out[i].Total += len(l.t)
			if len(l.t) > 0 {
				out[i].LongestWait = max(out[i].LongestWait, now.Sub(l.t[0].ArrivedAt))
			}
		}
	}
	for _, l := range h.targeted {
		for _, t := range l.t {
			q := &out[idx[t.Service]]
			q.Waiting[t.Channel]++
			q.Total++
			q.LongestWait = max(q.LongestWait, now.Sub(t.ArrivedAt))
		}
	}
	return out
}

// chanRank orders channels for the waiting-ahead estimate: green, then
// appointments, then love and normal together by arrival.
func chanRank(c Channel) int {
	switch c {
	case Green:
		return 0
	case Appointment:
		return 1
	}
	return 2
}

// Position estimates how many tickets will be called before t and how long
// that takes. It is an estimate: the policy decides at each call.
func (h *Hall) Position(t *Ticket, now time.Time) (ahead int, wait time.Duration) {
	if t == nil || t.Status != Waiting {
		return 0, 0
	}
	s := h.services[t.Service]
	if t.ForWindow != "" {
		for _, u := range h.targeted[t.ForWindow].t {
			if u.before(t) {
				ahead++
			}
		}
	} else {
		r := chanRank(t.Channel)
		for ch, l := range s.lines {
			cr := chanRank(Channel(ch))
			if cr < r {
				ahead += len(l.t)
				continue
			}
			if cr > r {
				continue
			}
			// Lines are sorted: count the tickets before t by binary search.
			ahead += sort.Search(len(l.t), func(i int) bool { return !l.t[i].before(t) })
		}
	}
	open := 0
	for _, w := range h.windows {
		if w.Staff != "" && !w.Paused && w.Serves(t.Service) {
			open++
		}
	}
	if open == 0 {
		for _, w := range h.windows {
			if w.Serves(t.Service) {
				open++
			}
		}
	}
	minutes := math.Ceil(float64(ahead) * float64(s.cfg.Expected) / float64(max(open, 1)))
	return ahead, time.Duration(minutes) * time.Minute
}

// snapshot is the serialised state. Lines, numbers and persons are rebuilt
// from the tickets on restore.
type snapshot struct {
	Version         int               `json:"version"`
	Day             string            `json:"day"`
	NextID          uint64            `json:"next_id"`
	LastSeq         uint64            `json:"last_seq"`
	LastAt          time.Time         `json:"last_at"`
	HallConsecutive int               `json:"hall_consecutive"`
	Tickets         []*Ticket         `json:"tickets"`
	Windows         []*Window         `json:"windows"`
	Services        map[string][2]int `json:"services"` // next, issued
	Leases          *leaseSnapshot    `json:"leases,omitempty"`
	// Config is set once the console has changed the configuration, so a
	// restore does not fall back to the file's (reconfig.go).
	Config   *Config      `json:"config,omitempty"`
	CfgState *ConfigState `json:"config_state,omitempty"`
}

// Snapshot serialises the state as of LastSeq.
func (h *Hall) Snapshot() ([]byte, error) {
	s := snapshot{Version: 1, Day: h.day, NextID: h.nextID, LastSeq: h.lastSeq, LastAt: h.lastAt,
		HallConsecutive: h.hallConsecutive, Services: map[string][2]int{}}
	for _, t := range h.tickets {
		s.Tickets = append(s.Tickets, t)
	}
	for _, id := range h.windowOrder {
		s.Windows = append(s.Windows, h.windows[id])
	}
	for id, sv := range h.services {
		s.Services[id] = [2]int{sv.next, sv.issued}
	}
	s.Leases = h.leaseSnapshot()
	if h.cfgState.Reconfigured {
		cfg, st := h.cfg, h.cfgState
		s.Config, s.CfgState = &cfg, &st
	}
	b, err := json.Marshal(&s)
	if err != nil {
		return nil, fmt.Errorf("queue: snapshot: %w", err)
	}
	return b, nil
}

// Restore loads a snapshot into a hall fresh from New. Windows and services
// that are no longer configured are dropped; their waiting tickets are
// kept, so nothing waiting is lost when the configuration changes.
func (h *Hall) Restore(b []byte) error {
	if h.lastSeq != 0 {
		return fmt.Errorf("queue: restore into a used hall")
	}
	var s snapshot
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("queue: restore: %w", err)
	}
	if s.Version != 1 {
		return fmt.Errorf("queue: restore: snapshot version %d", s.Version)
	}
	if s.Config != nil {
		if err := h.reconfigure(*s.Config); err != nil {
			return fmt.Errorf("queue: restore: config: %w", err)
		}
		if s.CfgState != nil {
			h.cfgState = *s.CfgState
		}
	}
	h.day, h.nextID, h.lastSeq, h.lastAt, h.hallConsecutive = s.Day, s.NextID, s.LastSeq, s.LastAt, s.HallConsecutive
	for _, w := range s.Windows {
		if cur := h.windows[w.ID]; cur != nil {
			cur.Staff, cur.Paused, cur.PauseReason, cur.Current, cur.Parked = w.Staff, w.Paused, w.PauseReason, w.Current, w.Parked
			cur.Consecutive = w.Consecutive
			if w.CalledFrom != nil {
				cur.CalledFrom = w.CalledFrom
			}
		}
	}
	for id, v := range s.Services {
		if sv := h.services[id]; sv != nil {
			sv.next, sv.issued = v[0], v[1]
		}
	}
	for _, t := range s.Tickets {
		if t == nil || h.services[t.Service] == nil || !t.Channel.Valid() {
			continue
		}
		if t.ForWindow != "" && h.windows[t.ForWindow] == nil {
			t.ForWindow = ""
		}
		h.tickets[t.ID] = t
		if t.Status.Live() {
			h.numbers[t.Number] = t.ID
		}
		if t.Person != "" && (t.Status == Waiting || t.Status == Called || t.Status == Serving || t.Status == Parked) {
			h.persons[t.Person+"|"+t.Service] = t.ID
		}
		if t.Status == Waiting {
			h.enqueue(t)
		}
	}
	h.restoreLeases(s.Leases)
	return nil
}
