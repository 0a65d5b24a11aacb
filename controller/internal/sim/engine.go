package sim

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"

	"hallq/controller/internal/queue"
	"hallq/controller/internal/sim/policies"
)

// NoShowHook is implemented by a policy that puts an unanswered ticket back
// in line instead of closing it (the appointment-merge peer). The simulator
// asks it after every no-show and re-queues the ticket at the front when it
// says so.
type NoShowHook interface {
	OnNoShow(t *queue.Ticket, now time.Time) (requeue bool)
}

// Options tune a run beyond the scenario.
type Options struct {
	// Continuous runs the scenario's days back to back with one hall and
	// no closing (the validation runs), instead of independent days.
	Continuous bool
	// Warmup drops tickets that arrive earlier than this after the start
	// of a continuous run from the metrics.
	Warmup time.Duration
	// Staffing overrides the scenario's staffing (the planner's trials).
	Staffing map[int]int
	// Events, when set, receives the hall's events as the controller would
	// store them (a demo log for the planner, and tests). It slows a run.
	Events func(queue.Event) error
}

// Record is one ticket as the metrics see it.
type Record struct {
	Day     int
	Service int
	Channel queue.Channel
	Arrive  time.Duration // since the day's midnight, hall time
	Wait    time.Duration // from arrival (booked time for early appointments) to the first call
	NoShow  bool
	Forfeit bool // an appointment more than 30 minutes late, served as normal
	OnTime  bool // appointment holder arrived by the booked time
}

// Result is what a run produced.
type Result struct {
	Scenario    *Scenario
	Policy      string
	Records     []Record
	Refused     int           // citizens who came after the issue cut-off
	Busy        time.Duration // windows calling or serving
	Available   time.Duration // windows logged in and not on a break
	Overtime    []time.Duration
	WinOvertime time.Duration // window time after closing, all windows
	Days        int
}

const (
	evArrive = iota
	evCheck
	evFinish
	evWake
	evBreak
	evBreakEnd
	evStaff
	evCutoff
)

type event struct {
	at   int64 // ns since the day's midnight
	seq  uint64
	kind uint8
	win  int32
	arg  int64 // citizen index, break length or hour
}

// eventHeap is a binary min-heap by (at, seq): seq makes equal times
// deterministic.
type eventHeap []event

func (h eventHeap) less(i, j int) bool {
	return h[i].at < h[j].at || (h[i].at == h[j].at && h[i].seq < h[j].seq)
}

func (h *eventHeap) push(e event) {
	*h = append(*h, e)
	s := *h
	i := len(s) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !s.less(i, p) {
			break
		}
		s[i], s[p] = s[p], s[i]
		i = p
	}
}

func (h *eventHeap) pop() event {
	s := *h
	top := s[0]
	n := len(s) - 1
	s[0] = s[n]
	s = s[:n]
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && s.less(r, l) {
			m = r
		}
		if !s.less(m, i) {
			break
		}
		s[i], s[m] = s[m], s[i]
		i = m
	}
	*h = s
	return top
}

type citizen struct {
	arrive  int64
	service int32
	channel queue.Channel
	booked  int64 // appointment time, or -1
	absent  bool
	late    bool // appointment forfeited
	serve   int64
	day     int32

	t        *queue.Ticket
	called   int64 // first call, -1 before
	issued   bool
	refused  bool
	noShow   bool
	onTime   bool
	sinceIss int64 // wait base at issue
}

type window struct {
	id       string
	idx      int
	services []string
	staffed  bool
	want     bool
	paused   bool
	pending  int64 // break waiting for the current citizen to finish
	cur      int32
	idle     bool
	wakeAt   int64
	busyFrom int64
	onFrom   int64
}

type run struct {
	sc        *Scenario
	cfg       queue.Config
	opts      Options
	hall      *queue.Hall
	hook      NoShowHook
	base      time.Time
	rng       *rand.Rand
	heap      eventHeap
	seq       uint64
	now       int64
	cits      []citizen
	byTicket  map[uint64]int32
	wins      []*window
	order     []*window // staffing order: the first N are staffed
	idle      []*window
	waiting   int
	cutoff    int64
	closing   int64
	lastDone  int64
	res       *Result
	day       int
	apptEarly int64
}

func minutes(m float64) int64 { return int64(m * float64(time.Minute)) }

// Run simulates the scenario with one policy.
func Run(sc *Scenario, pf policies.Factory, opts Options) (*Result, error) {
	cfg, err := sc.Config()
	if err != nil {
		return nil, err
	}
	if cfg.Rules.NoShowAfterCalls > cfg.Rules.MaxRecalls+1 {
		return nil, fieldErr("rules.no_show_after_calls", "%d calls need %d recalls, max_recalls is %d",
			cfg.Rules.NoShowAfterCalls, cfg.Rules.NoShowAfterCalls-1, cfg.Rules.MaxRecalls)
	}
	res := &Result{Scenario: sc, Policy: pf.Name, Days: sc.Days}
	loc, err := cfg.Location()
	if err != nil {
		return nil, fieldErr("hours.timezone", "%v", err)
	}
	date, _ := time.Parse("2006-01-02", sc.Date)
	base := time.Date(date.Year(), date.Month(), date.Day(), 0, 0, 0, 0, loc)
	days := sc.Days
	if opts.Continuous {
		days = 1
	}
	for d := 0; d < days; d++ {
		r := &run{sc: sc, cfg: cfg, opts: opts, base: base, res: res, day: d,
			byTicket: map[uint64]int32{}}
		seed := sc.Seed + uint64(d)
		r.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
		if err := r.day1(pf); err != nil {
			return nil, err
		}
	}
	return res, nil
}

func (r *run) at(ns int64) time.Time { return r.base.Add(time.Duration(ns)) }

func (r *run) push(at int64, kind uint8, win int32, arg int64) {
	r.seq++
	r.heap.push(event{at: at, seq: r.seq, kind: kind, win: win, arg: arg})
}

func (r *run) day1(pf policies.Factory) error {
	h, err := queue.New(r.cfg, []byte("sim"))
	if err != nil {
		return fmt.Errorf("%w: %v", ErrScenario, err)
	}
	h.SetRecording(r.opts.Events != nil)
	pol := pf.New(h.Config())
	h.SetPolicy(pol)
	r.hook, _ = pol.(NoShowHook)
	r.hall = h
	from, _ := parseHM(r.sc.Hours.IssueFrom)
	until, _ := parseHM(r.sc.Hours.IssueUntil)
	closing, _ := parseHM(r.sc.Hours.Close)
	ndays := 1
	if r.opts.Continuous {
		ndays = r.sc.Days
	}
	r.cutoff = minutes(float64(until)) + int64(ndays-1)*int64(24*time.Hour)
	r.closing = minutes(float64(closing)) + int64(ndays-1)*int64(24*time.Hour)
	r.apptEarly = minutes(float64(r.cfg.Channels.AppointmentEarlyMinutes))
	for d := 0; d < ndays; d++ {
		if len(r.sc.Arrivals) > 0 {
			r.replay(int64(d) * int64(24*time.Hour))
		} else {
			r.arrivals(int64(d)*int64(24*time.Hour), from, until)
		}
	}
	staffing := r.sc.Staffing
	if r.opts.Staffing != nil {
		staffing = r.opts.Staffing
	}
	if r.opts.Continuous {
		staffing = nil
	}
	open := minutes(float64(from))
	for i, wc := range r.cfg.Windows {
		r.wins = append(r.wins, &window{id: wc.ID, idx: i, services: wc.Services, cur: -1, want: true})
	}
	r.order = StaffOrder(r.wins)
	r.now = open
	r.applyStaffing(staffing, from/60, true)
	for hr := from/60 + 1; hr < 24; hr++ {
		if _, ok := staffing[hr]; ok {
			r.push(int64(hr)*int64(time.Hour), evStaff, -1, int64(hr))
		}
	}
	r.breaks()
	r.push(r.cutoff, evCutoff, -1, 0)
	for _, w := range r.wins {
		if w.staffed {
			if err := r.tryCall(w); err != nil {
				return err
			}
		}
	}
	limit := r.cutoff + int64(24*time.Hour)
	for len(r.heap) > 0 {
		e := r.heap.pop()
		if e.at > limit {
			return fmt.Errorf("%w: %d tickets still waiting at %s with policy %s", ErrRunaway, r.waiting, r.at(e.at).Format("01-02 15:04"), pf.Name)
		}
		r.now = e.at
		var err error
		switch e.kind {
		case evArrive:
			err = r.arrive(int32(e.arg))
		case evCheck:
			err = r.check(r.wins[e.win])
		case evFinish:
			err = r.finish(r.wins[e.win])
		case evWake:
			w := r.wins[e.win]
			if w.wakeAt == e.at {
				w.wakeAt = 0
				if w.idle {
					r.unidle(w)
					err = r.tryCall(w)
				}
			}
		case evBreak:
			err = r.breakStart(r.wins[e.win], e.arg)
		case evBreakEnd:
			err = r.breakEnd(r.wins[e.win])
		case evStaff:
			r.applyStaffing(staffing, int(e.arg), false)
			for _, w := range r.wins {
				if w.staffed && w.cur < 0 && !w.paused {
					r.unidle(w)
					if err = r.tryCall(w); err != nil {
						break
					}
				}
			}
		case evCutoff:
			for _, w := range slices.Clone(r.idle) {
				r.unidle(w)
				if err = r.tryCall(w); err != nil {
					break
				}
			}
		}
		if err != nil {
			return err
		}
		if r.opts.Events != nil {
			for _, ev := range h.TakeEvents() {
				if err := r.opts.Events(ev); err != nil {
					return err
				}
			}
		}
	}
	// Close the books.
	end := max(r.now, r.closing)
	for _, w := range r.wins {
		if w.staffed && !w.paused {
			r.off(w, end)
		}
	}
	r.res.Overtime = append(r.res.Overtime, time.Duration(max(0, r.lastDone-r.closing)))
	warm := int64(r.opts.Warmup)
	for i := range r.cits {
		c := &r.cits[i]
		if c.refused {
			r.res.Refused++
			continue
		}
		if !c.issued || c.arrive < warm {
			continue
		}
		if c.called < 0 {
			return fmt.Errorf("sim: internal: ticket %s never called", c.t.Number)
		}
		r.res.Records = append(r.res.Records, Record{Day: r.day, Service: int(c.service), Channel: c.t.Channel,
			Arrive: time.Duration(c.arrive), Wait: time.Duration(c.called - c.sinceIss),
			NoShow: c.noShow, Forfeit: c.late, OnTime: c.onTime})
	}
	return nil
}

// arrivals draws the day's citizens: a Poisson process per service and
// channel whose rate follows the hourly profile, with service times,
// no-shows and appointment punctuality drawn up front, so every policy
// sees the same citizens (common random numbers).
func (r *run) arrivals(off int64, from, until int) {
	sc := r.sc
	for si := range sc.Services {
		s := &sc.Services[si]
		for _, ch := range queue.Channels {
			share := sc.channelShare(s, ch)
			if share == 0 || s.PerDay == 0 {
				continue
			}
			p := sc.profileFor(s, ch)
			total := profileWeight(p, from, until)
			for hr := 0; hr < 24; hr++ {
				lo, hi := max(hr*60, from), min(hr*60+60, until)
				if hi <= lo || p[hr] == 0 {
					continue
				}
				rate := s.PerDay * share * p[hr] / total / 60 // per minute
				t := float64(lo)
				for {
					t += r.rng.ExpFloat64() / rate
					if t >= float64(hi) {
						break
					}
					r.newCitizen(off, int32(si), ch, minutes(t))
				}
			}
		}
	}
}

// replay takes the citizens of a recorded day; only their service times and
// no-shows are drawn.
func (r *run) replay(off int64) {
	idx := map[string]int32{}
	for i, s := range r.sc.Services {
		idx[s.ID] = int32(i)
	}
	for _, a := range r.sc.Arrivals {
		at, _ := parseHMS(a.At)
		ch, _ := queue.ParseChannel(a.Channel)
		si := idx[a.Service]
		c := citizen{arrive: off + int64(at), service: si, channel: ch, booked: -1, called: -1, day: int32(r.day)}
		c.serve = r.serviceTime(&r.sc.Services[si])
		c.absent = r.rng.Float64() < r.sc.Citizens.NoShow
		if ch == queue.Appointment {
			b, _ := parseHMS(a.Booked)
			c.booked = off + int64(b)
			c.onTime = c.arrive <= c.booked
		}
		r.cits = append(r.cits, c)
		r.push(c.arrive, evArrive, -1, int64(len(r.cits)-1))
	}
}

func (r *run) newCitizen(off int64, si int32, ch queue.Channel, t int64) {
	s := &r.sc.Services[si]
	cz := &r.sc.Citizens
	c := citizen{arrive: off + t, service: si, channel: ch, booked: -1, called: -1, day: int32(r.day)}
	c.serve = r.serviceTime(s)
	c.absent = r.rng.Float64() < cz.NoShow
	if ch == queue.Appointment {
		c.booked = off + t
		if r.rng.Float64() < cz.ApptLate {
			c.arrive = c.booked + minutes(31+29*r.rng.Float64())
		} else {
			c.arrive = c.booked - minutes(cz.ApptEarly) + minutes(cz.ApptSpread*r.rng.NormFloat64())
		}
		c.onTime = c.arrive <= c.booked
		if open := off + minutes(float64(mustHM(r.sc.Hours.IssueFrom))); c.arrive < open {
			c.arrive = open
		}
	}
	r.cits = append(r.cits, c)
	r.push(c.arrive, evArrive, -1, int64(len(r.cits)-1))
}

func mustHM(s string) int {
	v, _ := parseHM(s)
	return v
}

func (r *run) serviceTime(s *ServiceSpec) int64 {
	m := s.Minutes
	switch s.Dist {
	case "empirical":
		m = s.Sample[r.rng.IntN(len(s.Sample))]
	case "exponential":
		m *= r.rng.ExpFloat64()
	case "lognormal":
		if s.CV > 0 {
			sig2 := math.Log(1 + s.CV*s.CV)
			m = math.Exp(math.Log(m) - sig2/2 + math.Sqrt(sig2)*r.rng.NormFloat64())
		}
	}
	return max(minutes(m), int64(time.Second))
}

var chanPtr = [4]queue.Channel{queue.Normal, queue.Appointment, queue.Love, queue.Green}

func (r *run) arrive(ci int32) error {
	c := &r.cits[ci]
	s := &r.sc.Services[c.service]
	now := r.at(r.now)
	a := queue.IssueArgs{Service: s.ID, Channel: &chanPtr[c.channel], Source: "sim"}
	switch c.channel {
	case queue.Green, queue.Love:
		a.ByStaff = true
	case queue.Appointment:
		a.AppointmentID = fmt.Sprintf("P%d", ci)
		a.AppointmentAt = r.at(c.booked)
	}
	t, err := r.hall.Issue(now, a)
	switch {
	case errors.Is(err, queue.ErrAppointmentEarly):
		// Too early to check in: come back when check-in opens.
		r.push(c.booked-r.apptEarly+int64(time.Second), evArrive, -1, int64(ci))
		return nil
	case errors.Is(err, queue.ErrAppointmentLapse):
		// 30 minutes late: the booking lapses and the citizen takes a
		// normal ticket instead.
		c.late, c.channel = true, queue.Normal
		a = queue.IssueArgs{Service: s.ID, Channel: &chanPtr[queue.Normal], Source: "sim"}
		t, err = r.hall.Issue(now, a)
	}
	if errors.Is(err, queue.ErrNotIssuing) {
		c.refused = true
		return nil
	}
	if err != nil {
		return fmt.Errorf("sim: issue %s at %s: %w", s.ID, now.Format("15:04:05"), err)
	}
	c.t, c.issued = t, true
	c.sinceIss = t.Since.Sub(r.base).Nanoseconds()
	r.byTicket[t.ID] = ci
	r.waiting++
	// Wake the window idle longest among those serving the service.
	for _, w := range slices.Clone(r.idle) {
		if !w.idle || !slices.Contains(w.services, s.ID) {
			continue
		}
		r.unidle(w)
		if err := r.tryCall(w); err != nil {
			return err
		}
		if w.cur >= 0 {
			break
		}
	}
	return nil
}

func (r *run) unidle(w *window) {
	if !w.idle {
		return
	}
	w.idle = false
	if i := slices.Index(r.idle, w); i >= 0 {
		r.idle = slices.Delete(r.idle, i, i+1)
	}
}

func (r *run) on(w *window) { w.onFrom = r.now }

func (r *run) off(w *window, at int64) {
	r.res.Available += time.Duration(at - w.onFrom)
	if at > r.closing {
		r.res.WinOvertime += time.Duration(at - max(w.onFrom, r.closing))
	}
}

// tryCall lets a free window call its next ticket, or take a pending break,
// or go home.
func (r *run) tryCall(w *window) error {
	if !w.staffed || w.paused || w.cur >= 0 {
		return nil
	}
	now := r.at(r.now)
	if !w.want || (r.now >= r.cutoff && !r.hasWork(w) && !r.opts.Continuous) {
		r.unidle(w)
		if err := r.hall.Logout(now, w.id); err != nil {
			return fmt.Errorf("sim: logout %s: %w", w.id, err)
		}
		w.staffed = false
		r.off(w, r.now)
		return nil
	}
	if w.pending > 0 {
		d := w.pending
		w.pending = 0
		return r.pause(w, d)
	}
	t, err := r.hall.Call(now, w.id, queue.CallArgs{})
	if err != nil {
		return fmt.Errorf("sim: call at %s: %w", w.id, err)
	}
	if t == nil {
		if !w.idle {
			w.idle = true
			r.idle = append(r.idle, w)
		}
		r.scheduleWake(w)
		return nil
	}
	ci, ok := r.byTicket[t.ID]
	if !ok {
		return fmt.Errorf("sim: internal: unknown ticket %d called", t.ID)
	}
	c := &r.cits[ci]
	if c.called < 0 {
		c.called = r.now
	}
	r.waiting--
	w.cur, w.busyFrom = ci, r.now
	if c.absent {
		r.push(r.now+minutes(r.sc.Citizens.RecallMinutes), evCheck, int32(w.idx), 0)
	} else {
		r.push(r.now+minutes(r.sc.Citizens.WalkMinutes), evCheck, int32(w.idx), 0)
	}
	return nil
}

// hasWork reports whether a ticket waits in a line the window serves.
func (r *run) hasWork(w *window) bool {
	if len(r.hall.ForWindow(w.id)) > 0 {
		return true
	}
	for _, s := range w.services {
		for _, ch := range queue.Channels {
			if len(r.hall.Line(s, ch)) > 0 {
				return true
			}
		}
	}
	return false
}

// scheduleWake makes an idle window look again when a ticket it could not
// call yet may become callable: at the booked time of the next appointment,
// or in a minute for anything else a policy held back (a re-call embargo).
func (r *run) scheduleWake(w *window) {
	next := int64(math.MaxInt64)
	for _, s := range w.services {
		for _, ch := range queue.Channels {
			l := r.hall.Line(s, ch)
			if len(l) == 0 {
				continue
			}
			at := r.now + int64(time.Minute)
			if ch == queue.Appointment {
				if since := l[0].Since.Sub(r.base).Nanoseconds(); since > r.now {
					at = min(at, since)
				}
			}
			next = min(next, at)
		}
	}
	if next == math.MaxInt64 || (w.wakeAt > r.now && w.wakeAt <= next) {
		return
	}
	w.wakeAt = next
	r.push(next, evWake, int32(w.idx), 0)
}

func (r *run) check(w *window) error {
	ci := w.cur
	if ci < 0 {
		return fmt.Errorf("sim: internal: check at idle window %s", w.id)
	}
	c := &r.cits[ci]
	now := r.at(r.now)
	if !c.absent {
		if _, err := r.hall.Start(now, w.id); err != nil {
			return fmt.Errorf("sim: start at %s: %w", w.id, err)
		}
		r.push(r.now+c.serve, evFinish, int32(w.idx), 0)
		return nil
	}
	if c.t.Calls < r.cfg.Rules.NoShowAfterCalls {
		if _, err := r.hall.Recall(now, w.id); err != nil {
			return fmt.Errorf("sim: recall at %s: %w", w.id, err)
		}
		r.push(r.now+minutes(r.sc.Citizens.RecallMinutes), evCheck, int32(w.idx), 0)
		return nil
	}
	t, err := r.hall.NoShow(now, w.id)
	if err != nil {
		return fmt.Errorf("sim: no-show at %s: %w", w.id, err)
	}
	c.noShow = true
	if r.hook != nil && r.hook.OnNoShow(t, now) {
		zero := 0
		if _, err := r.hall.Requeue(now, w.id, t.ID, &zero); err != nil {
			return fmt.Errorf("sim: requeue at %s: %w", w.id, err)
		}
		r.waiting++
	} else {
		r.lastDone = max(r.lastDone, r.now)
	}
	return r.free(w)
}

func (r *run) finish(w *window) error {
	if _, err := r.hall.Finish(r.at(r.now), w.id, "办结", ""); err != nil {
		return fmt.Errorf("sim: finish at %s: %w", w.id, err)
	}
	c := &r.cits[w.cur]
	c.noShow = false
	r.lastDone = max(r.lastDone, r.now)
	return r.free(w)
}

func (r *run) free(w *window) error {
	r.res.Busy += time.Duration(r.now - w.busyFrom)
	w.cur = -1
	return r.tryCall(w)
}

func (r *run) applyStaffing(staffing map[int]int, hour int, first bool) {
	n := len(r.wins)
	if staffing != nil {
		best := -1
		for h := range staffing {
			if h <= hour && h > best {
				best = h
			}
		}
		if best >= 0 {
			n = staffing[best]
		}
	}
	now := r.at(r.now)
	for i, w := range r.order {
		w.want = i < n
		if w.want && !w.staffed && (first || r.now < r.cutoff) {
			if err := r.hall.Login(now, w.id, "staff-"+w.id); err == nil {
				w.staffed, w.paused = true, false
				r.on(w)
			}
		}
	}
}

// StaffOrder is the order in which windows are staffed when fewer than all
// are open: windows with the same service profile form a group, and the
// groups are interleaved in proportion to their size, so that any first N
// windows cover the profiles about as the full hall does.
func StaffOrder[W interface{ profile() string }](ws []W) []W {
	count := map[string]int{}
	for _, w := range ws {
		count[w.profile()]++
	}
	seen := map[string]int{}
	keys := make([]float64, len(ws))
	for i, w := range ws {
		p := w.profile()
		keys[i] = (float64(seen[p]) + 0.5) / float64(count[p])
		seen[p]++
	}
	idx := make([]int, len(ws))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return keys[idx[a]] < keys[idx[b]] })
	out := make([]W, len(ws))
	for i, j := range idx {
		out[i] = ws[j]
	}
	return out
}

func (w *window) profile() string { return strings.Join(w.services, ",") }

func (r *run) breaks() {
	idx := map[string]int{}
	for i, w := range r.wins {
		idx[w.id] = i
	}
	for _, b := range r.sc.Breaks {
		ids := b.Windows
		if len(ids) == 0 {
			for _, w := range r.wins {
				ids = append(ids, w.id)
			}
		}
		from := mustHM(b.From)
		for k, id := range ids {
			at := minutes(float64(from) + float64(k)*b.StaggerMinutes)
			r.push(at, evBreak, int32(idx[id]), minutes(b.Minutes))
		}
	}
}

func (r *run) breakStart(w *window, d int64) error {
	if !w.staffed || w.paused {
		return nil
	}
	if w.cur >= 0 {
		w.pending = d
		return nil
	}
	r.unidle(w)
	return r.pause(w, d)
}

func (r *run) pause(w *window, d int64) error {
	if err := r.hall.Pause(r.at(r.now), w.id, "休息"); err != nil {
		return fmt.Errorf("sim: pause %s: %w", w.id, err)
	}
	w.paused = true
	r.off(w, r.now)
	r.push(r.now+d, evBreakEnd, int32(w.idx), 0)
	return nil
}

func (r *run) breakEnd(w *window) error {
	if !w.staffed || !w.paused {
		return nil
	}
	if err := r.hall.Resume(r.at(r.now), w.id); err != nil {
		return fmt.Errorf("sim: resume %s: %w", w.id, err)
	}
	w.paused = false
	r.on(w)
	return r.tryCall(w)
}
