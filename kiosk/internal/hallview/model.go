package hallview

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"hallq/controller/hallproto"
)

// Opts configure a Model.
type Opts struct {
	// MaxCalls is how many recent calls the screen lists.
	MaxCalls int
	// Highlight is how long a new call (or a recall) stays highlighted.
	Highlight time.Duration
}

// DefaultOpts suit a 1920x1080 hall screen.
var DefaultOpts = Opts{MaxCalls: 8, Highlight: 10 * time.Second}

// Snapshot is the controller's state at sequence Seq.
type Snapshot struct {
	Seq uint64
	// Hall is nil when GET /api/v1/hall was not available; the model keeps
	// the hall info it had.
	Hall     *hallproto.HallInfo
	Services []hallproto.Service
	Windows  []hallproto.Window
	Queues   hallproto.Queues
}

// Call is one line of the screen's call list.
type Call struct {
	Ticket      uint64
	Number      string // A023
	Service     string
	ServiceName string
	Window      string // window id, "3"
	WindowName  string // "3号窗口"
	At          time.Time
	Calls       int // 1 for the first call, 2 for the first recall ...
	Recall      bool
	// HighlightUntil is when the call stops blinking on the screen.
	HighlightUntil time.Time
}

// Change tells the caller what an event did to the screen.
type Change struct {
	// Announce is set for a fresh call or recall: the voice speaks it.
	Announce *Call
	// Stale: the model could not place the event and needs a snapshot.
	Stale bool
	// Loaded: a snapshot replaced the state (Syncer sets it).
	Loaded bool
}

type ticketState struct {
	service string
	channel hallproto.Channel
	status  hallproto.TicketStatus
	started bool
	number  string
}

type windowState struct {
	id, name    string
	services    []string
	staff       string
	paused      bool
	pauseReason string
	current     uint64
	parked      []uint64
}

type service struct {
	id, name, nameEN, prefix string
}

// Model is the display's state. It is not safe for concurrent use: Syncer
// guards it.
type Model struct {
	o        Opts
	loaded   bool
	seq      uint64
	stale    bool
	hall     hallproto.HallInfo
	loc      *time.Location // the hall's zone; nil until a hall info came
	services []service
	svcIdx   map[string]int
	waiting  map[string]map[hallproto.Channel]int
	windows  map[string]*windowState
	worder   []string
	tickets  map[uint64]*ticketState
	calls    []Call
}

// New returns an empty model; Load a snapshot before applying events.
func New(o *Opts) *Model {
	opts := DefaultOpts
	if o != nil {
		opts = *o
	}
	if opts.MaxCalls <= 0 {
		opts.MaxCalls = DefaultOpts.MaxCalls
	}
	if opts.Highlight <= 0 {
		opts.Highlight = DefaultOpts.Highlight
	}
	return &Model{o: opts}
}

// Seq is the sequence of the last event folded in.
func (m *Model) Seq() uint64 { return m.seq }

// Loaded reports whether a snapshot was loaded.
func (m *Model) Loaded() bool { return m.loaded }

// Stale reports that the model met an event it could not place and needs a
// fresh snapshot.
func (m *Model) Stale() bool { return m.stale }

// Load replaces the state with a snapshot taken at now. The calls list
// survives a reload (it is history the controller does not keep), minus
// calls at windows that no longer exist. A window's ticket called within
// the highlight time that the list does not have yet (or has with fewer
// calls) was called while the display was loading: it is added lit and
// returned, so that it is still announced.
func (m *Model) Load(s *Snapshot, now time.Time) []Call {
	m.loaded, m.stale, m.seq = true, false, s.Seq
	if s.Hall != nil {
		m.hall = *s.Hall
		m.loc = Zone(s.Hall.Hours.Timezone)
	}
	m.services, m.svcIdx = nil, map[string]int{}
	for _, sv := range s.Services {
		m.svcIdx[sv.ID] = len(m.services)
		m.services = append(m.services, service{sv.ID, sv.Name, sv.NameEN, sv.Prefix})
	}
	m.waiting = map[string]map[hallproto.Channel]int{}
	for _, q := range s.Queues.Services {
		if _, ok := m.svcIdx[q.Service]; !ok {
			m.svcIdx[q.Service] = len(m.services)
			m.services = append(m.services, service{id: q.Service, name: q.Service})
		}
		w := map[hallproto.Channel]int{}
		for ch, n := range q.Waiting {
			if n != 0 {
				w[ch] = n
			}
		}
		m.waiting[q.Service] = w
	}
	m.windows, m.worder, m.tickets = map[string]*windowState{}, nil, map[uint64]*ticketState{}
	var current []hallproto.Ticket
	for _, w := range s.Windows {
		ws := &windowState{id: w.ID, name: w.Name, services: w.Services, staff: w.Staff,
			paused: w.PauseReason != "" || (w.Status == hallproto.WindowPaused), pauseReason: w.PauseReason,
			parked: slices.Clone(w.Parked)}
		if w.Current != nil {
			t := w.Current
			ws.current = t.ID
			m.tickets[t.ID] = &ticketState{service: t.Service, channel: t.Channel, status: t.Status,
				started: t.StartedAt != nil, number: t.Number}
			current = append(current, *t)
		}
		for _, id := range w.Parked {
			m.tickets[id] = &ticketState{status: hallproto.Parked}
		}
		m.windows[w.ID] = ws
		m.worder = append(m.worder, w.ID)
	}
	m.calls = slices.DeleteFunc(m.calls, func(c Call) bool { return m.windows[c.Window] == nil })
	sort.Slice(current, func(i, j int) bool { return calledAt(current[i]).Before(calledAt(current[j])) })
	var fresh []Call
	for _, t := range current {
		i := slices.IndexFunc(m.calls, func(c Call) bool { return c.Ticket == t.ID })
		if i >= 0 && m.calls[i].Calls >= t.Calls {
			continue
		}
		c := Call{Ticket: t.ID, Number: t.Number, Service: t.Service, ServiceName: m.serviceName(t.Service),
			Window: t.Window, WindowName: m.windowName(t.Window), At: calledAt(t), Calls: t.Calls, Recall: t.Calls > 1}
		if i >= 0 {
			m.calls = slices.Delete(m.calls, i, i+1)
		}
		if t.Status == hallproto.Called && now.Sub(c.At) < m.o.Highlight {
			c.HighlightUntil = now.Add(m.o.Highlight)
			fresh = append(fresh, c)
		}
		m.calls = append([]Call{c}, m.calls...)
	}
	slices.SortStableFunc(m.calls, func(a, b Call) int { return b.At.Compare(a.At) })
	if len(m.calls) > m.o.MaxCalls {
		m.calls = m.calls[:m.o.MaxCalls]
	}
	return fresh
}

func calledAt(t hallproto.Ticket) time.Time {
	if t.CalledAt != nil {
		return *t.CalledAt
	}
	return t.IssuedAt
}

// Apply folds one event in. Events at or below Seq are ignored (a replay
// after a reconnect); an event beyond Seq+1 returns ErrGap and leaves the
// model unchanged. now is the display's clock: a call older than the
// highlight time (caught up after a reconnect) is listed but neither
// highlighted nor announced.
func (m *Model) Apply(e *hallproto.Event, now time.Time) (Change, error) {
	if !m.loaded {
		return Change{}, ErrNotLoaded
	}
	if e.Seq <= m.seq {
		return Change{}, nil
	}
	if e.Seq != m.seq+1 {
		return Change{}, fmt.Errorf("%w: have %d, got %d", ErrGap, m.seq, e.Seq)
	}
	m.seq = e.Seq
	ch := m.apply(e, now)
	if ch.Stale {
		m.stale = true
	}
	return ch, nil
}

func (m *Model) apply(e *hallproto.Event, now time.Time) Change {
	w := m.windows[e.Window]
	switch e.Type {
	case hallproto.EvWindowPaused:
		if w != nil {
			w.paused, w.pauseReason = true, e.Reason
		}
		return Change{}
	case hallproto.EvWindowResumed:
		if w != nil {
			w.paused, w.pauseReason = false, ""
		}
		return Change{}
	case hallproto.EvStaffLoggedIn, hallproto.EvStaffHandedOver:
		if w != nil {
			w.staff = e.Staff
		}
		return Change{}
	case hallproto.EvStaffLoggedOut:
		if w != nil {
			w.staff, w.paused, w.pauseReason = "", false, ""
		}
		return Change{}
	case hallproto.EvConfigChanged:
		// Names, windows or services may have changed.
		return Change{Stale: true}
	case hallproto.EvDayRolled:
		// Closed tickets are dropped and numbers restart: cheaper and
		// safer to read the controller's state again.
		return Change{Stale: true}
	}
	if e.Ticket == nil {
		return Change{} // a type this model does not know: ignore it
	}
	et := e.Ticket
	t := m.tickets[et.ID]
	switch e.Type {
	case hallproto.EvIssued:
		m.tickets[et.ID] = &ticketState{service: et.Service, channel: et.Channel, status: hallproto.Waiting, number: et.Number}
		m.addWaiting(et.Service, et.Channel, 1)
	case hallproto.EvCalled:
		// Only a waiting ticket can be called.
		m.addWaiting(et.Service, et.Channel, -1)
		m.tickets[et.ID] = &ticketState{service: et.Service, channel: et.Channel, status: hallproto.Called, number: et.Number}
		if w == nil {
			return Change{Stale: true}
		}
		w.current = et.ID
		return m.call(e, now, false)
	case hallproto.EvRecalled:
		return m.call(e, now, true)
	case hallproto.EvNoShow:
		m.setStatus(et, hallproto.NoShow)
		m.release(et.ID)
	case hallproto.EvRequeued:
		m.setStatus(et, hallproto.Waiting)
		m.tickets[et.ID].started = false
		m.addWaiting(et.Service, et.Channel, 1)
	case hallproto.EvStarted:
		m.setStatus(et, hallproto.Serving)
		m.tickets[et.ID].started = true
	case hallproto.EvFinished:
		m.setStatus(et, hallproto.Done)
		m.release(et.ID)
	case hallproto.EvTransferred:
		m.setStatus(et, hallproto.Transferred)
		m.release(et.ID)
		m.tickets[e.NewTicket] = &ticketState{service: e.ToService, channel: et.Channel, status: hallproto.Waiting, number: et.Number}
		m.addWaiting(e.ToService, et.Channel, 1)
	case hallproto.EvParked:
		m.setStatus(et, hallproto.Parked)
		if w != nil {
			if w.current == et.ID {
				w.current = 0
			}
			w.parked = append(w.parked, et.ID)
		}
	case hallproto.EvTakenBack:
		st := m.setStatus(et, hallproto.Called)
		if st.started {
			st.status = hallproto.Serving
		}
		if w != nil {
			w.current = et.ID
			w.parked = slices.DeleteFunc(w.parked, func(id uint64) bool { return id == et.ID })
		}
	case hallproto.EvCancelled:
		if t == nil && !m.held(et.ID) {
			// Waiting or no-show before the snapshot: the model cannot
			// tell which, so it cannot correct the count.
			m.release(et.ID)
			m.tickets[et.ID] = &ticketState{service: et.Service, channel: et.Channel, status: hallproto.Cancelled}
			return Change{Stale: true}
		}
		if t != nil && t.status == hallproto.Waiting {
			m.addWaiting(t.service, t.channel, -1)
		}
		m.release(et.ID)
		m.setStatus(et, hallproto.Cancelled)
	case hallproto.EvChannelChanged:
		if t == nil && !m.held(et.ID) {
			m.tickets[et.ID] = &ticketState{service: et.Service, channel: et.Channel, status: hallproto.Waiting}
			return Change{Stale: true}
		}
		if t != nil && t.status == hallproto.Waiting {
			m.addWaiting(t.service, t.channel, -1)
			m.addWaiting(et.Service, et.Channel, 1)
		}
		if t != nil {
			t.channel = et.Channel
		}
	}
	return Change{}
}

// held reports whether a ticket the model has no record of is a window's
// current or parked ticket, i.e. certainly not waiting.
func (m *Model) held(id uint64) bool {
	for _, w := range m.windows {
		if w.current == id || slices.Contains(w.parked, id) {
			return true
		}
	}
	return false
}

func (m *Model) setStatus(et *hallproto.EventTicket, st hallproto.TicketStatus) *ticketState {
	t := m.tickets[et.ID]
	if t == nil {
		t = &ticketState{service: et.Service, channel: et.Channel, number: et.Number}
		m.tickets[et.ID] = t
	}
	t.status = st
	return t
}

// release frees the window holding a ticket.
func (m *Model) release(id uint64) {
	for _, w := range m.windows {
		if w.current == id {
			w.current = 0
		}
		w.parked = slices.DeleteFunc(w.parked, func(p uint64) bool { return p == id })
	}
}

func (m *Model) addWaiting(svc string, ch hallproto.Channel, d int) {
	w := m.waiting[svc]
	if w == nil {
		w = map[hallproto.Channel]int{}
		m.waiting[svc] = w
		if _, ok := m.svcIdx[svc]; !ok {
			m.svcIdx[svc] = len(m.services)
			m.services = append(m.services, service{id: svc, name: svc})
		}
	}
	w[ch] += d
	if w[ch] == 0 {
		delete(w, ch)
	}
}

func (m *Model) call(e *hallproto.Event, now time.Time, recall bool) Change {
	et := e.Ticket
	c := Call{Ticket: et.ID, Number: et.Number, Service: et.Service, ServiceName: m.serviceName(et.Service),
		Window: e.Window, WindowName: m.windowName(e.Window), At: e.At, Calls: e.Calls, Recall: recall}
	fresh := now.Sub(e.At) < m.o.Highlight
	if fresh {
		c.HighlightUntil = now.Add(m.o.Highlight)
	}
	m.calls = slices.DeleteFunc(m.calls, func(x Call) bool { return x.Ticket == et.ID })
	m.calls = append([]Call{c}, m.calls...)
	if len(m.calls) > m.o.MaxCalls {
		m.calls = m.calls[:m.o.MaxCalls]
	}
	if !fresh {
		return Change{}
	}
	return Change{Announce: &c}
}

func (m *Model) serviceName(id string) string {
	if i, ok := m.svcIdx[id]; ok && m.services[i].name != "" {
		return m.services[i].name
	}
	return id
}

func (m *Model) windowName(id string) string {
	if w := m.windows[id]; w != nil && w.name != "" {
		return w.name
	}
	return id + "号窗口"
}

// QueueLine is one service's waiting count.
type QueueLine struct {
	Service string
	Name    string
	NameEN  string
	Prefix  string
	Waiting int
	// ByChannel counts the waiting tickets per channel (zero counts left out).
	ByChannel map[hallproto.Channel]int
}

// WindowLine is one window as the screen (and the tests) see it.
type WindowLine struct {
	ID, Name    string
	Status      hallproto.WindowStatus
	Staff       string
	PauseReason string
	Current     string // ticket number, "" when none
}

// View is what the screen draws at one instant.
type View struct {
	Seq      uint64
	HallName string
	Notices  []string
	// Now is the clock in the hall's time zone, whatever the display's
	// own zone (a device image runs on UTC).
	Now time.Time
	// Location is the hall's time zone (HallInfo's hours.timezone, else
	// China Standard Time).
	Location *time.Location
	Calls    []CallLine
	Queues   []QueueLine
	Windows  []WindowLine
	Stale    bool
}

// CallLine is a call as drawn.
type CallLine struct {
	Call
	Highlight bool
}

// View renders the state at now.
func (m *Model) View(now time.Time) View {
	loc := m.loc
	if loc == nil {
		loc = Zone("")
	}
	v := View{Seq: m.seq, HallName: m.hall.Name, Notices: notices(m.hall.Notices), Now: now.In(loc), Location: loc, Stale: m.stale}
	for _, c := range m.calls {
		v.Calls = append(v.Calls, CallLine{Call: c, Highlight: now.Before(c.HighlightUntil)})
	}
	for _, s := range m.services {
		q := QueueLine{Service: s.id, Name: s.name, NameEN: s.nameEN, Prefix: s.prefix, ByChannel: map[hallproto.Channel]int{}}
		for ch, n := range m.waiting[s.id] {
			q.ByChannel[ch] = n
			q.Waiting += n
		}
		v.Queues = append(v.Queues, q)
	}
	for _, id := range m.worder {
		v.Windows = append(v.Windows, m.windowLine(m.windows[id]))
	}
	return v
}

// windowLine derives a window's status the way the controller does.
func (m *Model) windowLine(w *windowState) WindowLine {
	out := WindowLine{ID: w.id, Name: w.name, Staff: w.staff}
	switch {
	case w.staff == "":
		out.Status = hallproto.WindowClosed
	case w.current != 0:
		out.Status = hallproto.WindowCalling
		if t := m.tickets[w.current]; t != nil {
			out.Current = t.number
			if t.status == hallproto.Serving {
				out.Status = hallproto.WindowServing
			}
		}
	case w.paused:
		out.Status = hallproto.WindowPaused
	default:
		out.Status = hallproto.WindowIdle
	}
	if w.paused {
		out.PauseReason = w.pauseReason
		if w.current == 0 {
			out.Status = hallproto.WindowPaused
		}
	}
	return out
}

func notices(in []string) []string {
	return slices.DeleteFunc(slices.Clone(in), func(s string) bool { return strings.TrimSpace(s) == "" })
}
