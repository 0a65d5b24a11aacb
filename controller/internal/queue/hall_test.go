package queue

import (
	"errors"
	"testing"
	"time"
)

var cst = time.FixedZone("CST", 8*3600)

// t0 is a Tuesday morning in the hall's zone.
var t0 = time.Date(2026, 11, 17, 9, 0, 0, 0, cst)

func testConfig() Config {
	return Config{
		Name: "测试大厅",
		Services: []ServiceConfig{
			{ID: "social", Name: "社保", Prefix: "A", Expected: 10},
			{ID: "tax", Name: "税务", Prefix: "B", Expected: 10},
			{ID: "green-only", Name: "项目", Prefix: "C", Channels: []Channel{Normal, Green}},
		},
		Windows: []WindowConfig{
			{ID: "1", Services: []string{"social"}},
			{ID: "2", Services: []string{"tax", "social"}},
			{ID: "3", Services: []string{"tax", "green-only"}},
		},
		Channels: ChannelRules{OnePerPerson: true},
	}
}

func newHall(t *testing.T) *Hall {
	t.Helper()
	h, err := New(testConfig(), []byte("k"))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"1", "2", "3"} {
		if err := h.Login(t0.Add(-3*time.Hour), w, "staff"+w); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

func mustIssue(t *testing.T, h *Hall, at time.Time, a IssueArgs) *Ticket {
	t.Helper()
	tk, err := h.Issue(at, a)
	if err != nil {
		t.Fatalf("issue %+v: %v", a, err)
	}
	return tk
}

// ident makes an identity with a valid GB 11643 number for a birth date.
func ident(t *testing.T, birth string) *Identity {
	t.Helper()
	body := "411502" + birth[0:4] + birth[5:7] + birth[8:10] + "123"
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(body[i]-'0') * gbWeights[i]
	}
	id, err := NewIdentity([]byte("k"), body+string(gbCheck[sum%11]), "张三丰", "", cst)
	if err != nil {
		t.Fatal(err)
	}
	return &id
}

func TestIssueNumbersAndChannels(t *testing.T) {
	h := newHall(t)
	a := mustIssue(t, h, t0, IssueArgs{Service: "social"})
	b := mustIssue(t, h, t0.Add(time.Second), IssueArgs{Service: "social"})
	if a.Number != "A001" || b.Number != "A002" || a.Channel != Normal {
		t.Fatalf("numbers %s %s channel %s", a.Number, b.Number, a.Channel)
	}
	old := mustIssue(t, h, t0, IssueArgs{Service: "tax", Identity: ident(t, "1950-03-01")})
	if old.Channel != Love || !old.Verified || old.MaskedName != "张*丰" {
		t.Fatalf("elderly: channel %s verified %v name %q", old.Channel, old.Verified, old.MaskedName)
	}
	young := mustIssue(t, h, t0, IssueArgs{Service: "tax", Identity: ident(t, "1990-03-01")})
	if young.Channel != Normal {
		t.Fatalf("adult got %s", young.Channel)
	}
	decl := mustIssue(t, h, t0, IssueArgs{Service: "social", Category: "pregnant"})
	if decl.Channel != Love || decl.Verified {
		t.Fatalf("declared: %s verified=%v", decl.Channel, decl.Verified)
	}
	// The 60th birthday counts on the day itself.
	if tk := mustIssue(t, h, t0, IssueArgs{Service: "social", Identity: ident(t, "1966-11-17")}); tk.Channel != Love {
		t.Fatalf("60th birthday today: %s", tk.Channel)
	}
	if tk := mustIssue(t, h, t0, IssueArgs{Service: "social", Identity: ident(t, "1966-11-18")}); tk.Channel != Normal {
		t.Fatalf("59 until tomorrow: %s", tk.Channel)
	}
}

func TestIssueRejections(t *testing.T) {
	green := Green
	love := Love
	bad := Channel(9)
	cases := []struct {
		name string
		at   time.Time
		args IssueArgs
		want error
	}{
		{"unknown service", t0, IssueArgs{Service: "nope"}, ErrUnknownService},
		{"before hours", t0.Add(-2 * time.Hour), IssueArgs{Service: "social"}, ErrNotIssuing},
		{"after cut-off", time.Date(2026, 11, 17, 16, 30, 0, 0, cst), IssueArgs{Service: "social"}, ErrNotIssuing},
		{"green without staff", t0, IssueArgs{Service: "social", Channel: &green}, ErrGreenNeedsStaff},
		{"love without grounds", t0, IssueArgs{Service: "social", Channel: &love}, ErrInvalid},
		{"bad channel", t0, IssueArgs{Service: "social", Channel: &bad}, ErrInvalid},
		{"unknown category", t0, IssueArgs{Service: "social", Category: "vip"}, ErrInvalid},
		{"channel refused", t0, IssueArgs{Service: "green-only", Channel: &love, Category: "pregnant"}, ErrChannelRefused},
		{"appointment early", t0, IssueArgs{Service: "social", AppointmentID: "b1", AppointmentAt: t0.Add(2 * time.Hour)}, ErrAppointmentEarly},
		{"appointment lapsed", t0, IssueArgs{Service: "social", AppointmentID: "b1", AppointmentAt: t0.Add(-31 * time.Minute)}, ErrAppointmentLapse},
		{"appointment half", t0, IssueArgs{Service: "social", AppointmentID: "b1"}, ErrInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHall(t)
			before := h.LastSeq()
			_, err := h.Issue(c.at, c.args)
			if !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			var qe *Error
			if !errors.As(err, &qe) || qe.Message == "" {
				t.Fatalf("error without a Chinese message: %v", err)
			}
			if h.LastSeq() != before {
				t.Fatalf("rejected issue changed state: seq %d -> %d", before, h.LastSeq())
			}
		})
	}
}

func TestDuplicateProtection(t *testing.T) {
	h := newHall(t)
	id := ident(t, "1980-01-01")
	mustIssue(t, h, t0, IssueArgs{Service: "social", Identity: id})
	if _, err := h.Issue(t0, IssueArgs{Service: "social", Identity: id}); !errors.Is(err, ErrDuplicate) {
		t.Fatalf("second ticket: %v", err)
	}
	mustIssue(t, h, t0, IssueArgs{Service: "tax", Identity: id}) // another service is fine
}

func TestLifeCycle(t *testing.T) {
	h := newHall(t)
	a := mustIssue(t, h, t0, IssueArgs{Service: "social"})
	now := t0.Add(time.Minute)
	if _, err := h.Finish(now, "1", "", ""); !errors.Is(err, ErrNoCurrent) {
		t.Fatalf("finish before call: %v", err)
	}
	c, err := h.Call(now, "1", CallArgs{})
	if err != nil || c.ID != a.ID {
		t.Fatalf("call: %v %v", c, err)
	}
	if _, err := h.Call(now, "1", CallArgs{}); !errors.Is(err, ErrBusy) {
		t.Fatalf("second call while busy: %v", err)
	}
	if _, err := h.NoShow(now, "1"); !errors.Is(err, ErrTooFewCalls) {
		t.Fatalf("no-show after one call: %v", err)
	}
	for i := 0; i < 3; i++ {
		if _, err := h.Recall(now, "1"); err != nil {
			t.Fatalf("recall %d: %v", i, err)
		}
	}
	if _, err := h.Recall(now, "1"); !errors.Is(err, ErrRecallLimit) {
		t.Fatalf("recall over limit: %v", err)
	}
	if _, err := h.Start(now, "1"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Start(now, "1"); !errors.Is(err, ErrWrongState) {
		t.Fatalf("start twice: %v", err)
	}
	if _, err := h.Park(now, "1"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.TakeBack(now, "1", a.ID); err != nil {
		t.Fatal(err)
	}
	if got := h.Ticket(a.ID).Status; got != Serving {
		t.Fatalf("taken back ticket is %s", got)
	}
	if _, err := h.Finish(now, "1", "办结", "2026-0001"); err != nil {
		t.Fatal(err)
	}
	done := h.Ticket(a.ID)
	if done.Status != Done || done.CaseNumber != "2026-0001" {
		t.Fatalf("finished ticket %+v", done)
	}
	if c, err := h.Call(now, "1", CallArgs{}); c != nil || err != nil {
		t.Fatalf("call on empty queue: %v %v", c, err)
	}
}

func TestNoShowRequeueBehindK(t *testing.T) {
	h := newHall(t)
	var ts []*Ticket
	for i := 0; i < 6; i++ {
		ts = append(ts, mustIssue(t, h, t0.Add(time.Duration(i)*time.Second), IssueArgs{Service: "social"}))
	}
	now := t0.Add(time.Minute)
	h.Call(now, "1", CallArgs{})
	h.Recall(now, "1")
	if _, err := h.NoShow(now, "1"); err != nil {
		t.Fatal(err)
	}
	two := 2
	if _, err := h.Requeue(now, "1", ts[0].ID, &two); err != nil {
		t.Fatal(err)
	}
	var order []string
	for {
		c, err := h.Call(now, "1", CallArgs{})
		if err != nil {
			t.Fatal(err)
		}
		if c == nil {
			break
		}
		order = append(order, c.Number)
		if _, err := h.Finish(now, "1", "", ""); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"A002", "A003", "A001", "A004", "A005", "A006"}
	if len(order) != len(want) {
		t.Fatalf("order %v", order)
	}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("order %v, want %v", order, want)
		}
	}
}

func TestTransferKeepsArrival(t *testing.T) {
	h := newHall(t)
	a := mustIssue(t, h, t0, IssueArgs{Service: "social"})
	mustIssue(t, h, t0.Add(time.Minute), IssueArgs{Service: "tax"})
	now := t0.Add(2 * time.Minute)
	h.Call(now, "1", CallArgs{})
	h.Start(now, "1")
	n, err := h.Transfer(now, "1", "tax", "")
	if err != nil {
		t.Fatal(err)
	}
	if n.Number != a.Number || !n.ArrivedAt.Equal(a.ArrivedAt) || n.Service != "tax" || n.ID == a.ID {
		t.Fatalf("transferred ticket %+v", n)
	}
	if h.Ticket(a.ID).Status != Transferred {
		t.Fatal("old ticket not marked transferred")
	}
	c, _ := h.Call(now, "3", CallArgs{})
	if c == nil || c.ID != n.ID {
		t.Fatalf("window 3 called %v, want the transferred ticket (earlier arrival)", c)
	}
}

func TestPauseLoginHandOver(t *testing.T) {
	h := newHall(t)
	mustIssue(t, h, t0, IssueArgs{Service: "social"})
	if err := h.Pause(t0, "1", "午休"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Call(t0, "1", CallArgs{}); !errors.Is(err, ErrPaused) {
		t.Fatalf("call while paused: %v", err)
	}
	if err := h.Resume(t0, "1"); err != nil {
		t.Fatal(err)
	}
	if err := h.Login(t0, "1", "other"); !errors.Is(err, ErrLoggedIn) {
		t.Fatalf("login over someone: %v", err)
	}
	if err := h.HandOver(t0, "1", "B01"); err != nil {
		t.Fatal(err)
	}
	c, _ := h.Call(t0, "1", CallArgs{})
	if c.Staff != "B01" {
		t.Fatalf("called by %q after hand-over", c.Staff)
	}
	if err := h.Logout(t0, "1"); !errors.Is(err, ErrBusy) {
		t.Fatalf("logout with a called ticket: %v", err)
	}
	if _, err := h.Call(t0, "9", CallArgs{}); !errors.Is(err, ErrUnknownWindow) {
		t.Fatalf("unknown window: %v", err)
	}
}

func TestConfirmRevokeGrant(t *testing.T) {
	h := newHall(t)
	d := mustIssue(t, h, t0, IssueArgs{Service: "social", Category: "disabled"})
	if _, err := h.Confirm(t0, "1", d.ID); err != nil {
		t.Fatal(err)
	}
	if !h.Ticket(d.ID).Verified {
		t.Fatal("not verified")
	}
	if _, err := h.Revoke(t0, "1", d.ID, "证件不符"); err != nil {
		t.Fatal(err)
	}
	if got := h.Ticket(d.ID); got.Channel != Normal || got.Category != "" {
		t.Fatalf("revoked: %+v", got)
	}
	if len(h.Line("social", Love)) != 0 || len(h.Line("social", Normal)) != 1 {
		t.Fatal("lines not moved on revoke")
	}
	if _, err := h.GrantGreen(t0, "1", d.ID, "重点项目"); err != nil {
		t.Fatal(err)
	}
	if len(h.Line("social", Green)) != 1 {
		t.Fatal("not in green line")
	}
}

func TestDayRolloverKeepsWaiting(t *testing.T) {
	h := newHall(t)
	a := mustIssue(t, h, t0, IssueArgs{Service: "social"})
	b := mustIssue(t, h, t0, IssueArgs{Service: "social"})
	h.Call(t0, "1", CallArgs{})
	h.Finish(t0, "1", "", "")
	next := t0.Add(24 * time.Hour)
	c := mustIssue(t, h, next, IssueArgs{Service: "social"})
	if h.Day() != "2026-11-18" {
		t.Fatalf("day %s", h.Day())
	}
	if h.Ticket(a.ID) != nil {
		t.Fatal("finished ticket of yesterday kept in memory")
	}
	if h.Ticket(b.ID).Status != Waiting {
		t.Fatal("waiting ticket lost at rollover")
	}
	// Numbering restarts but skips the carried-over A002.
	if c.Number != "A001" {
		t.Fatalf("first number of the day %s", c.Number)
	}
	d := mustIssue(t, h, next, IssueArgs{Service: "social"})
	if d.Number != "A003" {
		t.Fatalf("number %s reused a live one", d.Number)
	}
}

func TestReplayRebuildsState(t *testing.T) {
	h := newHall(t)
	for i := 0; i < 20; i++ {
		mustIssue(t, h, t0.Add(time.Duration(i)*time.Second), IssueArgs{Service: []string{"social", "tax"}[i%2], Category: []string{"", "pregnant"}[i%3%2]})
	}
	now := t0.Add(time.Minute)
	for i := 0; i < 5; i++ {
		h.Call(now, "2", CallArgs{})
		h.Finish(now, "2", "", "")
	}
	h.Call(now, "1", CallArgs{})
	h.Pause(now, "3", "")
	events := h.TakeEvents()
	snap, _ := h.Snapshot()

	r, _ := New(testConfig(), []byte("k"))
	for _, e := range events {
		b, err := EncodeRecord(&e)
		if err != nil {
			t.Fatal(err)
		}
		d, err := DecodeRecord(b)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Apply(d); err != nil {
			t.Fatal(err)
		}
	}
	snap2, _ := r.Snapshot()
	r2, _ := New(testConfig(), []byte("k"))
	if err := r2.Restore(snap); err != nil {
		t.Fatal(err)
	}
	snap3, _ := r2.Snapshot()
	if len(snap) != len(snap2) || len(snap) != len(snap3) {
		t.Fatalf("snapshot sizes differ: live %d replayed %d restored %d", len(snap), len(snap2), len(snap3))
	}
	for i := 0; i < 8; i++ {
		c1, _ := h.Call(now, "2", CallArgs{})
		for _, hh := range []*Hall{r, r2} {
			c2, _ := hh.Call(now, "2", CallArgs{})
			if c1 == nil || c2 == nil || c1.ID != c2.ID {
				t.Fatalf("call %d: rebuilt hall calls %v, original %v", i, c2, c1)
			}
			hh.Finish(now, "2", "", "")
		}
		h.Finish(now, "2", "", "")
	}
}

func TestPositionEstimate(t *testing.T) {
	h := newHall(t)
	green := Green
	var ts []*Ticket
	for i := 0; i < 4; i++ {
		ts = append(ts, mustIssue(t, h, t0.Add(time.Duration(i)*time.Second), IssueArgs{Service: "social"}))
	}
	g := mustIssue(t, h, t0.Add(5*time.Second), IssueArgs{Service: "social", Channel: &green, ByStaff: true})
	for i, tk := range ts {
		ahead, wait := h.Position(h.Ticket(tk.ID), t0.Add(10*time.Second))
		if ahead != i+1 { // the green ticket goes first
			t.Fatalf("ticket %d: %d ahead, want %d", i, ahead, i+1)
		}
		// Windows 1 and 2 serve social, 10 minutes each.
		if want := time.Duration((i+1)*10/2+(i+1)*10%2) * time.Minute; wait != want {
			t.Fatalf("ticket %d: wait %v, want %v", i, wait, want)
		}
	}
	if ahead, _ := h.Position(h.Ticket(g.ID), t0); ahead != 0 {
		t.Fatalf("green ticket has %d ahead", ahead)
	}
}
