package queue

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// IssueArgs is a request for a ticket.
type IssueArgs struct {
	Service string
	// Channel is the channel asked for; nil lets the hall decide: an
	// appointment when one is given, love by age or declared category,
	// otherwise normal.
	Channel  *Channel
	Identity *Identity
	Category string
	// AppointmentID and AppointmentAt check in a booking for today.
	AppointmentID string
	AppointmentAt time.Time
	Source        string
	// ByStaff is set when staff issue the ticket (the green channel needs it).
	ByStaff bool
}

func checkText(field, s string, max int) error {
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > max || strings.ContainsAny(s, "\x00\r\n") {
		return errf(ErrInvalid, "%s 无效或超过 %d 个字", "%s invalid or longer than %d characters", field, max, field, max)
	}
	return nil
}

// Issue gives out a ticket. On error nothing changed.
func (h *Hall) Issue(now time.Time, a IssueArgs) (*Ticket, error) {
	h.Tick(now)
	now = h.clock(now)
	s := h.services[a.Service]
	if s == nil {
		return nil, errf(ErrUnknownService, "没有业务 %q", "unknown service %q", a.Service, a.Service)
	}
	for _, f := range []struct{ n, v string }{{"category", a.Category}, {"appointment_id", a.AppointmentID}, {"source", a.Source}} {
		if err := checkText(f.n, f.v, 64); err != nil {
			return nil, err
		}
	}
	local := now.In(h.loc)
	mins := local.Hour()*60 + local.Minute()
	if mins < s.issueFrom || mins >= s.issueUntil {
		return nil, errf(ErrNotIssuing, "当前不在取号时间（%s）", "tickets are issued %s only",
			hmRange(s.issueFrom, s.issueUntil), hmRange(s.issueFrom, s.issueUntil))
	}
	if s.cfg.DailyCap > 0 && s.issued >= s.cfg.DailyCap {
		return nil, ErrDailyCap
	}
	if a.Category != "" && !slices.Contains(h.cfg.Channels.LoveCategories, a.Category) {
		return nil, errf(ErrInvalid, "未知类别 %q", "unknown category %q", a.Category, a.Category)
	}
	ageLove := false
	if a.Identity != nil {
		age := AgeOn(a.Identity.Birth, now)
		if age < 0 || age > 150 {
			return nil, errf(ErrBadIDCard, "出生日期无效", "birth date out of range")
		}
		ageLove = age >= h.cfg.Channels.LoveAgeFrom || (h.cfg.Channels.LoveAgeUnder > 0 && age < h.cfg.Channels.LoveAgeUnder)
	}
	hasAppt := a.AppointmentID != "" || !a.AppointmentAt.IsZero()
	if hasAppt && (a.AppointmentID == "" || a.AppointmentAt.IsZero()) {
		return nil, errf(ErrInvalid, "预约需同时提供编号和时间", "an appointment needs both id and time")
	}
	var ch Channel
	verified := false
	category := a.Category
	switch {
	case a.Channel != nil:
		ch = *a.Channel
		if !ch.Valid() {
			return nil, errf(ErrInvalid, "未知通道", "unknown channel")
		}
		switch ch {
		case Green:
			if !a.ByStaff {
				return nil, ErrGreenNeedsStaff
			}
			verified = true
		case Appointment:
			if !hasAppt {
				return nil, errf(ErrInvalid, "预约通道需提供预约信息", "the appointment channel needs an appointment")
			}
		case Love:
			if ageLove {
				verified = true
			} else if category == "" && !a.ByStaff {
				return nil, errf(ErrInvalid, "不符合爱心通道条件，请选择类别或联系工作人员", "no love-channel eligibility: declare a category or ask staff")
			}
			verified = verified || a.ByStaff
		}
		if !s.accepts[ch] {
			return nil, errf(ErrChannelRefused, "业务 %s 不接受 %s 通道", "service %s does not accept channel %s", s.cfg.Name, ch, s.cfg.ID, ch)
		}
	case hasAppt && s.accepts[Appointment]:
		ch = Appointment
	case ageLove && s.accepts[Love]:
		ch, verified = Love, true
	case category != "" && s.accepts[Love]:
		ch = Love
	default:
		ch = Normal
	}
	if ch != Love {
		category, verified = "", ch == Green
	}
	since := now
	if ch == Appointment {
		early := a.AppointmentAt.Add(-time.Duration(h.cfg.Channels.AppointmentEarlyMinutes) * time.Minute)
		late := a.AppointmentAt.Add(time.Duration(h.cfg.Channels.AppointmentLateMinutes) * time.Minute)
		if now.Before(early) {
			at := early.In(h.loc).Format("15:04")
			return nil, errf(ErrAppointmentEarly, "预约时间未到，请于 %s 后签到", "too early: check in after %s", at, at)
		}
		if now.After(late) {
			return nil, ErrAppointmentLapse
		}
		if a.AppointmentAt.After(now) {
			since = a.AppointmentAt
		}
	}
	var person, masked string
	if a.Identity != nil {
		person, masked = a.Identity.Person, a.Identity.MaskedName
		if h.cfg.Channels.OnePerPerson {
			if id, held := h.persons[person+"|"+s.cfg.ID]; held {
				if t := h.tickets[id]; t != nil && t.Status.Live() {
					return nil, errf(ErrDuplicate, "您已取过该业务的号（%s），请耐心等候", "already holding ticket %s for this service", t.Number, t.Number)
				}
			}
		}
	}
	num, number, ok := h.freeNumber(s)
	if !ok {
		return nil, ErrNumbersExhausted
	}
	id := h.nextID
	if id == 0 {
		id = 1
	}
	h.emit(Event{Type: EvIssued, At: now, Ticket: id, Number: number, Num: num, Service: s.cfg.ID,
		Channel: ch, Since: since, Category: category, Verified: verified, Person: person,
		MaskedName: masked, AppointmentID: a.AppointmentID, AppointmentAt: a.AppointmentAt, Source: a.Source})
	return h.tickets[id], nil
}

func hmRange(from, until int) string {
	return fmt.Sprintf("%02d:%02d-%02d:%02d", from/60, from%60, until/60, until%60)
}

// freeNumber finds the next number of the service's range not held by a
// live ticket, wrapping at the end of the range.
func (h *Hall) freeNumber(s *service) (int, string, bool) {
	span := s.cfg.Last - s.cfg.First + 1
	n := s.next
	for i := 0; i < span; i++ {
		if n > s.cfg.Last || n < s.cfg.First {
			n = s.cfg.First
		}
		number := formatNumber(s.cfg.Prefix, n, s.cfg.Last)
		if _, held := h.numbers[number]; !held && !h.leases.holds(number) {
			return n, number, true
		}
		n++
	}
	return 0, "", false
}

func (h *Hall) window(id string) (*Window, error) {
	w := h.windows[id]
	if w == nil {
		return nil, errf(ErrUnknownWindow, "没有窗口 %q", "unknown window %q", id, id)
	}
	return w, nil
}

// begin is how window commands start: roll the day over if needed, keep
// the clock monotonic, and find the window, which must be staffed.
func (h *Hall) begin(now time.Time, window string) (time.Time, *Window, error) {
	h.Tick(now)
	now = h.clock(now)
	w, err := h.staffed(window)
	return now, w, err
}

// staffed returns the window if somebody is logged in there.
func (h *Hall) staffed(id string) (*Window, error) {
	w, err := h.window(id)
	if err != nil {
		return nil, err
	}
	if w.Staff == "" {
		return nil, ErrNotLoggedIn
	}
	return w, nil
}

func (h *Hall) ticket(id uint64) (*Ticket, error) {
	t := h.tickets[id]
	if t == nil {
		return nil, errf(ErrUnknownTicket, "没有号票 %d", "unknown ticket %d", id, id)
	}
	return t, nil
}

// current returns the window's current ticket, which must be in one of the
// given states.
func (h *Hall) current(w *Window, states ...Status) (*Ticket, error) {
	if w.Current == 0 {
		return nil, ErrNoCurrent
	}
	t := h.tickets[w.Current]
	if !slices.Contains(states, t.Status) {
		return nil, errf(ErrWrongState, "当前号 %s 状态为 %s，不能执行此操作", "current ticket %s is %s", t.Number, t.Status, t.Number, t.Status)
	}
	return t, nil
}

// CallArgs narrows a call: a specific ticket, or the next of one service.
type CallArgs struct {
	Ticket  uint64
	Service string
}

// Call calls the next ticket for a window. It returns nil and no error when
// nobody is waiting for the window.
func (h *Hall) Call(now time.Time, window string, a CallArgs) (*Ticket, error) {
	now, w, err := h.begin(now, window)
	if err != nil {
		return nil, err
	}
	if w.Paused {
		return nil, ErrPaused
	}
	if w.Current != 0 {
		cur := h.tickets[w.Current]
		return nil, errf(ErrBusy, "请先处理当前号 %s", "finish or release the current ticket %s first", cur.Number, cur.Number)
	}
	var t *Ticket
	switch {
	case a.Ticket != 0:
		if t, err = h.ticket(a.Ticket); err != nil {
			return nil, err
		}
		if t.Status != Waiting {
			return nil, errf(ErrWrongState, "号票 %s 不在等候中", "ticket %s is not waiting", t.Number, t.Number)
		}
		if t.ForWindow != "" && t.ForWindow != w.ID {
			return nil, errf(ErrNotServed, "号票 %s 已转至 %s 号窗口", "ticket %s was transferred to window %s", t.Number, t.ForWindow, t.Number, t.ForWindow)
		}
		if t.ForWindow == "" && !w.Serves(t.Service) {
			return nil, ErrNotServed
		}
	case a.Service != "":
		if h.services[a.Service] == nil {
			return nil, errf(ErrUnknownService, "没有业务 %q", "unknown service %q", a.Service, a.Service)
		}
		if !w.Serves(a.Service) {
			return nil, ErrNotServed
		}
		t = h.policy.Pick(h, w, []string{a.Service}, now)
	default:
		t = h.policy.Pick(h, w, w.Services, now)
	}
	if t == nil {
		return nil, nil
	}
	h.emit(Event{Type: EvCalled, At: now, Ticket: t.ID, Number: t.Number, Service: t.Service,
		Channel: t.Channel, Window: w.ID, Staff: w.Staff, Calls: t.Calls + 1})
	return t, nil
}

func (h *Hall) ticketEvent(typ EventType, now time.Time, t *Ticket, w *Window) Event {
	e := Event{Type: typ, At: now, Ticket: t.ID, Number: t.Number, Service: t.Service, Channel: t.Channel, Calls: t.Calls}
	if w != nil {
		e.Window, e.Staff = w.ID, w.Staff
	}
	return e
}

// Recall announces the window's called ticket again.
func (h *Hall) Recall(now time.Time, window string) (*Ticket, error) {
	now, w, err := h.begin(now, window)
	if err != nil {
		return nil, err
	}
	t, err := h.current(w, Called)
	if err != nil {
		return nil, err
	}
	if t.Calls-1 >= h.cfg.Rules.MaxRecalls {
		return nil, errf(ErrRecallLimit, "重呼次数已达上限（%d 次），可过号", "recall limit %d reached", h.cfg.Rules.MaxRecalls, h.cfg.Rules.MaxRecalls)
	}
	e := h.ticketEvent(EvRecalled, now, t, w)
	e.Calls = t.Calls + 1
	h.emit(e)
	return t, nil
}

// NoShow marks the window's called ticket as not answered (过号).
func (h *Hall) NoShow(now time.Time, window string) (*Ticket, error) {
	now, w, err := h.begin(now, window)
	if err != nil {
		return nil, err
	}
	t, err := h.current(w, Called)
	if err != nil {
		return nil, err
	}
	if t.Calls < h.cfg.Rules.NoShowAfterCalls {
		return nil, errf(ErrTooFewCalls, "已呼叫 %d 次，需呼叫 %d 次后才能过号", "called %d times, %d needed", t.Calls, h.cfg.Rules.NoShowAfterCalls, t.Calls, h.cfg.Rules.NoShowAfterCalls)
	}
	h.emit(h.ticketEvent(EvNoShow, now, t, w))
	return t, nil
}

// Requeue puts a no-show back in its line behind the next `behind` waiting
// tickets of its service (nil: the configured default).
func (h *Hall) Requeue(now time.Time, window string, ticket uint64, behind *int) (*Ticket, error) {
	now, w, err := h.begin(now, window)
	if err != nil {
		return nil, err
	}
	t, err := h.ticket(ticket)
	if err != nil {
		return nil, err
	}
	if t.Status != NoShow {
		return nil, errf(ErrWrongState, "只有过号的号票可以重新排队", "only a no-show can be re-queued")
	}
	k := h.cfg.Rules.RequeueBehind
	if behind != nil {
		k = *behind
	}
	if k < 0 || k > 10000 {
		return nil, errf(ErrInvalid, "behind 超出范围", "behind out of range")
	}
	var sinces []time.Time
	for _, l := range h.services[t.Service].lines {
		for _, u := range l.t {
			sinces = append(sinces, u.Since)
		}
	}
	slices.SortFunc(sinces, func(a, b time.Time) int { return a.Compare(b) })
	var since time.Time
	switch {
	case len(sinces) == 0 || k >= len(sinces):
		since = now
		if len(sinces) > 0 && !now.After(sinces[len(sinces)-1]) {
			since = sinces[len(sinces)-1].Add(time.Nanosecond)
		}
	case k == 0:
		since = sinces[0].Add(-time.Nanosecond)
	default:
		// Just behind the k-th waiting ticket.
		since = sinces[k-1].Add(time.Nanosecond)
	}
	e := h.ticketEvent(EvRequeued, now, t, w)
	e.Since, e.Calls = since, 0
	h.emit(e)
	return t, nil
}

// Start records that the called citizen is at the window.
func (h *Hall) Start(now time.Time, window string) (*Ticket, error) {
	now, w, err := h.begin(now, window)
	if err != nil {
		return nil, err
	}
	t, err := h.current(w, Called)
	if err != nil {
		return nil, err
	}
	h.emit(h.ticketEvent(EvStarted, now, t, w))
	return t, nil
}

// Finish closes the window's ticket with an outcome and optional case
// number. A called ticket may be finished without an explicit start.
func (h *Hall) Finish(now time.Time, window, outcome, caseNumber string) (*Ticket, error) {
	now, w, err := h.begin(now, window)
	if err != nil {
		return nil, err
	}
	if err := checkText("outcome", outcome, 64); err != nil {
		return nil, err
	}
	if err := checkText("case_number", caseNumber, 64); err != nil {
		return nil, err
	}
	t, err := h.current(w, Called, Serving)
	if err != nil {
		return nil, err
	}
	e := h.ticketEvent(EvFinished, now, t, w)
	e.Outcome, e.CaseNumber = outcome, caseNumber
	h.emit(e)
	return t, nil
}

// Transfer sends the window's ticket to another service or window. The new
// ticket keeps the number and the original arrival time, so the citizen does
// not go to the back of the line.
func (h *Hall) Transfer(now time.Time, window, toService, toWindow string) (*Ticket, error) {
	now, w, err := h.begin(now, window)
	if err != nil {
		return nil, err
	}
	t, err := h.current(w, Called, Serving)
	if err != nil {
		return nil, err
	}
	if toService == "" && toWindow == "" {
		return nil, errf(ErrInvalid, "请指定转移的业务或窗口", "transfer needs a service or a window")
	}
	if toWindow != "" {
		tw, err := h.window(toWindow)
		if err != nil {
			return nil, err
		}
		if tw.ID == w.ID {
			return nil, errf(ErrInvalid, "不能转移到本窗口", "cannot transfer to the same window")
		}
		if toService == "" {
			toService = t.Service
			if !tw.Serves(toService) {
				toService = tw.Services[0]
			}
		} else if !tw.Serves(toService) {
			return nil, errf(ErrNotServed, "%s 号窗口不办理该业务", "window %s does not serve that service", tw.ID, tw.ID)
		}
	}
	if h.services[toService] == nil {
		return nil, errf(ErrUnknownService, "没有业务 %q", "unknown service %q", toService, toService)
	}
	if toWindow == "" && toService == t.Service {
		return nil, errf(ErrInvalid, "目标业务与当前业务相同", "the target is the ticket's own service")
	}
	e := h.ticketEvent(EvTransferred, now, t, w)
	e.NewTicket, e.ToService, e.ToWindow = max(h.nextID, 1), toService, toWindow
	h.emit(e)
	return h.tickets[e.NewTicket], nil
}

// Park sets the window's ticket aside (挂起), e.g. while the citizen fetches
// a document; TakeBack resumes it.
func (h *Hall) Park(now time.Time, window string) (*Ticket, error) {
	now, w, err := h.begin(now, window)
	if err != nil {
		return nil, err
	}
	t, err := h.current(w, Called, Serving)
	if err != nil {
		return nil, err
	}
	h.emit(h.ticketEvent(EvParked, now, t, w))
	return t, nil
}

// TakeBack resumes a ticket parked at this window.
func (h *Hall) TakeBack(now time.Time, window string, ticket uint64) (*Ticket, error) {
	now, w, err := h.begin(now, window)
	if err != nil {
		return nil, err
	}
	if ticket == 0 && len(w.Parked) > 0 {
		ticket = w.Parked[len(w.Parked)-1]
	}
	t, err := h.ticket(ticket)
	if err != nil {
		return nil, err
	}
	if t.Status != Parked || t.Window != w.ID {
		return nil, errf(ErrWrongState, "号票 %s 未在本窗口挂起", "ticket %s is not parked at this window", t.Number, t.Number)
	}
	if w.Current != 0 {
		return nil, ErrBusy
	}
	h.emit(h.ticketEvent(EvTakenBack, now, t, w))
	return t, nil
}

// Pause stops calls at a window; the reason is shown on its sign.
func (h *Hall) Pause(now time.Time, window, reason string) error {
	now, w, err := h.begin(now, window)
	if err != nil {
		return err
	}
	if err := checkText("reason", reason, 32); err != nil {
		return err
	}
	if w.Paused {
		return errf(ErrPaused, "窗口已暂停（%s）", "already paused (%s)", w.PauseReason, w.PauseReason)
	}
	if reason == "" {
		reason = "暂停服务"
	}
	h.emit(Event{Type: EvPaused, At: now, Window: w.ID, Staff: w.Staff, Reason: reason})
	return nil
}

// Resume reopens a paused window.
func (h *Hall) Resume(now time.Time, window string) error {
	now, w, err := h.begin(now, window)
	if err != nil {
		return err
	}
	if !w.Paused {
		return ErrNotPaused
	}
	h.emit(Event{Type: EvResumed, At: now, Window: w.ID, Staff: w.Staff})
	return nil
}

// Login starts a staff member's shift at a window.
func (h *Hall) Login(now time.Time, window, staff string) error {
	h.Tick(now)
	now = h.clock(now)
	w, err := h.window(window)
	if err != nil {
		return err
	}
	if staff == "" {
		return errf(ErrInvalid, "缺少工号", "staff id missing")
	}
	if err := checkText("staff", staff, 32); err != nil {
		return err
	}
	if w.Staff != "" {
		return errf(ErrLoggedIn, "%s 号窗口已由 %s 登录，请使用交接", "window %s is held by %s: hand over instead", w.ID, w.Staff, w.ID, w.Staff)
	}
	h.emit(Event{Type: EvLoggedIn, At: now, Window: w.ID, Staff: staff})
	return nil
}

// Logout ends the shift; the window must have no current ticket.
func (h *Hall) Logout(now time.Time, window string) error {
	now, w, err := h.begin(now, window)
	if err != nil {
		return err
	}
	if w.Current != 0 {
		return errf(ErrBusy, "请先处理当前号 %s", "finish or release the current ticket %s first", h.tickets[w.Current].Number, h.tickets[w.Current].Number)
	}
	h.emit(Event{Type: EvLoggedOut, At: now, Window: w.ID, Staff: w.Staff})
	return nil
}

// HandOver lets the backup (B post) take over a window without closing it;
// the current ticket carries on under the new staff member.
func (h *Hall) HandOver(now time.Time, window, staff string) error {
	now, w, err := h.begin(now, window)
	if err != nil {
		return err
	}
	if staff == "" {
		return errf(ErrInvalid, "缺少工号", "staff id missing")
	}
	if err := checkText("staff", staff, 32); err != nil {
		return err
	}
	if staff == w.Staff {
		return errf(ErrInvalid, "交接对象与当前人员相同", "hand-over to the same staff member")
	}
	h.emit(Event{Type: EvHandedOver, At: now, Window: w.ID, Staff: staff, Reason: w.Staff})
	return nil
}

// Cancel withdraws a ticket that is waiting, called, parked or a no-show.
func (h *Hall) Cancel(now time.Time, window string, ticket uint64, reason string) (*Ticket, error) {
	h.Tick(now)
	now = h.clock(now)
	w, err := h.window(window)
	if err != nil {
		return nil, err
	}
	if err := checkText("reason", reason, 64); err != nil {
		return nil, err
	}
	if ticket == 0 {
		ticket = w.Current
	}
	t, err := h.ticket(ticket)
	if err != nil {
		return nil, err
	}
	switch t.Status {
	case Waiting, Called, Parked, NoShow:
	default:
		return nil, errf(ErrWrongState, "号票 %s 状态为 %s，不能取消", "ticket %s is %s and cannot be cancelled", t.Number, t.Status, t.Number, t.Status)
	}
	e := h.ticketEvent(EvCancelled, now, t, w)
	e.Reason = reason
	h.emit(e)
	return t, nil
}

func (h *Hall) changeChannel(now time.Time, window string, ticket uint64, ch Channel, category string, verified bool, reason string) (*Ticket, error) {
	h.Tick(now)
	now = h.clock(now)
	w, err := h.window(window)
	if err != nil {
		return nil, err
	}
	if err := checkText("reason", reason, 64); err != nil {
		return nil, err
	}
	t, err := h.ticket(ticket)
	if err != nil {
		return nil, err
	}
	if !t.Status.Live() {
		return nil, errf(ErrWrongState, "号票 %s 已结束", "ticket %s is closed", t.Number, t.Number)
	}
	e := h.ticketEvent(EvChannelChanged, now, t, w)
	e.Channel, e.Category, e.Verified, e.Reason = ch, category, verified, reason
	h.emit(e)
	return t, nil
}

// Confirm marks a declared priority category as checked by staff.
func (h *Hall) Confirm(now time.Time, window string, ticket uint64) (*Ticket, error) {
	t, err := h.ticket(ticket)
	if err != nil {
		return nil, err
	}
	if t.Category == "" || t.Verified {
		return nil, errf(ErrWrongState, "号票 %s 没有待确认的类别", "ticket %s has no unverified category", t.Number, t.Number)
	}
	return h.changeChannel(now, window, ticket, t.Channel, t.Category, true, "")
}

// Revoke takes a priority channel away; the ticket keeps its place by
// arrival in the normal line.
func (h *Hall) Revoke(now time.Time, window string, ticket uint64, reason string) (*Ticket, error) {
	t, err := h.ticket(ticket)
	if err != nil {
		return nil, err
	}
	if t.Channel != Love && t.Channel != Green {
		return nil, errf(ErrWrongState, "号票 %s 不在优先通道", "ticket %s is in no priority channel", t.Number, t.Number)
	}
	return h.changeChannel(now, window, ticket, Normal, "", false, reason)
}

// GrantGreen puts a ticket in the green channel (特事特办).
func (h *Hall) GrantGreen(now time.Time, window string, ticket uint64, reason string) (*Ticket, error) {
	t, err := h.ticket(ticket)
	if err != nil {
		return nil, err
	}
	if t.Channel == Green {
		return nil, errf(ErrWrongState, "号票 %s 已在绿色通道", "ticket %s is already green", t.Number, t.Number)
	}
	if !h.services[t.Service].accepts[Green] {
		return nil, ErrChannelRefused
	}
	return h.changeChannel(now, window, ticket, Green, "", true, reason)
}
