package eval

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"hallq/controller/hallproto"
	"hallq/controller/internal/workday"
)

// TicketFacts is what the live hall knows of a rated ticket.
type TicketFacts struct {
	ID          uint64
	Number      string
	Service     string
	ServiceName string
	Window      string // where it was finished (or is being served)
	Staff       string
	CaseNumber  string
	MaskedName  string
	Done        bool
	FinishedAt  time.Time
}

// rules holds the pure decisions of the service. It has no storage and
// no clock of its own: every function is given "now".
type rules struct {
	cfg Config
	cal *workday.Calendar
	loc *time.Location
}

func newRules(cfg Config, loc *time.Location) (*rules, error) {
	cfg.Defaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cal, err := workday.New(*cfg.Calendar)
	if err != nil {
		return nil, err
	}
	if loc == nil {
		loc = time.Local
	}
	return &rules{cfg: cfg, cal: cal, loc: loc}, nil
}

func okText(s string, max int) bool {
	return utf8.ValidString(s) && utf8.RuneCountInString(s) <= max && !strings.ContainsAny(s, "\x00\r\n")
}

// checkRequest validates a request on its own, before the hall is read.
func (r *rules) checkRequest(q *hallproto.EvaluationRequest) error {
	if q.Rating < 1 || q.Rating > 5 {
		return withDetail(ErrBadRating, "rating %d", q.Rating)
	}
	if q.Ticket == 0 {
		return withDetail(ErrBadRequest, "ticket missing")
	}
	if q.Window == "" || !okText(q.Window, 16) {
		return withDetail(ErrBadRequest, "window missing or invalid")
	}
	if !okText(q.CaseNumber, 64) {
		return withDetail(ErrBadRequest, "case_number invalid or longer than 64")
	}
	if q.Reason != "" {
		if q.Rating > 2 {
			return withDetail(ErrBadReason, "a reason is only for ratings 1 and 2")
		}
		if q.Reason != hallproto.ReasonPending && !slices.Contains(r.cfg.Reasons, q.Reason) {
			return withDetail(ErrBadReason, "reason %q not configured", q.Reason)
		}
	}
	return nil
}

// decide binds a valid request to the ticket it rates. t is nil when the
// hall does not know the ticket; rated says whether the ticket has a
// rating already. The evaluation's ID and the follow-up's IDs are left to
// the store.
func (r *rules) decide(q *hallproto.EvaluationRequest, t *TicketFacts, rated bool, device string, now time.Time) (hallproto.Evaluation, *hallproto.Followup, error) {
	if err := r.checkRequest(q); err != nil {
		return hallproto.Evaluation{}, nil, err
	}
	if t == nil {
		return hallproto.Evaluation{}, nil, withDetail(ErrUnknownTicket, "ticket %d", q.Ticket)
	}
	if rated {
		return hallproto.Evaluation{}, nil, withDetail(ErrAlreadyRated, "ticket %s", t.Number)
	}
	if !t.Done || t.Window != q.Window {
		return hallproto.Evaluation{}, nil, withDetail(ErrNotFinishedHere, "ticket %s at window %s", t.Number, q.Window)
	}
	if now.Sub(t.FinishedAt) > time.Duration(r.cfg.AcceptMinutes)*time.Minute {
		return hallproto.Evaluation{}, nil, withDetail(ErrExpired, "ticket %s finished %s ago", t.Number, now.Sub(t.FinishedAt).Round(time.Second))
	}
	caseNo := t.CaseNumber
	if q.CaseNumber != "" {
		if caseNo != "" && caseNo != q.CaseNumber {
			return hallproto.Evaluation{}, nil, withDetail(ErrBadRequest, "case number does not match the finished ticket")
		}
		caseNo = q.CaseNumber
	}
	now = now.In(r.loc)
	ev := hallproto.Evaluation{Ticket: t.ID, Number: t.Number, Service: t.Service, ServiceName: t.ServiceName,
		Window: t.Window, Staff: t.Staff, Rating: q.Rating, RatingName: hallproto.RatingNames[q.Rating],
		Reason: q.Reason, CaseNumber: caseNo, MaskedName: t.MaskedName, FinishedAt: t.FinishedAt.In(r.loc),
		RatedAt: now, Device: device}
	if q.Rating > 2 {
		return ev, nil, nil
	}
	if ev.Reason == "" {
		ev.Reason = hallproto.ReasonPending
	}
	fu := &hallproto.Followup{Ticket: t.ID, Number: t.Number, Service: t.Service, Window: t.Window, Staff: t.Staff,
		Rating: q.Rating, Reason: ev.Reason, Owner: r.cfg.Owner, Status: hallproto.FollowupOpen, CreatedAt: now,
		Deadline: r.deadline(now),
		History:  []hallproto.FollowupChange{{At: now, By: device, Action: "created", Detail: "rating " + string(rune('0'+q.Rating))}}}
	return ev, fu, nil
}

// deadline is the end of the FollowupDays-th working day after now.
func (r *rules) deadline(now time.Time) time.Time {
	return workday.EndOfWorkingDay(r.cal.AddWorkingDays(now.In(r.loc), r.cfg.FollowupDays))
}

// overdue: not closed and past its deadline.
func overdue(f *hallproto.Followup, now time.Time) bool {
	return f.Status != hallproto.FollowupClosed && now.After(f.Deadline)
}

// patch applies p to a copy of f and returns it; f is unchanged on error.
func (r *rules) patch(f hallproto.Followup, p *hallproto.FollowupPatch, by string, now time.Time) (hallproto.Followup, error) {
	if f.Status == hallproto.FollowupClosed {
		return f, ErrFollowupClosed
	}
	if p.Owner == nil && p.Reason == nil && p.CallbackResult == nil && p.Status == nil && p.Note == "" {
		return f, withDetail(ErrBadRequest, "nothing to change")
	}
	now = now.In(r.loc)
	f.History = slices.Clone(f.History)
	add := func(action, detail string) {
		f.History = append(f.History, hallproto.FollowupChange{At: now, By: by, Action: action, Detail: detail})
	}
	if p.Owner != nil {
		if !okText(*p.Owner, 64) {
			return f, withDetail(ErrBadRequest, "owner invalid or longer than 64")
		}
		f.Owner = *p.Owner
		add("owner", *p.Owner)
	}
	if p.Reason != nil {
		if *p.Reason == "" || !okText(*p.Reason, maxText) {
			return f, withDetail(ErrBadReason, "reason empty, invalid or longer than %d", maxText)
		}
		f.Reason = *p.Reason
		add("reason", *p.Reason)
	}
	if p.CallbackResult != nil {
		if *p.CallbackResult == "" || !okText(*p.CallbackResult, maxText) {
			return f, withDetail(ErrBadRequest, "callback_result empty, invalid or longer than %d", maxText)
		}
		f.CallbackResult = *p.CallbackResult
		if p.Status == nil && f.Status == hallproto.FollowupOpen {
			// Recording what the citizen said is the call-back.
			f.Status = hallproto.FollowupCalledBack
		}
		add("called_back", *p.CallbackResult)
	}
	if p.Status != nil {
		switch *p.Status {
		case hallproto.FollowupCalledBack, hallproto.FollowupClosed:
		default:
			return f, withDetail(ErrBadStatus, "status %q", *p.Status)
		}
		if f.CallbackResult == "" {
			return f, ErrCallbackRequired
		}
		if *p.Status == hallproto.FollowupClosed {
			t := now
			f.ClosedAt = &t
			add("closed", "")
		}
		f.Status = *p.Status
	}
	if p.Note != "" {
		if !okText(p.Note, maxText) {
			return f, withDetail(ErrBadRequest, "note invalid or longer than %d", maxText)
		}
		add("note", p.Note)
	}
	return f, nil
}

// Filter selects evaluations; zero fields match everything. From is
// inclusive, To exclusive.
type Filter struct {
	From, To time.Time
	Window   string
	Service  string
	Staff    string
	Rating   int // 1..5, 0 = any
}

func (f *Filter) match(e *hallproto.Evaluation) bool {
	return (f.From.IsZero() || !e.RatedAt.Before(f.From)) && (f.To.IsZero() || e.RatedAt.Before(f.To)) &&
		(f.Window == "" || e.Window == f.Window) && (f.Service == "" || e.Service == f.Service) &&
		(f.Staff == "" || e.Staff == f.Staff) && (f.Rating == 0 || e.Rating == f.Rating)
}

// FollowupFilter selects follow-ups; zero fields match everything.
type FollowupFilter struct {
	Status  hallproto.FollowupStatus
	Overdue bool
}

func (f *FollowupFilter) match(fu *hallproto.Followup) bool {
	return (f.Status == "" || fu.Status == f.Status) && (!f.Overdue || fu.Overdue)
}

// summarize counts levels and the satisfaction share (ratings 3..5).
func summarize(evs []hallproto.Evaluation) hallproto.EvaluationList {
	out := hallproto.EvaluationList{Evaluations: evs}
	if out.Evaluations == nil {
		out.Evaluations = []hallproto.Evaluation{}
	}
	good := 0
	for _, e := range evs {
		if e.Rating >= 1 && e.Rating <= 5 {
			out.Counts[e.Rating]++
		}
		if e.Rating >= 3 {
			good++
		}
	}
	if len(evs) > 0 {
		out.Satisfaction = float64(good) / float64(len(evs))
	}
	return out
}
