package flow

import (
	"strings"
	"testing"
	"time"

	"hallq/controller/hallproto"
	"hallq/drivers/idcard"
)

func TestElderlyJourney(t *testing.T) {
	h := newHarness(t, testConfig())
	h.screen(ScreenAttract)
	h.do(Start{})
	h.screen(ScreenIdentify)
	if !one[Busy](h).On {
		t.Fatal("busy not set at session start")
	}
	one[ReadCard](h)
	if !h.st().CanNoIDCard {
		t.Fatal("identify screen offers no \"no ID card\" path")
	}
	h.do(CardReading{})
	h.screen(ScreenReading)
	h.do(CardPlaced{Card: elderly})
	ci := one[CheckInAppointment](h)
	if ci.IDCard.Number != elderly.Number || ci.IDCard.BirthDate != "1945-01-01" {
		t.Fatalf("check-in card %+v", ci.IDCard)
	}
	h.screen(ScreenCheckingIn)
	st := h.st()
	if !st.LargeText || st.Person == nil || !st.Person.Love || st.Person.Age != 81 || st.Person.MaskedName != "张*丰" {
		t.Fatalf("elderly citizen: large %v person %+v", st.LargeText, st.Person)
	}
	h.do(CheckInFailed{RequestID: ci.RequestID, Code: "no_appointment"})
	h.screen(ScreenGroups)
	st = h.st()
	if len(st.Groups) != 4 || st.Groups[0].ID != "police" || st.Groups[3].Name != txtOtherGroup {
		t.Fatalf("groups %+v", st.Groups)
	}
	if g := st.Groups[2]; g.Enabled || g.Reason.ZH != "系统维护中" {
		t.Fatalf("closed group not greyed with the reason: %+v", g)
	}
	h.do(ChooseGroup{ID: "land"})
	h.screen(ScreenGroups)
	h.noticeHas("系统维护中")
	h.do(ChooseGroup{ID: "hr"})
	h.screen(ScreenServices)
	st = h.st()
	if len(st.Services) != 2 || st.Services[1].Enabled || st.Services[1].Reason != txtApptOnly {
		t.Fatalf("hr services %+v", st.Services)
	}
	h.do(Back{})
	h.do(ChooseGroup{ID: "police"})
	h.do(ChooseService{ID: "hukou"})
	h.screen(ScreenChannel)
	st = h.st()
	if c := st.Channels[0]; c.Channel != hallproto.Love || !c.Recommended || !c.Enabled || c.Unverified {
		t.Fatalf("love channel not offered first by age: %+v", st.Channels)
	}
	for _, c := range st.Channels {
		if c.Channel == hallproto.Green || c.Category != "" {
			t.Fatalf("unexpected option for an elderly citizen without staff: %+v", c)
		}
	}
	h.do(ChooseChannel{Index: 0})
	h.screen(ScreenConfirm)
	it := h.issue(ticketA(hallproto.Love), false)
	if it.Service != "hukou" || it.Channel != hallproto.Love || it.Category != "" || it.IDCard == nil ||
		it.IDCard.Number != elderly.Number || it.IDCard.Name != elderly.Name || it.Staff != "" {
		t.Fatalf("issue request %+v", it)
	}
	p := one[Print](h)
	if p.Ticket.Number != "A023" || p.Test || p.Offline {
		t.Fatalf("print %+v", p)
	}
	h.screen(ScreenPrinting)
	if h.st().CanStartOver {
		t.Fatal("start over offered while printing")
	}
	h.do(PrintDone{Job: p.Job})
	h.screen(ScreenDone)
	tv := h.st().Ticket
	if tv == nil || tv.Number != "A023" || tv.WaitingAhead != 4 || !tv.WaitingKnown || tv.MaskedName != "张*丰" ||
		tv.ChannelName != txtChLove || tv.Service.EN != "Household registration" {
		t.Fatalf("done screen ticket %+v", tv)
	}
	h.advance(14 * time.Second)
	h.screen(ScreenDone)
	h.advance(2 * time.Second)
	h.screen(ScreenAttract)
	one[ClearPersonalData](h)
	if one[Busy](h).On {
		t.Fatal("busy left on")
	}
	if h.st().LargeText || h.st().Ticket != nil || h.st().Person != nil {
		t.Fatalf("session left over: %+v", h.st())
	}
	assertNoPersonalData(t, h.m, elderly.Number, elderly.Name, string(elderly.Photo), "张*丰")
}

func TestNoIDCardDeclaredCategory(t *testing.T) {
	h := newHarness(t, testConfig())
	h.do(NoIDCard{}) // straight from attract
	h.screen(ScreenGroups)
	if h.st().Person != nil {
		t.Fatal("a person without a card")
	}
	h.do(ChooseGroup{ID: "police"}, ChooseService{ID: "hukou"})
	h.screen(ScreenChannel)
	chs := h.st().Channels
	idx := -1
	for i, c := range chs {
		if c.Category == "pregnant" {
			idx = i
			if !c.Unverified || c.Channel != hallproto.Love || c.Note != txtUnverified {
				t.Fatalf("declared category %+v", c)
			}
		}
		if c.Recommended {
			t.Fatalf("recommended option without a card: %+v", c)
		}
	}
	h.do(ChooseChannel{Index: idx})
	tk := ticketA(hallproto.Love)
	tk.Category, tk.MaskedName = "pregnant", ""
	it := h.issue(tk, false)
	if it.IDCard != nil || it.Category != "pregnant" || it.Channel != hallproto.Love {
		t.Fatalf("issue %+v", it)
	}
	h.do(PrintDone{Job: one[Print](h).Job})
	if tv := h.st().Ticket; !tv.Unverified || tv.MaskedName != "" {
		t.Fatalf("ticket view %+v", tv)
	}
}

func TestSingleLevelMenuAndSkippedChannel(t *testing.T) {
	cfg := testConfig()
	cfg.Groups = nil
	cfg.Categories = []Category{}
	h := newHarness(t, cfg)
	h.toMenuNoGroups(adult)
	st := h.st()
	if len(st.Services) != 5 || st.GroupTitle.ZH != "" {
		t.Fatalf("single-level menu %+v", st.Services)
	}
	h.do(ChooseService{ID: "nashui"})
	// Only "normal" for a 30-year-old without categories: no channel screen.
	h.screen(ScreenConfirm)
	if c := h.st().Channel; c == nil || c.Channel != hallproto.Normal {
		t.Fatalf("channel %+v", c)
	}
	h.do(Back{})
	h.screen(ScreenServices)
	h.do(Back{})
	h.screen(ScreenAttract)
	one[ClearPersonalData](h)
}

func (h *harness) toMenuNoGroups(c Card) {
	h.t.Helper()
	h.do(CardPlaced{Card: c})
	h.do(CheckInFailed{RequestID: one[CheckInAppointment](h).RequestID, Code: "no_appointment"})
	h.screen(ScreenServices)
}

func TestLoveByAge(t *testing.T) {
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	for _, tc := range []struct {
		name      string
		from      int
		under     int
		birth     time.Time
		number    string
		wantAge   int
		wantLove  bool
		wantLarge bool
	}{
		{"60 today", 0, 0, day(1966, 3, 2), "", 60, true, true},
		{"60 tomorrow", 0, 0, day(1966, 3, 3), "", 59, false, false},
		{"from the number", 0, 0, time.Time{}, "110101195003021234", 76, true, true},
		{"70 rule, 65", 70, 0, day(1961, 1, 1), "", 65, false, false},
		{"70 rule, 70", 70, 0, day(1956, 3, 2), "", 70, true, true},
		{"15", 0, 0, day(2010, 3, 3), "", 15, true, true},
		{"16 today", 0, 0, day(2010, 3, 2), "", 16, false, false},
		{"child rule off", 0, -1, day(2020, 1, 1), "", 6, false, false},
		{"no birth date", 0, 0, time.Time{}, "ABC12345", -1, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.LoveAgeFrom, cfg.LoveAgeUnder = tc.from, tc.under
			h := newHarness(t, cfg)
			n := tc.number
			if n == "" {
				n = "110101190001011234"
			}
			h.do(CardPlaced{Card: Card{Number: n, Name: "测试", Birth: tc.birth, NoExpiry: true}})
			p := h.st().Person
			if p == nil || p.Age != tc.wantAge || p.Love != tc.wantLove || h.st().LargeText != tc.wantLarge {
				t.Fatalf("person %+v large %v, want age %d love %v", p, h.st().LargeText, tc.wantAge, tc.wantLove)
			}
		})
	}
}

func TestCardFaults(t *testing.T) {
	for _, tc := range []struct {
		name string
		evs  []Event
		want string
	}{
		{"unreadable", []Event{CardReading{}, CardFailed{Err: CardUnreadable}}, "请重新放置身份证"},
		{"fake", []Event{CardReading{}, CardFailed{Err: CardFake}}, "证件无法验证"},
		{"expired by driver", []Event{CardFailed{Err: CardExpired}}, "身份证已过期"},
		{"expired by date", []Event{CardPlaced{Card: expired}}, "身份证已过期"},
		{"invalid", []Event{CardFailed{Err: CardInvalid}}, "校验失败"},
		{"unsupported", []Event{CardFailed{Err: CardUnsupported}}, "不支持该证件类型"},
		{"reader fault", []Event{CardFailed{Err: CardReaderFault}}, "读卡器故障"},
		{"pulled mid-read", []Event{CardReading{}, CardRemoved{}}, "读卡未完成"},
		{"pulled reported by driver", []Event{CardFailed{Err: CardPulled}}, "读卡未完成"},
		{"driver text", []Event{CardFailed{Err: CardUnreadable, Message: "请将身份证放在读卡区"}}, "请将身份证放在读卡区"},
		{"no number", []Event{CardPlaced{Card: Card{Name: "某人"}}}, "校验失败"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, testConfig())
			h.do(Start{})
			h.do(tc.evs...)
			h.screen(ScreenMessage)
			h.messageHas(tc.want)
			if len(effectsOf[Beep](h.eff)) == 0 || len(effectsOf[CheckInAppointment](h.eff)) != 0 {
				t.Fatalf("effects %#v", h.eff)
			}
			if h.m.s.card != nil {
				t.Fatal("a refused card was kept")
			}
			h.do(Acknowledge{})
			h.screen(ScreenIdentify)
			// The citizen can go on with a good card.
			h.do(CardPlaced{Card: adult})
			h.screen(ScreenCheckingIn)
		})
	}
}

func TestCardFaultFromAttract(t *testing.T) {
	h := newHarness(t, testConfig())
	h.do(CardFailed{Err: CardFake})
	h.screen(ScreenMessage)
	if !one[Busy](h).On {
		t.Fatal("no session for a card fault on attract")
	}
	h.advance(16 * time.Second)
	h.screen(ScreenAttract)
	one[ClearPersonalData](h)
}

func TestSecondCard(t *testing.T) {
	h := newHarness(t, testConfig())
	h.toMenu(adult)
	h.do(CardPlaced{Card: adult}) // the same card read again
	if h.st().Notice.ZH != "" {
		t.Fatalf("notice for the same card: %q", h.st().Notice)
	}
	h.do(CardPlaced{Card: elderly})
	h.screen(ScreenGroups)
	h.noticeHas("重新开始")
	if p := h.st().Person; p.MaskedName != "李*" || p.Love {
		t.Fatalf("second card changed the person: %+v", p)
	}
	assertNoPersonalData(t, h.m, elderly.Number, elderly.Name)
	// During issue too.
	h.do(ChooseGroup{ID: "police"}, ChooseService{ID: "hukou"}, ChooseChannel{Index: 0})
	h.do(Confirm{})
	h.do(CardPlaced{Card: elderly})
	h.screen(ScreenIssuing)
	none[IssueTicket](h)
	// A card on the "no ID card" path is refused the same way.
	h2 := newHarness(t, testConfig())
	h2.do(NoIDCard{}, CardPlaced{Card: adult})
	h2.screen(ScreenGroups)
	h2.noticeHas("重新开始")
	if h2.st().Person != nil {
		t.Fatal("card adopted on the no-ID path")
	}
	// On the done screen the next citizen's card starts a new session.
	h3 := newHarness(t, testConfig())
	h3.toMenu(adult)
	h3.do(ChooseGroup{ID: "police"}, ChooseService{ID: "hukou"}, ChooseChannel{Index: 0})
	h3.issue(ticketA(hallproto.Normal), false)
	h3.do(PrintDone{Job: one[Print](h3).Job})
	h3.do(CardPlaced{Card: elderly})
	one[ClearPersonalData](h3)
	h3.screen(ScreenCheckingIn)
	if h3.st().Person.MaskedName != "张*丰" || h3.st().Ticket != nil {
		t.Fatalf("next citizen: %+v", h3.st())
	}
	assertNoPersonalData(t, h3.m, adult.Number, adult.Name)
}

func TestPrinterBeforeTickets(t *testing.T) {
	for _, tc := range []struct {
		st      PrinterState
		problem string
		text    string
	}{
		{PrinterPaperEnd, "printer_paper_end", "缺纸"},
		{PrinterCoverOpen, "printer_cover_open", "打印机盖"},
		{PrinterOffline, "printer_offline", "未连接"},
	} {
		t.Run(tc.problem, func(t *testing.T) {
			h := newHarness(t, testConfig())
			h.do(PrinterStatus{State: tc.st})
			rs := one[ReportStatus](h)
			if rs.State != "degraded" || len(rs.Problems) != 1 || rs.Problems[0] != tc.problem {
				t.Fatalf("report %+v", rs)
			}
			if !strings.Contains(h.st().Banner.ZH, tc.text) {
				t.Fatalf("banner %q", h.st().Banner)
			}
			h.do(NoIDCard{}, ChooseGroup{ID: "police"})
			h.screen(ScreenGroups)
			h.noticeHas(tc.text)
			for _, g := range h.st().Groups {
				if g.Enabled || !strings.Contains(g.Reason.ZH, tc.text) {
					t.Fatalf("group offered with a printer fault: %+v", g)
				}
			}
			h.do(PrinterStatus{State: PrinterOK})
			if rs := one[ReportStatus](h); rs.State != "ok" || len(rs.Problems) != 0 {
				t.Fatalf("report %+v", rs)
			}
			h.do(ChooseGroup{ID: "police"})
			h.screen(ScreenServices)
			// The printer fails between choosing and confirming.
			h.do(ChooseService{ID: "hukou"}, ChooseChannel{Index: 0}, PrinterStatus{State: tc.st}, Confirm{})
			none[IssueTicket](h)
			h.screen(ScreenMessage)
			h.messageHas(tc.text)
			h.do(Acknowledge{})
			h.screen(ScreenGroups)
		})
	}
	h := newHarness(t, testConfig())
	h.m = New(testConfig())
	h.do(ServicesUpdated{Services: testServices()})
	h.do(NoIDCard{}, ChooseGroup{ID: "police"})
	h.noticeHas("正在检查打印机")
}

func TestPaperOutMidPrint(t *testing.T) {
	h := newHarness(t, testConfig())
	h.toMenu(adult)
	h.do(ChooseGroup{ID: "police"}, ChooseService{ID: "hukou"}, ChooseChannel{Index: 0})
	h.issue(ticketA(hallproto.Normal), false)
	p := one[Print](h)
	h.do(PrintFailed{Job: p.Job, State: PrinterPaperEnd})
	h.screen(ScreenPrintProblem)
	h.messageHas("A023")
	h.messageHas("联系工作人员")
	if h.st().Ticket == nil || h.st().Ticket.Number != "A023" {
		t.Fatal("number not shown")
	}
	// Long enough to note the number down.
	if d := h.st().Deadline.Sub(h.now); d != 60*time.Second {
		t.Fatalf("print problem shown for %v", d)
	}
	if rs := one[ReportStatus](h); rs.Problems[0] != "printer_paper_end" {
		t.Fatalf("report %+v", rs)
	}
	// Nothing brings back an issue or a second print.
	h.do(Confirm{}, PrintDone{Job: "other"}, PrinterStatus{State: PrinterOK}, Back{})
	if n := len(effectsOf[IssueTicket](h.all)); n != 1 {
		t.Fatalf("%d issue requests", n)
	}
	if n := len(effectsOf[Print](h.all)); n != 1 {
		t.Fatalf("%d prints", n)
	}
	h.screen(ScreenAttract)
}

func TestPrinterUnpluggedWhileIssuing(t *testing.T) {
	h := newHarness(t, testConfig())
	h.do(NoIDCard{}, ChooseGroup{ID: "police"}, ChooseService{ID: "hukou"}, ChooseChannel{Index: 0}, Confirm{})
	it := one[IssueTicket](h)
	h.do(PrinterStatus{State: PrinterOffline})
	h.do(IssueSucceeded{RequestID: it.RequestID, Ticket: ticketA(hallproto.Normal)})
	none[Print](h)
	h.screen(ScreenPrintProblem)
	h.messageHas("A023")
	h.messageHas("打印机未连接")
}

func TestPrintTimeout(t *testing.T) {
	h := newHarness(t, testConfig())
	h.do(NoIDCard{}, ChooseGroup{ID: "police"}, ChooseService{ID: "hukou"}, ChooseChannel{Index: 0})
	h.issue(ticketA(hallproto.Normal), false)
	job := one[Print](h).Job
	h.advance(31 * time.Second)
	h.screen(ScreenPrintProblem)
	h.messageHas("A023")
	// The printer finishes after all: the citizen has the ticket.
	h.do(PrintDone{Job: job})
	h.screen(ScreenDone)
}

func TestControllerDown(t *testing.T) {
	h := newHarness(t, testConfig())
	h.do(Start{}, CardPlaced{Card: adult})
	h.do(CheckInFailed{RequestID: one[CheckInAppointment](h).RequestID, Network: true})
	h.screen(ScreenGroups)
	h.noticeHas("暂时无法查询预约")
	h.do(ChooseGroup{ID: "police"}, ChooseService{ID: "hukou"}, ChooseChannel{Index: 0})
	tk := ticketA(hallproto.Normal)
	tk.WaitingAhead, tk.EstimatedWaitMinutes = 0, 0
	h.issue(tk, true)
	p := one[Print](h)
	if !p.Offline {
		t.Fatal("offline ticket printed as online")
	}
	h.do(PrintDone{Job: p.Job})
	if tv := h.st().Ticket; tv.WaitingKnown {
		t.Fatalf("offline ticket shows a waiting count: %+v", tv)
	}
	if m := h.st().Message.ZH + h.st().Notice.ZH; m != "" {
		t.Fatalf("alarming text for an offline ticket: %q", m)
	}
	// No lease left either: a clear message, then attract.
	h2 := newHarness(t, testConfig())
	h2.do(NoIDCard{}, ChooseGroup{ID: "police"}, ChooseService{ID: "hukou"}, ChooseChannel{Index: 0}, Confirm{})
	h2.do(IssueFailed{RequestID: one[IssueTicket](h2).RequestID, Network: true})
	h2.screen(ScreenMessage)
	h2.messageHas("暂时无法取号")
	h2.do(Acknowledge{})
	h2.screen(ScreenAttract)
	// The technician sees the link state.
	h3 := newHarness(t, testConfig())
	h3.do(LinkState{Online: false, Pending: 3}, OpenTechnician{})
	for _, d := range "246810" {
		h3.do(PINDigit{Digit: int(d - '0')})
	}
	h3.do(PINSubmit{})
	if tv := h3.st().Tech; tv == nil || tv.Online || tv.Pending != 3 || tv.Version != "1.2.3" {
		t.Fatalf("technician view %+v", tv)
	}
}

func TestIssueTimeoutThenLateTicket(t *testing.T) {
	h := newHarness(t, testConfig())
	h.do(NoIDCard{}, ChooseGroup{ID: "police"}, ChooseService{ID: "hukou"}, ChooseChannel{Index: 0}, Confirm{})
	it := one[IssueTicket](h)
	h.do(StartOver{})
	h.screen(ScreenIssuing)
	h.noticeHas("请稍候")
	h.advance(31 * time.Second)
	h.screen(ScreenMessage)
	h.messageHas("联系工作人员")
	h.do(Confirm{})
	none[IssueTicket](h)
	h.do(IssueSucceeded{RequestID: it.RequestID, Ticket: ticketA(hallproto.Normal)})
	one[Print](h)
	h.screen(ScreenPrinting)
	// A retried answer is not printed twice.
	h.do(IssueSucceeded{RequestID: it.RequestID, Ticket: ticketA(hallproto.Normal)})
	none[Print](h)
}

func TestControllerRefusals(t *testing.T) {
	for _, tc := range []struct {
		name      string
		fail      IssueFailed
		want      string
		after     Screen
		greyed    bool
		existing  string
		clearCard bool
	}{
		{"duplicate", IssueFailed{Code: "duplicate_ticket", Message: "您已取过该业务的号（A019），请耐心等候", MessageEN: "already holding ticket A019 for this service"}, "A019", ScreenGroups, false, "A019", false},
		{"duplicate explicit", IssueFailed{Code: "duplicate_ticket", Existing: "A020"}, "A020", ScreenGroups, false, "A020", false},
		{"not issuing", IssueFailed{Code: "not_issuing", Message: "当前不在取号时间", MessageEN: "tickets are not issued now"}, "当前不在取号时间", ScreenGroups, true, "", false},
		{"daily cap", IssueFailed{Code: "daily_cap", Message: "今日号源已取完"}, "今日号源已取完", ScreenGroups, true, "", false},
		{"channel refused", IssueFailed{Code: "channel_refused", Message: "业务 户籍业务 不接受 love 通道"}, "不接受", ScreenChannel, false, "", false},
		{"bad id card", IssueFailed{Code: "bad_idcard", Message: "身份证信息有误，请重新放置身份证"}, "重新放置身份证", ScreenAttract, false, "", true},
		{"unknown error", IssueFailed{Code: "store_unavailable"}, "暂时无法取号", ScreenAttract, false, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, testConfig())
			h.toMenu(adult)
			h.do(ChooseGroup{ID: "police"}, ChooseService{ID: "hukou"}, ChooseChannel{Index: 0}, Confirm{})
			tc.fail.RequestID = one[IssueTicket](h).RequestID
			h.do(tc.fail)
			h.screen(ScreenMessage)
			h.messageHas(tc.want)
			if h.st().Existing != tc.existing {
				t.Fatalf("existing %q", h.st().Existing)
			}
			none[Print](h)
			h.do(Acknowledge{})
			h.screen(tc.after)
			if tc.clearCard {
				one[ClearPersonalData](h)
				assertNoPersonalData(t, h.m, adult.Number, adult.Name)
			}
			if tc.after == ScreenGroups {
				h.do(ChooseGroup{ID: "police"})
				if tc.greyed {
					h.screen(ScreenGroups)
					h.noticeHas(tc.want)
				} else {
					h.screen(ScreenServices)
				}
			}
		})
	}
}

func TestServiceClosedWhileChoosing(t *testing.T) {
	for _, at := range []Screen{ScreenChannel, ScreenConfirm} {
		t.Run(at.String(), func(t *testing.T) {
			h := newHarness(t, testConfig())
			h.do(NoIDCard{}, ChooseGroup{ID: "police"}, ChooseService{ID: "hukou"})
			if at == ScreenConfirm {
				h.do(ChooseChannel{Index: 0})
			}
			h.screen(at)
			ss := testServices()
			ss[0].Issuing, ss[0].NotIssuingWhy = false, "窗口暂停服务"
			h.do(ServicesUpdated{Services: ss})
			h.screen(ScreenMessage)
			h.messageHas("暂停取号")
			h.do(Confirm{})
			none[IssueTicket](h)
			h.do(Acknowledge{})
			h.screen(ScreenGroups)
			if g := h.st().Groups[0]; g.Enabled || g.Reason.ZH != "窗口暂停服务" {
				t.Fatalf("group %+v", g)
			}
		})
	}
}

func TestAppointments(t *testing.T) {
	h := newHarness(t, testConfig())
	h.do(CardPlaced{Card: adult})
	ci := one[CheckInAppointment](h)
	at := t0.Add(20 * time.Minute)
	tk := hallproto.Ticket{ID: 9, Number: "B101", Service: "shebao", ServiceName: "社保业务", Channel: hallproto.Appointment, AppointmentAt: &at}
	h.do(CheckInSucceeded{RequestID: "other", Ticket: tk})
	none[Print](h)
	h.do(CheckInSucceeded{RequestID: ci.RequestID, Ticket: tk})
	p := one[Print](h)
	if p.Ticket.Number != "B101" {
		t.Fatalf("print %+v", p)
	}
	h.do(PrintDone{Job: p.Job})
	h.screen(ScreenDone)
	h.noticeHas("签到成功")
	if !h.st().Ticket.Appointment {
		t.Fatal("not shown as an appointment")
	}

	for _, tc := range []struct {
		name string
		fail CheckInFailed
		want string
		at   string
	}{
		{"early with time", CheckInFailed{Code: "appointment_early", ComeBackAt: time.Date(2026, 3, 2, 1, 30, 0, 0, time.UTC)}, "09:30", "09:30"},
		{"early from message", CheckInFailed{Code: "appointment_early", Message: "预约时间未到，请于 11:15 后签到"}, "11:15", "11:15"},
		{"early without time", CheckInFailed{Code: "appointment_early"}, "稍后", ""},
		{"lapsed", CheckInFailed{Code: "appointment_lapsed", Message: "已超过预约时间30分钟"}, "预约已失效", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, testConfig())
			h.do(CardPlaced{Card: adult})
			tc.fail.RequestID = one[CheckInAppointment](h).RequestID
			h.do(tc.fail)
			h.screen(ScreenAppointment)
			h.messageHas(tc.want)
			if got := h.st().ComeBackAt; (tc.at == "") != got.IsZero() || (tc.at != "" && got.In(cst).Format("15:04") != tc.at) {
				t.Fatalf("come back at %v", got)
			}
			h.do(TakeNormal{})
			h.screen(ScreenGroups)
			if h.st().Message.ZH != "" {
				t.Fatal("message left on the menu")
			}
		})
	}

	// A controller that never answers: the menu after the timeout, and a
	// late answer is ignored there.
	h = newHarness(t, testConfig())
	h.do(CardPlaced{Card: adult})
	ci = one[CheckInAppointment](h)
	h.advance(31 * time.Second)
	h.screen(ScreenGroups)
	h.noticeHas("暂时无法查询预约")
	h.do(CheckInFailed{RequestID: ci.RequestID, Code: "appointment_lapsed"})
	h.screen(ScreenGroups)
	// A late success still prints the appointment's ticket, once.
	h.do(ChooseGroup{ID: "hr"})
	h.do(CheckInSucceeded{RequestID: ci.RequestID, Ticket: tk})
	p = one[Print](h)
	h.do(CheckInSucceeded{RequestID: ci.RequestID, Ticket: tk})
	none[Print](h)
	h.do(PrintDone{Job: p.Job})
	h.screen(ScreenDone)
	// But not while a normal ticket is on its way.
	h = newHarness(t, testConfig())
	h.do(CardPlaced{Card: adult})
	ci = one[CheckInAppointment](h)
	h.advance(31 * time.Second)
	h.do(ChooseGroup{ID: "police"}, ChooseService{ID: "hukou"}, ChooseChannel{Index: 0}, Confirm{})
	one[IssueTicket](h)
	h.do(CheckInSucceeded{RequestID: ci.RequestID, Ticket: tk})
	none[Print](h)
	h.screen(ScreenIssuing)

	// Check-in can be switched off.
	cfg := testConfig()
	off := false
	cfg.CheckIn = &off
	h = newHarness(t, cfg)
	h.do(CardPlaced{Card: adult})
	none[CheckInAppointment](h)
	h.screen(ScreenGroups)
}

func TestGreenChannel(t *testing.T) {
	h := newHarness(t, testConfig())
	h.toMenu(adult)
	h.do(ChooseGroup{ID: "hr"}, ChooseService{ID: "shebao"})
	h.screen(ScreenChannel)
	for _, c := range h.st().Channels {
		if c.Channel == hallproto.Green {
			t.Fatal("green channel offered without staff")
		}
	}
	h.do(StaffCard{Staff: "staff-07"})
	h.noticeHas("绿色通道")
	chs := h.st().Channels
	g := len(chs) - 1
	if chs[g].Channel != hallproto.Green || !chs[g].Enabled {
		t.Fatalf("channels %+v", chs)
	}
	// shebao refuses the love channel: the declared categories are greyed.
	for _, c := range chs {
		if c.Category != "" && (c.Enabled || c.Reason != txtChRefused) {
			t.Fatalf("category not greyed: %+v", c)
		}
	}
	h.do(ChooseChannel{Index: 1})
	h.noticeHas("不设此通道")
	h.screen(ScreenChannel)
	h.do(ChooseChannel{Index: g})
	it := h.issue(hallproto.Ticket{ID: 3, Number: "B003", Service: "shebao", Channel: hallproto.Green}, false)
	if it.Channel != hallproto.Green || it.Staff != "staff-07" {
		t.Fatalf("issue %+v", it)
	}

	// By PIN, with a wrong try first.
	h = newHarness(t, testConfig())
	h.do(NoIDCard{}, ChooseGroup{ID: "hr"}, ChooseService{ID: "shebao"}, StaffGreen{})
	h.screen(ScreenPIN)
	if h.st().PINFor != "green" {
		t.Fatal("pin purpose")
	}
	h.do(PINDigit{Digit: 1}, PINSubmit{})
	h.screen(ScreenPIN)
	h.noticeHas("密码错误")
	h.do(PINDigit{Digit: 1}, PINDigit{Digit: 3}, PINDigit{Digit: 5}, PINDigit{Digit: 9}, PINDelete{}, PINDigit{Digit: 7})
	if h.st().PINLength != 4 {
		t.Fatalf("pin length %d", h.st().PINLength)
	}
	h.do(PINSubmit{})
	h.screen(ScreenChannel)
	if chs := h.st().Channels; chs[len(chs)-1].Channel != hallproto.Green {
		t.Fatalf("channels %+v", chs)
	}
	// green_needs_staff from the controller takes the unlock back.
	h.do(ChooseChannel{Index: len(h.st().Channels) - 1}, Confirm{})
	h.do(IssueFailed{RequestID: one[IssueTicket](h).RequestID, Code: "green_needs_staff", Message: "绿色通道需工作人员办理"})
	h.do(Acknowledge{})
	h.screen(ScreenChannel)
	for _, c := range h.st().Channels {
		if c.Channel == hallproto.Green {
			t.Fatal("green still offered after the controller refused it")
		}
	}
}

func TestTimeouts(t *testing.T) {
	for _, tc := range []struct {
		name  string
		evs   []Event
		at    Screen
		after time.Duration
	}{
		{"identify", []Event{Start{}}, ScreenIdentify, 60 * time.Second},
		{"reading stuck", []Event{Start{}, CardReading{}}, ScreenReading, 60 * time.Second},
		{"groups", []Event{NoIDCard{}}, ScreenGroups, 60 * time.Second},
		{"services", []Event{NoIDCard{}, ChooseGroup{ID: "police"}}, ScreenServices, 60 * time.Second},
		{"channel", []Event{CardPlaced{Card: elderly}, CheckInFailed{RequestID: "req-1", Code: "no_appointment"}, ChooseGroup{ID: "police"}, ChooseService{ID: "hukou"}}, ScreenChannel, 60 * time.Second},
		{"message", []Event{CardFailed{}}, ScreenMessage, 15 * time.Second},
		{"appointment", []Event{CardPlaced{Card: adult}, CheckInFailed{RequestID: "req-1", Code: "appointment_lapsed"}}, ScreenAppointment, 60 * time.Second},
		{"material", []Event{StartDocuments{}, CardPlaced{Card: adult}}, ScreenMaterial, 60 * time.Second},
		{"pin", []Event{OpenTechnician{}}, ScreenPIN, 60 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, testConfig())
			h.do(tc.evs...)
			h.screen(tc.at)
			if d := h.st().Deadline.Sub(h.now); d != tc.after {
				t.Fatalf("deadline in %v, want %v", d, tc.after)
			}
			h.advance(tc.after - time.Second)
			h.screen(tc.at)
			h.do(ToggleLargeText{}) // a touch restarts the timer
			h.advance(tc.after - time.Second)
			h.screen(tc.at)
			h.advance(time.Second)
			h.screen(ScreenAttract)
			one[ClearPersonalData](h)
			assertNoPersonalData(t, h.m, adult.Number, adult.Name, elderly.Number, elderly.Name)
		})
	}
}

func TestStartOverAndLargeTextEverywhere(t *testing.T) {
	paths := map[Screen][]Event{
		ScreenIdentify:    {Start{}},
		ScreenGroups:      {NoIDCard{}},
		ScreenServices:    {NoIDCard{}, ChooseGroup{ID: "police"}},
		ScreenChannel:     {NoIDCard{}, ChooseGroup{ID: "police"}, ChooseService{ID: "hukou"}},
		ScreenConfirm:     {NoIDCard{}, ChooseGroup{ID: "police"}, ChooseService{ID: "hukou"}, ChooseChannel{Index: 0}},
		ScreenMessage:     {CardFailed{}},
		ScreenAppointment: {CardPlaced{Card: adult}, CheckInFailed{RequestID: "req-1", Code: "appointment_lapsed"}},
		ScreenMaterial:    {StartDocuments{}, CardPlaced{Card: adult}},
		ScreenPreview:     {StartDocuments{}, CardPlaced{Card: adult}, ChooseMaterial{ID: "other"}},
		ScreenReview:      {StartDocuments{}, CardPlaced{Card: adult}, ChooseMaterial{ID: "other"}, CameraFrame{JPEG: []byte{0xff, 0xd8}}, Capture{}},
		ScreenPIN:         {OpenTechnician{}},
		ScreenDone: {NoIDCard{}, ChooseGroup{ID: "police"}, ChooseService{ID: "hukou"}, ChooseChannel{Index: 0}, Confirm{},
			IssueSucceeded{RequestID: "req-1", Ticket: ticketA(hallproto.Normal)}, PrintDone{Job: "req-1/print"}},
		ScreenPrintProblem: {NoIDCard{}, ChooseGroup{ID: "police"}, ChooseService{ID: "hukou"}, ChooseChannel{Index: 0}, Confirm{},
			IssueSucceeded{RequestID: "req-1", Ticket: ticketA(hallproto.Normal)}, PrintFailed{Job: "req-1/print", State: PrinterCoverOpen}},
	}
	for screen, evs := range paths {
		t.Run(screen.String(), func(t *testing.T) {
			h := newHarness(t, testConfig())
			h.do(evs...)
			h.screen(screen)
			st := h.st()
			if !st.CanStartOver {
				t.Fatal("no start over")
			}
			large := st.LargeText
			h.do(ToggleLargeText{})
			if h.st().LargeText == large || h.st().Screen != screen {
				t.Fatal("large text toggle failed")
			}
			h.do(StartOver{})
			h.screen(ScreenAttract)
			one[ClearPersonalData](h)
			if one[Busy](h).On {
				t.Fatal("still busy")
			}
			if h.st().LargeText {
				t.Fatal("large text kept for the next citizen")
			}
			assertNoPersonalData(t, h.m, adult.Number, adult.Name)
		})
	}
}

func TestAfterHours(t *testing.T) {
	h := newHarness(t, testConfig())
	h.now = time.Date(2026, 3, 2, 7, 0, 0, 0, cst)
	ss := testServices()
	ss[0].Issuing, ss[0].NotIssuingWhy = false, "当前不在取号时间"
	h.do(ServicesUpdated{Services: ss})
	h.screen(ScreenClosed)
	st := h.st()
	if st.IssueFrom != "08:30" || st.IssueUntil != "16:30" || st.Close != "17:00" ||
		!st.OpensAt.Equal(time.Date(2026, 3, 2, 8, 30, 0, 0, cst)) || st.BookingText.ZH == "" || !st.CanDocuments {
		t.Fatalf("closed screen %+v", st)
	}
	h.do(Start{})
	h.screen(ScreenClosed)
	h.noticeHas("不在取号时间")
	none[Busy](h)
	h.do(CardPlaced{Card: adult})
	h.screen(ScreenClosed)
	assertNoPersonalData(t, h.m, adult.Number, adult.Name)
	h.do(NoIDCard{})
	h.screen(ScreenClosed)

	// Opening time: back by itself, and the stale "not issuing" of the
	// snapshot taken before opening no longer greys the service.
	h.now = time.Date(2026, 3, 2, 8, 29, 59, 0, cst)
	h.do(Tick{})
	h.screen(ScreenClosed)
	h.advance(time.Second)
	h.screen(ScreenAttract)
	if n := h.st().Notice; n.ZH != "" {
		t.Fatalf("closed notice left on attract: %q", n)
	}
	h.do(NoIDCard{}, ChooseGroup{ID: "police"})
	h.screen(ScreenServices)
	if s := h.st().Services[0]; !s.Enabled {
		t.Fatalf("service still greyed after opening: %+v", s)
	}
	h.do(StartOver{})

	// Cut-off.
	h.now = time.Date(2026, 3, 2, 16, 30, 0, 0, cst)
	h.do(Tick{})
	h.screen(ScreenClosed)
	if !h.st().OpensAt.Equal(time.Date(2026, 3, 3, 8, 30, 0, 0, cst)) {
		t.Fatalf("opens at %v", h.st().OpensAt)
	}
	// A citizen choosing at the cut-off: the service greys, not the screen.
	h2 := newHarness(t, testConfig())
	h2.now = time.Date(2026, 3, 2, 16, 29, 40, 0, cst)
	h2.do(NoIDCard{}, ChooseGroup{ID: "police"})
	h2.advance(20 * time.Second)
	h2.screen(ScreenServices)
	if s := h2.st().Services[0]; s.Enabled || s.Reason != txtIssueEnded {
		t.Fatalf("service at the cut-off %+v", s)
	}

	// HallInfo from the controller changes the hours.
	h3 := newHarness(t, testConfig())
	h3.now = time.Date(2026, 3, 2, 8, 0, 0, 0, cst)
	h3.do(Tick{})
	h3.screen(ScreenClosed)
	h3.do(HallInfo{Name: Text{"示范政务服务中心", "Demo Service Hall"}, IssueFrom: "07:45", BookingURL: "http://hall/m/book"})
	h3.screen(ScreenAttract)
	if h3.st().Hall.ZH != "示范政务服务中心" {
		t.Fatal("hall name")
	}
	// Documents after hours.
	h.do(StartDocuments{})
	h.screen(ScreenIdentify)
	if h.st().CanNoIDCard {
		t.Fatal("no-ID path offered for documents")
	}
}

func TestDocumentsBoundToTicket(t *testing.T) {
	h := newHarness(t, testConfig())
	h.toMenu(adult)
	h.do(ChooseGroup{ID: "police"}, ChooseService{ID: "hukou"}, ChooseChannel{Index: 0})
	h.issue(ticketA(hallproto.Normal), false)
	h.do(PrintDone{Job: one[Print](h).Job})
	h.do(StartDocuments{})
	h.screen(ScreenMaterial)
	if len(h.st().Materials) != len(DefaultMaterials) {
		t.Fatalf("materials %+v", h.st().Materials)
	}
	h.do(ChooseMaterial{ID: "nosuch"})
	h.screen(ScreenMaterial)
	h.do(ChooseMaterial{ID: "household_register"})
	h.screen(ScreenPreview)
	one[StartCamera](h)
	h.do(Capture{})
	h.noticeHas("还没有画面")
	h.do(CameraFrame{JPEG: []byte("page-1")})
	if string(h.st().Preview) != "page-1" {
		t.Fatal("preview")
	}
	h.do(Capture{}, Retake{})
	h.screen(ScreenPreview)
	h.do(CameraFrame{JPEG: []byte("page-1b")}, Capture{}, KeepPage{})
	h.screen(ScreenPreview)
	h.do(CameraFrame{JPEG: []byte("page-2")}, Capture{})
	h.screen(ScreenReview)
	if h.st().Pages != 1 || string(h.st().Review) != "page-2" {
		t.Fatalf("review %d %q", h.st().Pages, h.st().Review)
	}
	h.do(FinishDocuments{})
	one[StopCamera](h)
	up := one[UploadDocument](h)
	if up.TicketID != 7 || up.IDCard != nil || up.Material != "household_register" || len(up.Pages) != 2 ||
		string(up.Pages[0]) != "page-1b" || string(up.Pages[1]) != "page-2" {
		t.Fatalf("upload %+v", up)
	}
	h.screen(ScreenUploading)
	h.do(UploadFailed{RequestID: up.RequestID})
	h.screen(ScreenMessage)
	h.messageHas("上传失败")
	h.do(Acknowledge{})
	h.screen(ScreenReview)
	h.do(FinishDocuments{})
	up2 := one[UploadDocument](h)
	if up2.RequestID != up.RequestID || len(up2.Pages) != 2 {
		t.Fatalf("retry %+v", up2)
	}
	h.do(UploadDone{RequestID: up.RequestID})
	h.screen(ScreenUploaded)
	h.advance(15 * time.Second)
	h.screen(ScreenAttract)
	if st := h.st(); st.Pages != 0 || st.Preview != nil || st.Review != nil {
		t.Fatal("pages left")
	}
	assertNoPersonalData(t, h.m, adult.Number, adult.Name, "page-1b", "page-2")
}

func TestDocumentsForLaterVisit(t *testing.T) {
	h := newHarness(t, testConfig())
	h.do(StartDocuments{})
	h.screen(ScreenIdentify)
	h.do(NoIDCard{})
	h.screen(ScreenIdentify)
	h.noticeHas("需要身份证")
	h.do(CardPlaced{Card: adult})
	none[CheckInAppointment](h)
	h.screen(ScreenMaterial)
	h.do(ChooseMaterial{ID: "application_form"}, CameraFrame{JPEG: []byte("form")}, Capture{}, FinishDocuments{})
	up := one[UploadDocument](h)
	if up.TicketID != 0 || up.IDCard == nil || up.IDCard.Number != adult.Number {
		t.Fatalf("upload %+v", up)
	}
	h.do(UploadDone{RequestID: up.RequestID})
	h.do(StartOver{})
	assertNoPersonalData(t, h.m, adult.Number, adult.Name)
}

func TestCameraFaults(t *testing.T) {
	for _, tc := range []struct {
		name    string
		evs     []Event
		want    string
		problem string
		screen  Screen
	}{
		{"missing", []Event{CameraMissing{}}, "未检测到高拍仪", "camera_missing", ScreenAttract},
		{"broken frames", []Event{CameraBroken{}, CameraBroken{}, CameraBroken{}}, "画面异常", "camera_broken", ScreenAttract},
		{"broken after a kept page", []Event{CameraFrame{JPEG: []byte("p")}, Capture{}, KeepPage{}, CameraBroken{}, CameraBroken{}, CameraBroken{}}, "画面异常", "camera_broken", ScreenReview},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, testConfig())
			h.do(StartDocuments{}, CardPlaced{Card: adult}, ChooseMaterial{ID: "other"})
			h.do(tc.evs...)
			h.screen(ScreenMessage)
			h.messageHas(tc.want)
			one[StopCamera](h)
			if rs := one[ReportStatus](h); rs.Problems[0] != tc.problem {
				t.Fatalf("report %+v", rs)
			}
			h.do(Acknowledge{})
			h.screen(tc.screen)
			if tc.screen == ScreenReview {
				h.do(FinishDocuments{})
				if up := one[UploadDocument](h); len(up.Pages) != 1 {
					t.Fatalf("upload %+v", up)
				}
			}
		})
	}
	// Two broken frames then a good one: no fault.
	h := newHarness(t, testConfig())
	h.do(StartDocuments{}, CardPlaced{Card: adult}, ChooseMaterial{ID: "other"})
	h.do(CameraBroken{}, CameraBroken{}, CameraFrame{JPEG: []byte("ok")}, CameraBroken{}, CameraBroken{})
	h.screen(ScreenPreview)
	// Page limit.
	cfg := testConfig()
	cfg.MaxPages = 1
	h = newHarness(t, cfg)
	h.do(StartDocuments{}, CardPlaced{Card: adult}, ChooseMaterial{ID: "other"})
	h.do(CameraFrame{JPEG: []byte("a")}, Capture{}, KeepPage{}, CameraFrame{JPEG: []byte("b")}, Capture{}, KeepPage{})
	h.screen(ScreenReview)
	h.noticeHas("页数上限")
}

func TestTechnician(t *testing.T) {
	h := newHarness(t, testConfig())
	h.do(OpenTechnician{})
	h.screen(ScreenPIN)
	if !one[Busy](h).On || h.st().PINFor != "technician" {
		t.Fatal("technician session")
	}
	for _, d := range "246810" {
		h.do(PINDigit{Digit: int(d - '0')})
	}
	h.do(PINDigit{Digit: 12}, PINSubmit{})
	h.screen(ScreenTechnician)
	h.do(TechTestPrint{})
	p := one[Print](h)
	if !p.Test || p.Ticket.Number != "TEST" {
		t.Fatalf("test print %+v", p)
	}
	h.do(TechTestPrint{}) // one at a time
	none[Print](h)
	h.do(PrintDone{Job: p.Job})
	if h.st().Tech.Result != txtTestPrinted {
		t.Fatalf("result %q", h.st().Tech.Result)
	}
	h.do(TechTestPrint{})
	h.do(PrintFailed{Job: one[Print](h).Job, State: PrinterCoverOpen})
	if !strings.Contains(h.st().Tech.Result.ZH, "打印机盖") || h.st().Tech.Printer != PrinterCoverOpen {
		t.Fatalf("tech %+v", h.st().Tech)
	}
	h.do(TechCardTest{})
	if !one[ReadCard](h).Test {
		t.Fatal("card test")
	}
	h.do(CardPlaced{Card: elderly})
	if r := h.st().Tech.Result; !strings.Contains(r.ZH, "张*丰") || strings.Contains(r.ZH, "张三丰") {
		t.Fatalf("result %q", r)
	}
	none[CheckInAppointment](h)
	h.do(TechCardTest{}, CardFailed{Err: CardFake})
	if !strings.Contains(h.st().Tech.Result.ZH, "无法验证") {
		t.Fatalf("result %q", h.st().Tech.Result)
	}
	assertNoPersonalData(t, h.m, elderly.Number, elderly.Name)
	h.do(Back{})
	h.screen(ScreenAttract)

	// Lockout after five wrong PINs, even for the right one.
	for i := 0; i < 5; i++ {
		h.do(OpenTechnician{}, PINDigit{Digit: 0}, PINSubmit{})
		if i < 4 {
			h.do(Back{})
		}
	}
	h.screen(ScreenMessage)
	h.messageHas("稍后再试")
	h.do(Acknowledge{}, OpenTechnician{})
	h.screen(ScreenMessage)
	h.do(Acknowledge{})
	h.advance(5 * time.Minute)
	h.do(OpenTechnician{})
	for _, d := range "246810" {
		h.do(PINDigit{Digit: int(d - '0')})
	}
	h.do(PINSubmit{})
	h.screen(ScreenTechnician)

	// No PIN configured: no technician screen.
	cfg := testConfig()
	cfg.TechPIN = ""
	h = newHarness(t, cfg)
	h.do(OpenTechnician{})
	h.screen(ScreenAttract)
}

func TestReaderOffline(t *testing.T) {
	h := newHarness(t, testConfig())
	h.do(ReaderState{Online: false})
	if rs := one[ReportStatus](h); rs.Problems[0] != "reader_offline" {
		t.Fatalf("report %+v", rs)
	}
	h.do(Start{})
	h.noticeHas("无身份证取号")
	h.do(NoIDCard{})
	h.screen(ScreenGroups)
}

func TestQueuesAndTexts(t *testing.T) {
	h := newHarness(t, testConfig())
	h.do(QueuesUpdated{Queues: hallproto.Queues{Services: []hallproto.QueueStatus{{Service: "hukou", Total: 6}}}})
	h.do(NoIDCard{}, ChooseGroup{ID: "police"})
	if s := h.st().Services[0]; !s.WaitingKnown || s.Waiting != 6 || s.Name.ZH != "户籍业务" || s.Name.EN == "" {
		t.Fatalf("service item %+v", s)
	}
	// Every citizen text has both languages.
	for _, tx := range []Text{txtPaperEnd, txtCardPulled, txtApptLapsed, txtNotPrinted("A1", PrinterPaperEnd),
		txtDuplicate(""), txtApptEarly("09:00"), txtOpensAt("08:30"), txtCameraBroken, txtUploadLost} {
		if tx.ZH == "" || tx.EN == "" || tx.String() == "" {
			t.Fatalf("text %+v", tx)
		}
	}
	if got := (Text{ZH: "中"}).String(); got != "中" {
		t.Fatal(got)
	}
	if Screen(99).String() != "screen?" || ScreenDone.String() != "done" {
		t.Fatal("screen names")
	}
}

// The screen shows names masked by idcard.MaskName, Latin names too.
func TestMaskName(t *testing.T) {
	for in, want := range map[string]string{"": "", "张": "*", "李四": "李*", "张三丰": "张*丰", "欧阳建华": "欧**华", "John Smith": "J*** S****"} {
		if got := idcard.MaskName(in); got != want {
			t.Errorf("idcard.MaskName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMinutes(t *testing.T) {
	for in, want := range map[string]int{"08:30": 510, "00:00": 0, "24:00": 1440, "24:01": -1, "8:30": -1, "ab:cd": -1, "12:60": -1, "": -1} {
		if got := minutes(in); got != want {
			t.Errorf("minutes(%q) = %d, want %d", in, got, want)
		}
	}
}

// An offline ticket has no controller id until the kiosk replays it:
// pages taken after it are bound to the card, or, without a card, the
// citizen is asked for one rather than uploading pages the controller
// would refuse.
func TestDocumentsAfterOfflineTicket(t *testing.T) {
	offline := ticketA(hallproto.Normal)
	offline.ID = 0
	h := newHarness(t, testConfig())
	h.toMenu(adult)
	h.do(ChooseGroup{ID: "police"}, ChooseService{ID: "hukou"}, ChooseChannel{Index: 0})
	h.issue(offline, true)
	h.do(PrintDone{Job: one[Print](h).Job})
	h.do(StartDocuments{})
	h.screen(ScreenMaterial)
	h.do(ChooseMaterial{ID: "household_register"})
	h.do(CameraFrame{JPEG: []byte("page-1")}, Capture{})
	h.screen(ScreenReview)
	h.do(FinishDocuments{})
	up := one[UploadDocument](h)
	if up.TicketID != 0 || up.IDCard == nil || up.IDCard.Number != adult.Number {
		t.Fatalf("offline ticket with a card: upload %+v, want bound to the card", up)
	}

	h2 := newHarness(t, testConfig())
	h2.do(NoIDCard{}, ChooseGroup{ID: "police"}, ChooseService{ID: "hukou"}, ChooseChannel{Index: 0})
	h2.issue(offline, true)
	h2.do(PrintDone{Job: one[Print](h2).Job})
	h2.do(StartDocuments{})
	h2.screen(ScreenIdentify)
}
