package queue

import (
	"fmt"
	"slices"
	"sort"
	"time"
)

// Window is one service window's live state.
type Window struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Services    []string `json:"services"`
	Staff       string   `json:"staff,omitempty"`
	Paused      bool     `json:"paused,omitempty"`
	PauseReason string   `json:"pause_reason,omitempty"`
	Current     uint64   `json:"current,omitempty"`
	Parked      []uint64 `json:"parked,omitempty"`
	// Consecutive counts priority calls in a row at this window, for the
	// composite policy's cap.
	Consecutive int `json:"consecutive,omitempty"`
	// CalledFrom counts today's calls per service, for work-profile policies.
	CalledFrom map[string]int `json:"called_from,omitempty"`
}

// Serves reports whether the window's profile holds the service.
func (w *Window) Serves(service string) bool { return slices.Contains(w.Services, service) }

type service struct {
	cfg        ServiceConfig
	accepts    [numChannels]bool
	issueFrom  int // minutes after midnight
	issueUntil int
	next       int // next number to try
	issued     int // tickets issued today
	lines      [numChannels]line
}

// Hall is the whole state of one hall. See the package doc for the rules.
type Hall struct {
	cfg       Config
	loc       *time.Location
	policy    Policy
	personKey []byte

	services     map[string]*service
	serviceOrder []string
	windows      map[string]*Window
	windowOrder  []string
	tickets      map[uint64]*Ticket
	targeted     map[string]*line  // tickets transferred to one window
	numbers      map[string]uint64 // live ticket number -> ticket
	persons      map[string]uint64 // person+service -> live waiting ticket
	leases       leaseBook         // offline number blocks (lease.go)

	nextID          uint64
	day             string
	lastSeq         uint64
	lastAt          time.Time
	hallConsecutive int

	pending []Event
	record  bool

	cfgState ConfigState // reconfig.go
}

// New builds an empty hall. cfg is completed with defaults and validated.
// personKey keys the hash that replaces ID numbers.
func New(cfg Config, personKey []byte) (*Hall, error) {
	cfg.Defaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	loc, err := cfg.Location()
	if err != nil {
		return nil, err
	}
	pol, err := NewPolicy(cfg.Policy)
	if err != nil {
		return nil, err
	}
	h := &Hall{cfg: cfg, loc: loc, policy: pol, personKey: personKey,
		services: map[string]*service{}, windows: map[string]*Window{},
		tickets: map[uint64]*Ticket{}, targeted: map[string]*line{},
		numbers: map[string]uint64{}, persons: map[string]uint64{}, record: true}
	from, _ := parseHM(cfg.Hours.IssueFrom)
	until, _ := parseHM(cfg.Hours.IssueUntil)
	for _, sc := range cfg.Services {
		s := &service{cfg: sc, issueFrom: from, issueUntil: until, next: sc.First}
		if sc.IssueFrom != "" {
			s.issueFrom, _ = parseHM(sc.IssueFrom)
		}
		if sc.IssueUntil != "" {
			s.issueUntil, _ = parseHM(sc.IssueUntil)
		}
		if len(sc.Channels) == 0 {
			s.accepts = [numChannels]bool{true, true, true, true}
		}
		for _, c := range sc.Channels {
			s.accepts[c] = true
		}
		h.services[sc.ID] = s
		h.serviceOrder = append(h.serviceOrder, sc.ID)
	}
	for _, wc := range cfg.Windows {
		h.windows[wc.ID] = &Window{ID: wc.ID, Name: wc.Name, Services: slices.Clone(wc.Services), CalledFrom: map[string]int{}}
		h.windowOrder = append(h.windowOrder, wc.ID)
		h.targeted[wc.ID] = &line{}
	}
	return h, nil
}

// SetPolicy replaces the call-next policy (the simulator compares several).
func (h *Hall) SetPolicy(p Policy) { h.policy = p }

// Policy is the policy in use.
func (h *Hall) Policy() Policy { return h.policy }

// Config is the configuration the hall was built with, defaults filled in.
func (h *Hall) Config() Config { return h.cfg }

// Location is the hall's time zone.
func (h *Hall) Location() *time.Location { return h.loc }

// SetRecording turns off the keeping of emitted events, for a simulator that
// never reads them.
func (h *Hall) SetRecording(on bool) { h.record = on }

// TakeEvents returns the events emitted since the last call and forgets them.
func (h *Hall) TakeEvents() []Event {
	ev := h.pending
	h.pending = nil
	return ev
}

// DropEvents forgets pending events without returning them.
func (h *Hall) DropEvents() { h.pending = h.pending[:0] }

// LastSeq is the sequence number of the last applied event.
func (h *Hall) LastSeq() uint64 { return h.lastSeq }

// Day is the current business day, YYYY-MM-DD.
func (h *Hall) Day() string { return h.day }

// emit stamps an event with the next sequence number, applies it and keeps
// it for the store. Commands validate everything before they emit, so an
// apply failure here is a bug in this package.
func (h *Hall) emit(e Event) {
	e.Seq = h.lastSeq + 1
	if err := h.Apply(e); err != nil {
		panic(fmt.Sprintf("queue: emitted event does not apply: %v", err))
	}
	if h.record {
		h.pending = append(h.pending, e)
	}
}

// clock keeps event times monotonic even if the wall clock steps back.
func (h *Hall) clock(now time.Time) time.Time {
	if now.Before(h.lastAt) {
		return h.lastAt
	}
	return now
}

// Tick rolls the business day over when the date has changed. Every command
// calls it first; the controller also calls it from a timer.
func (h *Hall) Tick(now time.Time) {
	now = h.clock(now)
	day := now.In(h.loc).Format("2006-01-02")
	if day != h.day {
		h.emit(Event{Type: EvDayRolled, At: now, Day: day})
	}
	h.expireLeases(now)
}

// Apply changes the state by one event. It is used for replay and by emit.
func (h *Hall) Apply(e Event) error {
	if e.Seq != h.lastSeq+1 {
		return fmt.Errorf("queue: event %d applied after %d", e.Seq, h.lastSeq)
	}
	if err := h.apply(&e); err != nil {
		return fmt.Errorf("queue: apply event %d (%s): %w", e.Seq, e.Type, err)
	}
	h.lastSeq = e.Seq
	if e.At.After(h.lastAt) {
		h.lastAt = e.At
	}
	return nil
}

func (h *Hall) apply(e *Event) error {
	if e.Type == EvDayRolled {
		h.rollDay(e.Day)
		return nil
	}
	if e.Type == EvReconfigured {
		return h.applyReconfigured(e)
	}
	var w *Window
	if e.Window != "" {
		w = h.windows[e.Window]
		if w == nil {
			return fmt.Errorf("unknown window %q", e.Window)
		}
	}
	switch e.Type {
	case EvPaused:
		w.Paused, w.PauseReason = true, e.Reason
		return nil
	case EvResumed:
		w.Paused, w.PauseReason = false, ""
		return nil
	case EvLoggedIn, EvHandedOver:
		w.Staff = e.Staff
		return nil
	case EvLoggedOut:
		w.Staff, w.Paused, w.PauseReason = "", false, ""
		return nil
	case EvIssued:
		return h.applyIssued(e)
	case EvLeased:
		return h.applyLeased(e)
	case EvLeaseEnded:
		return h.applyLeaseEnded(e)
	}
	t := h.tickets[e.Ticket]
	if t == nil {
		return fmt.Errorf("unknown ticket %d", e.Ticket)
	}
	switch e.Type {
	case EvCalled:
		h.unqueue(t)
		t.Status, t.Window, t.Staff, t.Calls, t.CalledAt = Called, w.ID, e.Staff, e.Calls, e.At
		w.Current = t.ID
		w.CalledFrom[t.Service]++
		if t.Channel.Priority() {
			w.Consecutive++
			h.hallConsecutive++
		} else if t.Channel == Normal {
			w.Consecutive, h.hallConsecutive = 0, 0
		}
	case EvRecalled:
		t.Calls = e.Calls
	case EvNoShow:
		t.Status = NoShow
		h.release(t, false)
		if w := h.windows[t.Window]; w != nil && w.Current == t.ID {
			w.Current = 0
		}
	case EvRequeued:
		t.Status, t.Calls, t.Window, t.Staff, t.Since = Waiting, 0, "", "", e.Since
		if t.Person != "" {
			h.persons[t.Person+"|"+t.Service] = t.ID
		}
		h.enqueue(t)
	case EvStarted:
		t.Status, t.StartedAt = Serving, e.At
	case EvFinished:
		if t.StartedAt.IsZero() {
			t.StartedAt = t.CalledAt
		}
		t.Status, t.FinishedAt, t.Outcome, t.CaseNumber = Done, e.At, e.Outcome, e.CaseNumber
		w.Current = 0
		h.release(t, true)
	case EvTransferred:
		if _, ok := h.services[e.ToService]; !ok {
			return fmt.Errorf("unknown service %q", e.ToService)
		}
		n := *t
		n.ID, n.Service, n.Status, n.ForWindow = e.NewTicket, e.ToService, Waiting, e.ToWindow
		n.Since, n.Window, n.Staff, n.Calls = t.ArrivedAt, "", "", 0
		n.CalledAt, n.StartedAt, n.FinishedAt, n.Outcome, n.CaseNumber = time.Time{}, time.Time{}, time.Time{}, "", ""
		t.Status, t.TransferredTo, t.FinishedAt = Transferred, n.ID, e.At
		if w != nil && w.Current == t.ID {
			w.Current = 0
		}
		h.tickets[n.ID] = &n
		h.numbers[n.Number] = n.ID
		if n.Person != "" {
			delete(h.persons, n.Person+"|"+t.Service)
			h.persons[n.Person+"|"+n.Service] = n.ID
		}
		h.enqueue(&n)
		if n.ID >= h.nextID {
			h.nextID = n.ID + 1
		}
	case EvParked:
		t.Status = Parked
		w.Current = 0
		w.Parked = append(w.Parked, t.ID)
	case EvTakenBack:
		t.Status = Called
		if !t.StartedAt.IsZero() {
			t.Status = Serving
		}
		w.Current = t.ID
		w.Parked = slices.DeleteFunc(w.Parked, func(id uint64) bool { return id == t.ID })
	case EvCancelled:
		if t.Status == Waiting {
			h.unqueue(t)
		}
		if cw := h.windows[t.Window]; cw != nil {
			if cw.Current == t.ID {
				cw.Current = 0
			}
			cw.Parked = slices.DeleteFunc(cw.Parked, func(id uint64) bool { return id == t.ID })
		}
		t.Status, t.FinishedAt, t.Outcome = Cancelled, e.At, e.Reason
		h.release(t, true)
	case EvChannelChanged:
		if !e.Channel.Valid() {
			return fmt.Errorf("channel %d", e.Channel)
		}
		waiting := t.Status == Waiting
		if waiting {
			h.unqueue(t)
		}
		t.Channel, t.Category, t.Verified = e.Channel, e.Category, e.Verified
		if waiting {
			h.enqueue(t)
		}
	default:
		return fmt.Errorf("unknown event type %q", e.Type)
	}
	return nil
}

func (h *Hall) applyIssued(e *Event) error {
	s := h.services[e.Service]
	if s == nil {
		return fmt.Errorf("unknown service %q", e.Service)
	}
	if _, dup := h.tickets[e.Ticket]; dup {
		return fmt.Errorf("ticket %d issued twice", e.Ticket)
	}
	if e.Lease != 0 {
		if err := h.useLeased(e); err != nil {
			return err
		}
	}
	t := &Ticket{ID: e.Ticket, Service: e.Service, Num: e.Num, Number: e.Number, Channel: e.Channel,
		Status: Waiting, IssuedAt: e.At, ArrivedAt: e.At, Since: e.Since, Category: e.Category,
		Verified: e.Verified, Person: e.Person, MaskedName: e.MaskedName,
		AppointmentID: e.AppointmentID, AppointmentAt: e.AppointmentAt, Source: e.Source, Lease: e.Lease, Flag: e.Flag}
	if t.Since.IsZero() {
		t.Since = e.At
	}
	if !e.IssuedAt.IsZero() { // replayed from a lease: issued offline, earlier
		t.IssuedAt, t.ArrivedAt = e.IssuedAt, e.IssuedAt
	}
	h.tickets[t.ID] = t
	h.numbers[t.Number] = t.ID
	if t.Person != "" {
		h.persons[t.Person+"|"+t.Service] = t.ID
	}
	s.issued++
	if e.Lease == 0 {
		s.next = e.Num + 1
		if s.next > s.cfg.Last {
			s.next = s.cfg.First
		}
	}
	if t.ID >= h.nextID {
		h.nextID = t.ID + 1
	}
	h.enqueue(t)
	return nil
}

// release frees what a ticket holds once it can no longer be served today:
// its place in duplicate protection and, when final, its number.
func (h *Hall) release(t *Ticket, final bool) {
	if t.Person != "" && h.persons[t.Person+"|"+t.Service] == t.ID {
		delete(h.persons, t.Person+"|"+t.Service)
	}
	if final && h.numbers[t.Number] == t.ID {
		delete(h.numbers, t.Number)
	}
}

func (h *Hall) rollDay(day string) {
	h.day = day
	h.leases.reset()
	for id, t := range h.tickets {
		switch t.Status {
		case Waiting, Called, Serving, Parked:
			// Carried over: 延时服务 serves them; nothing waiting is lost.
		default:
			h.release(t, true)
			delete(h.tickets, id)
		}
	}
	for _, s := range h.services {
		s.issued = 0
		s.next = s.cfg.First
	}
	for _, w := range h.windows {
		w.Consecutive = 0
		clear(w.CalledFrom)
	}
	h.hallConsecutive = 0
}

func (h *Hall) lineOf(t *Ticket) *line {
	if t.ForWindow != "" {
		if l := h.targeted[t.ForWindow]; l != nil {
			return l
		}
	}
	return &h.services[t.Service].lines[t.Channel]
}

func (h *Hall) enqueue(t *Ticket) { h.lineOf(t).insert(t) }
func (h *Hall) unqueue(t *Ticket) { h.lineOf(t).remove(t) }

// line is a waiting line kept in Ticket.before order. Most tickets join at
// the end and leave at the front, which are the cheap cases.
type line struct{ t []*Ticket }

func (l *line) insert(t *Ticket) {
	n := len(l.t)
	if n == 0 || l.t[n-1].before(t) {
		l.t = append(l.t, t)
		return
	}
	i := sort.Search(n, func(i int) bool { return t.before(l.t[i]) })
	l.t = slices.Insert(l.t, i, t)
}

func (l *line) remove(t *Ticket) {
	if len(l.t) > 0 && l.t[0] == t {
		l.t[0] = nil
		l.t = l.t[1:]
		return
	}
	i := sort.Search(len(l.t), func(i int) bool { return !l.t[i].before(t) })
	if i < len(l.t) && l.t[i] == t {
		l.t = slices.Delete(l.t, i, i+1)
	}
}

// Line is the waiting line of one service and channel, in line order. The
// slice belongs to the hall: read it, do not keep or change it.
func (h *Hall) Line(service string, ch Channel) []*Ticket {
	s := h.services[service]
	if s == nil || !ch.Valid() {
		return nil
	}
	return s.lines[ch].t
}

// ForWindow is the line of tickets transferred to one window.
func (h *Hall) ForWindow(window string) []*Ticket {
	if l := h.targeted[window]; l != nil {
		return l.t
	}
	return nil
}

// HallConsecutive counts priority calls in a row across the hall.
func (h *Hall) HallConsecutive() int { return h.hallConsecutive }

// PersonKey keys the hash that replaces ID numbers.
func (h *Hall) PersonKey() []byte { return h.personKey }

// ServiceName is a service's Chinese name, or "" if unknown.
func (h *Hall) ServiceName(id string) string {
	if s := h.services[id]; s != nil {
		return s.cfg.Name
	}
	return ""
}
