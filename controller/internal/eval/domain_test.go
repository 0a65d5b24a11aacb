package eval

import (
	"errors"
	"testing"
	"time"

	"hallq/controller/hallproto"
)

var cst = time.FixedZone("CST", 8*3600)

func testRules(t *testing.T) *rules {
	t.Helper()
	r, err := newRules(Config{Owner: "督查室"}, cst)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// finished is ticket A023, finished at window 3 at 10:11:30 on Friday
// 2026-09-18, before the 中秋 and 国庆 holidays.
func finished() *TicketFacts {
	return &TicketFacts{ID: 23, Number: "A023", Service: "social", ServiceName: "社保医保", Window: "3", Staff: "S005",
		CaseNumber: "SB-0042", MaskedName: "张*三", Done: true, FinishedAt: time.Date(2026, 9, 18, 10, 11, 30, 0, cst)}
}

func TestDecide(t *testing.T) {
	r := testRules(t)
	base := finished().FinishedAt
	serving := finished()
	serving.Done = false
	cases := []struct {
		name   string
		q      hallproto.EvaluationRequest
		t      *TicketFacts
		rated  bool
		after  time.Duration
		want   error
		reason string
		fu     bool
	}{
		{"very satisfied", hallproto.EvaluationRequest{Ticket: 23, Window: "3", Rating: 5}, finished(), false, time.Minute, nil, "", false},
		{"neutral is no follow-up", hallproto.EvaluationRequest{Ticket: 23, Window: "3", Rating: 3}, finished(), false, time.Minute, nil, "", false},
		{"bad with reason", hallproto.EvaluationRequest{Ticket: 23, Window: "3", Rating: 2, Reason: "等候时间长"}, finished(), false, time.Minute, nil, "等候时间长", true},
		{"bad from 5-key keypad", hallproto.EvaluationRequest{Ticket: 23, Window: "3", Rating: 1, Reason: hallproto.ReasonPending}, finished(), false, time.Minute, nil, hallproto.ReasonPending, true},
		{"bad without reason", hallproto.EvaluationRequest{Ticket: 23, Window: "3", Rating: 1}, finished(), false, time.Minute, nil, hallproto.ReasonPending, true},
		{"rating 0", hallproto.EvaluationRequest{Ticket: 23, Window: "3", Rating: 0}, finished(), false, time.Minute, ErrBadRating, "", false},
		{"rating 6", hallproto.EvaluationRequest{Ticket: 23, Window: "3", Rating: 6}, finished(), false, time.Minute, ErrBadRating, "", false},
		{"unknown reason", hallproto.EvaluationRequest{Ticket: 23, Window: "3", Rating: 2, Reason: "太热"}, finished(), false, time.Minute, ErrBadReason, "", false},
		{"reason on good rating", hallproto.EvaluationRequest{Ticket: 23, Window: "3", Rating: 4, Reason: "其他"}, finished(), false, time.Minute, ErrBadReason, "", false},
		{"no ticket id", hallproto.EvaluationRequest{Window: "3", Rating: 4}, finished(), false, time.Minute, ErrBadRequest, "", false},
		{"unknown ticket", hallproto.EvaluationRequest{Ticket: 99, Window: "3", Rating: 4}, nil, false, time.Minute, ErrUnknownTicket, "", false},
		{"second rating", hallproto.EvaluationRequest{Ticket: 23, Window: "3", Rating: 4}, finished(), true, time.Minute, ErrAlreadyRated, "", false},
		{"other window", hallproto.EvaluationRequest{Ticket: 23, Window: "4", Rating: 4}, finished(), false, time.Minute, ErrNotFinishedHere, "", false},
		{"still serving", hallproto.EvaluationRequest{Ticket: 23, Window: "3", Rating: 4}, serving, false, time.Minute, ErrNotFinishedHere, "", false},
		{"just in time", hallproto.EvaluationRequest{Ticket: 23, Window: "3", Rating: 4}, finished(), false, 10 * time.Minute, nil, "", false},
		{"late", hallproto.EvaluationRequest{Ticket: 23, Window: "3", Rating: 4}, finished(), false, 10*time.Minute + time.Second, ErrExpired, "", false},
		{"case number mismatch", hallproto.EvaluationRequest{Ticket: 23, Window: "3", Rating: 4, CaseNumber: "X"}, finished(), false, time.Minute, ErrBadRequest, "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ev, fu, err := r.decide(&c.q, c.t, c.rated, "window-3", base.Add(c.after))
			if !errors.Is(err, c.want) {
				t.Fatalf("err %v, want %v", err, c.want)
			}
			if err != nil {
				var e *Error
				if !errors.As(err, &e) || e.Code == "" || e.Message == "" || e.Status < 400 {
					t.Fatalf("error %v carries no code/message/status", err)
				}
				return
			}
			if ev.Staff != "S005" || ev.Service != "social" || ev.Window != "3" || ev.Rating != c.q.Rating ||
				ev.RatingName != hallproto.RatingNames[c.q.Rating] || ev.CaseNumber != "SB-0042" || ev.Reason != c.reason {
				t.Fatalf("evaluation not bound to the service: %+v", ev)
			}
			if (fu != nil) != c.fu {
				t.Fatalf("follow-up %v, want %v", fu != nil, c.fu)
			}
			if fu != nil && (fu.Reason != c.reason || fu.Status != hallproto.FollowupOpen || fu.Owner != "督查室" || len(fu.History) != 1) {
				t.Fatalf("follow-up %+v", fu)
			}
		})
	}
}

func TestFollowupDeadlineIs15WorkingDays(t *testing.T) {
	r := testRules(t)
	ev, fu, err := r.decide(&hallproto.EvaluationRequest{Ticket: 23, Window: "3", Rating: 1}, finished(), false, "w3", finished().FinishedAt.Add(time.Minute))
	if err != nil || fu == nil {
		t.Fatal(err)
	}
	// From Friday 2026-09-18: 9-20 (a worked Sunday) is 1, 9-21..24 are
	// 2..5, 中秋 9-25..27 off, 9-28..30 are 6..8, 国庆 10-1..7 off, 10-8,
	// 10-9, 10-10 (worked Saturday) are 9..11, 10-12..15 are 12..15.
	want := time.Date(2026, 10, 15, 23, 59, 59, 0, cst)
	if !fu.Deadline.Equal(want) {
		t.Fatalf("deadline %v, want %v (rated %v)", fu.Deadline, want, ev.RatedAt)
	}
	if overdue(fu, want) || !overdue(fu, want.Add(time.Second)) {
		t.Fatal("overdue boundary wrong")
	}
	closed := *fu
	closed.Status = hallproto.FollowupClosed
	if overdue(&closed, want.Add(time.Hour)) {
		t.Fatal("a closed follow-up is never overdue")
	}
}

func sp(s string) *string                                      { return &s }
func stp(s hallproto.FollowupStatus) *hallproto.FollowupStatus { return &s }

func TestPatch(t *testing.T) {
	r := testRules(t)
	now := time.Date(2026, 9, 21, 9, 0, 0, 0, cst)
	open := hallproto.Followup{ID: 1, Status: hallproto.FollowupOpen, Reason: hallproto.ReasonPending,
		History: []hallproto.FollowupChange{{Action: "created"}}}
	calledBack := open
	calledBack.Status, calledBack.CallbackResult = hallproto.FollowupCalledBack, "已回访"
	closed := calledBack
	closed.Status = hallproto.FollowupClosed
	cases := []struct {
		name    string
		f       hallproto.Followup
		p       hallproto.FollowupPatch
		want    error
		status  hallproto.FollowupStatus
		history int
	}{
		{"set owner", open, hallproto.FollowupPatch{Owner: sp("李科长")}, nil, hallproto.FollowupOpen, 2},
		{"fill the pending reason", open, hallproto.FollowupPatch{Reason: sp("服务态度差")}, nil, hallproto.FollowupOpen, 2},
		{"callback result calls back", open, hallproto.FollowupPatch{CallbackResult: sp("已电话回访")}, nil, hallproto.FollowupCalledBack, 2},
		{"close with callback at once", open, hallproto.FollowupPatch{CallbackResult: sp("已电话回访"), Status: stp(hallproto.FollowupClosed)}, nil, hallproto.FollowupClosed, 3},
		{"close after callback", calledBack, hallproto.FollowupPatch{Status: stp(hallproto.FollowupClosed)}, nil, hallproto.FollowupClosed, 2},
		{"close without callback", open, hallproto.FollowupPatch{Status: stp(hallproto.FollowupClosed)}, ErrCallbackRequired, "", 0},
		{"reopen", calledBack, hallproto.FollowupPatch{Status: stp(hallproto.FollowupOpen)}, ErrBadStatus, "", 0},
		{"closed is final", closed, hallproto.FollowupPatch{Note: "x"}, ErrFollowupClosed, "", 0},
		{"empty patch", open, hallproto.FollowupPatch{}, ErrBadRequest, "", 0},
		{"empty reason", open, hallproto.FollowupPatch{Reason: sp("")}, ErrBadReason, "", 0},
		{"multi-line owner", open, hallproto.FollowupPatch{Owner: sp("a\nb")}, ErrBadRequest, "", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := len(c.f.History)
			got, err := r.patch(c.f, &c.p, "manager", now)
			if !errors.Is(err, c.want) {
				t.Fatalf("err %v, want %v", err, c.want)
			}
			if len(c.f.History) != before {
				t.Fatal("patch changed its input")
			}
			if err != nil {
				return
			}
			if got.Status != c.status || len(got.History) != c.history {
				t.Fatalf("status %s history %d, want %s %d", got.Status, len(got.History), c.status, c.history)
			}
			if last := got.History[len(got.History)-1]; last.By != "manager" || !last.At.Equal(now) {
				t.Fatalf("history entry %+v", last)
			}
			if c.status == hallproto.FollowupClosed && (got.ClosedAt == nil || !got.ClosedAt.Equal(now)) {
				t.Fatal("closed_at not set")
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	cases := map[string]Config{
		"long reason":  {Reasons: []string{"一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三"}},
		"days":         {FollowupDays: 99},
		"accept":       {AcceptMinutes: -1},
		"bad calendar": {Calendar: nil, FollowupDays: 15},
	}
	for name, c := range cases {
		if name == "bad calendar" {
			continue
		}
		c.Defaults()
		if err := c.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	var ok Config
	ok.Defaults()
	if err := ok.Validate(); err != nil || ok.FollowupDays != 15 || ok.AcceptMinutes != 10 || len(ok.Reasons) == 0 {
		t.Fatalf("defaults: %v %+v", err, ok)
	}
}

func TestSummarize(t *testing.T) {
	l := summarize([]hallproto.Evaluation{{Rating: 5}, {Rating: 4}, {Rating: 3}, {Rating: 1}})
	if l.Counts != [6]int{0, 1, 0, 1, 1, 1} || l.Satisfaction != 0.75 {
		t.Fatalf("%+v", l)
	}
	if e := summarize(nil); e.Evaluations == nil || e.Satisfaction != 0 {
		t.Fatal("empty summary")
	}
}
