package kioskui

import (
	"fmt"
	"image/color"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"

	"hallq/ui/theme"
)

// --- attract ---

type attractScreen struct {
	obj     fyne.CanvasObject
	welcome pair
	hint    pair
	take    *button
	capture *button
	notices *lines
}

func newAttract(u *UI) *attractScreen {
	ts := &u.ts
	s := &attractScreen{welcome: ts.newPair(sizeWelcome, theme.Header, true), hint: ts.newPair(sizeBody, theme.ForegroundDim, false)}
	s.take = ts.newButton(T{"取号", "Take a ticket"}, stylePrimary, 12, 3, act(Start{}))
	s.capture = ts.newButton(T{"资料拍摄", "Document capture"}, styleSecondary, 12, 2.2, act(StartCapture{}))
	s.notices = ts.newLines(sizeBody, theme.Foreground)
	s.hint.set(T{"请触摸“取号”开始；有预约请直接刷身份证", "Touch \"Take a ticket\"; with an appointment, place your ID card"})
	s.obj = centred(s.welcome.box(), s.hint.box(), container.NewCenter(container.NewVBox(s.take, s.capture)), s.notices.box)
	return s
}

func (s *attractScreen) object() fyne.CanvasObject { return s.obj }

func (s *attractScreen) update(v *View) {
	a := &v.Attract
	s.welcome.set(orDefault(a.Welcome, T{"欢迎光临", "Welcome"}))
	if a.IssuePaused {
		s.take.set(T{"取号", "Take a ticket"}, reasonLine(orDefault(a.PausedReason, T{"暂停取号", "Ticket issue paused"})), stylePrimary, false)
	} else {
		s.take.set(T{"取号", "Take a ticket"}, "", stylePrimary, true)
	}
	show(s.capture, a.Capture)
	s.notices.set(a.Notices)
}

// --- identify ---

type identifyScreen struct {
	obj    fyne.CanvasObject
	title  pair
	status pair
	noID   *button
}

func newIdentify(u *UI) *identifyScreen {
	ts := &u.ts
	s := &identifyScreen{title: ts.newPair(sizeTitle, theme.Foreground, true), status: ts.newPair(sizeBody, theme.ForegroundDim, false)}
	s.title.set(T{"请将身份证放在感应区", "Place your ID card on the reader"})
	s.noID = ts.newButton(T{"无身份证取号", "No ID card"}, styleSecondary, 10, 3, act(NoIDCard{}))
	s.obj = centred(s.title.box(), ts.spacer(1.5), s.status.box(), ts.spacer(1.5), container.NewCenter(s.noID))
	return s
}

func (s *identifyScreen) object() fyne.CanvasObject { return s.obj }

func (s *identifyScreen) update(v *View) {
	id := &v.Identify
	switch {
	case id.Problem != (T{}):
		s.status.set(id.Problem)
		s.status.color(theme.Danger)
	case id.Reading:
		s.status.set(T{"正在读取，请勿移动身份证", "Reading, do not move the card"})
		s.status.color(theme.Primary)
	default:
		s.status.set(T{"感应区在屏幕下方", "The reader is below the screen"})
		s.status.color(theme.ForegroundDim)
	}
	show(s.noID, id.NoIDAllowed)
}

// --- menu ---

type menuScreen struct {
	obj      fyne.CanvasObject
	title    pair
	greeting *canvasText
	items    *buttons
	back     *button
	cur      []MenuItem
}

func newMenu(u *UI) *menuScreen {
	ts := &u.ts
	s := &menuScreen{title: ts.newPair(sizeTitle, theme.Foreground, true)}
	s.greeting = ts.newText("", sizeBody, theme.Primary, false)
	s.greeting.Alignment = fyne.TextAlignCenter
	s.items = ts.newButtons(3, func(i int) Action {
		if i < len(s.cur) && !s.cur[i].Disabled {
			return ChooseService{ID: s.cur[i].ID}
		}
		return nil
	})
	s.back = ts.newButton(T{"返回", "Back"}, styleSecondary, 6, 1.8, act(Back{}))
	s.obj = container.NewBorder(vbox(s.greeting, s.title.box(), ts.spacer(0.3)), container.NewHBox(s.back), nil, nil, s.items.grid)
	return s
}

func (s *menuScreen) object() fyne.CanvasObject { return s.obj }

func (s *menuScreen) update(v *View) {
	m := &v.Menu
	s.cur = m.Items
	setText(s.greeting, greeting(m.Greeting))
	s.title.set(orDefault(m.Title, T{"请选择业务", "Choose a service"}))
	for i, it := range m.Items {
		b := s.items.button(i)
		switch {
		case it.Disabled:
			b.set(it.Name, reasonLine(orDefault(it.Reason, T{"暂停取号", "Not available"})), stylePrimary, false)
		case it.Group:
			b.set(it.Name, "更多 ›  More", styleSecondary, true)
		default:
			b.set(it.Name, waitingLine(it.Waiting), stylePrimary, true)
		}
	}
	s.items.show(len(m.Items))
	show(s.back, m.CanGoBack)
}

func greeting(name string) string {
	if name == "" {
		return ""
	}
	return name + "，您好 · Hello"
}

// --- channel ---

type channelScreen struct {
	obj   fyne.CanvasObject
	title pair
	opts  *buttons
	back  *button
	cur   []ChannelOption
}

func newChannel(u *UI) *channelScreen {
	ts := &u.ts
	s := &channelScreen{title: ts.newPair(sizeTitle, theme.Foreground, true)}
	s.opts = ts.newButtons(2, func(i int) Action {
		if i < len(s.cur) && s.cur[i].Enabled {
			return ChooseChannel{ID: s.cur[i].ID}
		}
		return nil
	})
	s.back = ts.newButton(T{"返回", "Back"}, styleSecondary, 6, 1.8, act(Back{}))
	s.obj = container.NewBorder(vbox(s.title.box(), ts.spacer(0.3)), container.NewHBox(s.back), nil, nil, s.opts.grid)
	return s
}

func (s *channelScreen) object() fyne.CanvasObject { return s.obj }

func (s *channelScreen) update(v *View) {
	c := &v.Channel
	s.cur = c.Options
	note := orDefault(c.Note, T{"请选择通道", "choose a channel"})
	s.title.set(T{join(c.Service.Zh, note.Zh), join(c.Service.En, note.En)})
	for i, o := range c.Options {
		st := stylePrimary
		switch {
		case o.ID == ChannelLove || o.Suggested:
			st = styleLove
		case o.ID == ChannelGreen:
			st = styleGreen
		case o.ID != ChannelNormal:
			st = styleSecondary
		}
		var sub []string
		if o.Detail != (T{}) {
			sub = append(sub, reasonLine(o.Detail))
		}
		if o.Suggested {
			sub = append(sub, "为您推荐 · Suggested")
		}
		if o.Unverified {
			sub = append(sub, "窗口核验 · checked at the window")
		}
		if !o.Enabled {
			sub = []string{reasonLine(orDefault(o.Reason, T{"不可用", "Not available"}))}
		}
		s.opts.button(i).set(o.Name, strings.Join(sub, "；"), st, o.Enabled)
	}
	s.opts.show(len(c.Options))
	show(s.back, c.CanGoBack)
}

// join puts two parts of a title on one line.
func join(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + " · " + b
}

// --- confirm ---

type confirmScreen struct {
	obj                          fyne.CanvasObject
	title                        pair
	service, channel, name, wait pair
	ok, back                     *button
}

func newConfirm(u *UI) *confirmScreen {
	ts := &u.ts
	s := &confirmScreen{title: ts.newPair(sizeTitle, theme.Foreground, true)}
	s.title.set(T{"请确认", "Please confirm"})
	for _, p := range []*pair{&s.service, &s.channel, &s.name, &s.wait} {
		*p = ts.newPair(sizeBody, theme.Foreground, false)
	}
	s.ok = ts.newButton(T{"确认取号", "Confirm"}, stylePrimary, 9, 3, act(Confirm{}))
	s.back = ts.newButton(T{"返回", "Back"}, styleSecondary, 9, 3, act(Back{}))
	s.obj = centred(s.title.box(), ts.spacer(1),
		s.service.box(), s.channel.box(), s.name.box(), s.wait.box(),
		ts.spacer(1), container.NewCenter(container.NewHBox(s.back, s.ok)))
	return s
}

func (s *confirmScreen) object() fyne.CanvasObject { return s.obj }

func (s *confirmScreen) update(v *View) {
	c := &v.Confirm
	s.service.set(T{"业务：" + c.Service.Zh, "Service: " + c.Service.En})
	s.channel.set(T{"通道：" + orDefault(c.Channel, T{"普通", "Normal"}).Zh, "Channel: " + orDefault(c.Channel, T{"普通", "Normal"}).En})
	if c.Name != "" {
		s.name.set(T{"姓名：" + c.Name, ""})
	} else {
		s.name.set(T{})
	}
	s.wait.set(waitText(c.WaitingAhead, c.EstimatedWait.Minutes()))
}

func waitText(ahead int, mins float64) T {
	if ahead < 0 {
		return T{}
	}
	t := T{fmt.Sprintf("前面等候 %d 人", ahead), fmt.Sprintf("%d people ahead", ahead)}
	if mins > 0 {
		m := int(mins + 0.999)
		t.Zh += fmt.Sprintf("，预计 %d 分钟", m)
		t.En += fmt.Sprintf(", about %d min", m)
	}
	return t
}

// --- printing ---

type printingScreen struct {
	obj fyne.CanvasObject
	msg pair
}

func newPrinting(u *UI) *printingScreen {
	s := &printingScreen{msg: u.ts.newPair(sizeTitle, theme.Primary, true)}
	s.obj = centred(s.msg.box())
	return s
}

func (s *printingScreen) object() fyne.CanvasObject { return s.obj }

func (s *printingScreen) update(v *View) {
	s.msg.set(orDefault(v.Printing.Message, T{"正在出票，请稍候", "Printing your ticket"}))
}

// --- done ---

type doneScreen struct {
	obj                 fyne.CanvasObject
	label               pair
	number              *canvasText
	service, wait, hint pair
	qr                  *picture
}

func newDone(u *UI) *doneScreen {
	ts := &u.ts
	s := &doneScreen{label: ts.newPair(sizeBody, theme.ForegroundDim, false),
		service: ts.newPair(sizeBody, theme.Foreground, false), wait: ts.newPair(sizeBody, theme.Foreground, false),
		hint: ts.newPair(sizeBody, theme.ForegroundDim, false)}
	s.label.set(T{"您的号码", "Your number"})
	s.number = ts.newText("", sizeNumber, theme.Header, true)
	s.number.Alignment = fyne.TextAlignCenter
	s.qr = newPicture(160, 160, true)
	// Two columns: the number and the queue on the left, the QR code to
	// follow it on the right, so large text still fits a 600-line panel.
	left := container.NewCenter(container.NewVBox(s.label.box(), s.number, s.service.box(), s.wait.box()))
	right := container.NewCenter(container.NewVBox(container.NewCenter(s.qr.img), s.hint.box()))
	s.obj = container.NewGridWithColumns(2, left, right)
	return s
}

func (s *doneScreen) object() fyne.CanvasObject { return s.obj }

func (s *doneScreen) update(v *View) {
	d := &v.Done
	setText(s.number, d.Number)
	svc := d.Service
	if d.Channel != (T{}) {
		svc = T{svc.Zh + " · " + d.Channel.Zh, svc.En + " · " + d.Channel.En}
	}
	s.service.set(svc)
	s.wait.set(waitText(d.WaitingAhead, d.EstimatedWait.Minutes()))
	s.qr.set(d.QR)
	s.hint.set(orDefault(d.Hint, T{"请取走凭条，扫码查看排队进度", "Take your ticket; scan to follow the queue"}))
}

// --- error ---

type errorScreen struct {
	obj           fyne.CanvasObject
	title, detail pair
	code          *canvasText
	retry         *button
}

func newError(u *UI) *errorScreen {
	ts := &u.ts
	s := &errorScreen{title: ts.newPair(sizeTitle, theme.Danger, true), detail: ts.newPair(sizeBody, theme.Foreground, false)}
	s.code = ts.newText("", sizeSmall, theme.ForegroundDim, false)
	s.code.Alignment = fyne.TextAlignCenter
	s.retry = ts.newButton(T{"重试", "Try again"}, stylePrimary, 9, 3, act(Retry{}))
	s.obj = centred(s.title.box(), ts.spacer(1), s.detail.box(), ts.spacer(1), container.NewCenter(s.retry), s.code)
	return s
}

func (s *errorScreen) object() fyne.CanvasObject { return s.obj }

func (s *errorScreen) update(v *View) {
	e := &v.Error
	s.title.set(orDefault(e.Title, T{"出现问题", "Something went wrong"}))
	s.detail.set(orDefault(e.Detail, T{"请重试或联系工作人员", "Try again or ask a member of staff"}))
	setText(s.code, e.Code)
	show(s.retry, e.Retry)
}

// --- appointment check-in ---

type checkInScreen struct {
	obj                          fyne.CanvasObject
	title, service, line1, line2 pair
	number                       *canvasText
	normal                       *button
}

func newCheckIn(u *UI) *checkInScreen {
	ts := &u.ts
	s := &checkInScreen{title: ts.newPair(sizeTitle, theme.Foreground, true), service: ts.newPair(sizeBody, theme.Foreground, false),
		line1: ts.newPair(sizeBody, theme.Foreground, false), line2: ts.newPair(sizeBody, theme.ForegroundDim, false)}
	s.number = ts.newText("", sizeNumber, theme.Header, true)
	s.number.Alignment = fyne.TextAlignCenter
	s.normal = ts.newButton(T{"取普通号", "Take a normal ticket"}, stylePrimary, 10, 3, act(TakeNormalTicket{}))
	s.obj = centred(s.title.box(), s.service.box(), s.number, s.line1.box(), s.line2.box(),
		ts.spacer(1), container.NewCenter(s.normal))
	return s
}

func (s *checkInScreen) object() fyne.CanvasObject { return s.obj }

func (s *checkInScreen) update(v *View) {
	c := &v.CheckIn
	s.service.set(T{"预约业务：" + c.Service.Zh + "  " + c.Slot, "Appointment: " + c.Service.En + "  " + c.Slot})
	setText(s.number, "")
	s.line2.set(T{})
	switch c.Result {
	case CheckedIn:
		s.title.set(T{"预约签到成功", "Checked in"})
		s.title.color(theme.Green)
		setText(s.number, c.Number)
		s.line1.set(waitText(c.WaitingAhead, 0))
		s.line2.set(T{"请取走凭条，留意叫号", "Take your ticket and wait to be called"})
	case TooEarly:
		s.title.set(T{"签到时间未到", "Too early to check in"})
		s.title.color(theme.Foreground)
		s.line1.set(T{"请于 " + c.ComeBackAt + " 后再来签到", "Please come back after " + c.ComeBackAt})
	case Lapsed:
		s.title.set(T{"预约已过期", "Your appointment has lapsed"})
		s.title.color(theme.Danger)
		s.line1.set(T{"您已迟到超过 30 分钟，预约已失效", "You are more than 30 minutes late"})
		if c.OfferTicket {
			s.line2.set(T{"可以取普通号排队办理", "You can take a normal ticket"})
		}
	}
	show(s.number, s.number.Text != "")
	show(s.normal, c.Result == Lapsed && c.OfferTicket)
}

// --- after hours ---

type afterHoursScreen struct {
	obj                     fyne.CanvasObject
	msg, hoursTitle, resume pair
	hours                   *lines
	qr                      *picture
	qrHint                  pair
	capture                 *button
	qrCol                   fyne.CanvasObject
}

func newAfterHours(u *UI) *afterHoursScreen {
	ts := &u.ts
	s := &afterHoursScreen{msg: ts.newPair(sizeTitle, theme.Foreground, true), hoursTitle: ts.newPair(sizeBody, theme.ForegroundDim, false),
		resume: ts.newPair(sizeBody, theme.Primary, false), qrHint: ts.newPair(sizeBody, theme.ForegroundDim, false)}
	s.hoursTitle.set(T{"办公时间", "Opening hours"})
	s.hours = ts.newLines(sizeBody, theme.Foreground)
	s.qr = newPicture(160, 160, true)
	s.capture = ts.newButton(T{"资料拍摄", "Document capture"}, styleSecondary, 10, 3, act(StartCapture{}))
	// The booking code stands beside the hours, not under them: stacked,
	// the screen is taller than a 600-pixel panel leaves between header
	// and footer (in large text by a third).
	gutter := canvas.NewRectangle(color.Transparent)
	gutter.SetMinSize(fyne.NewSize(2*ts.base, 0))
	s.qrCol = container.New(row{}, gutter, centred(container.NewCenter(s.qr.img), s.qrHint.box()))
	text := centred(s.msg.box(), ts.spacer(0.5), s.hoursTitle.box(), s.hours.box, s.resume.box(),
		ts.spacer(0.5), container.NewCenter(s.capture))
	s.obj = container.New(row{}, text, s.qrCol)
	return s
}

func (s *afterHoursScreen) object() fyne.CanvasObject { return s.obj }

func (s *afterHoursScreen) update(v *View) {
	a := &v.AfterHours
	s.msg.set(orDefault(a.Message, T{"今日已停止取号", "Ticket issue has ended for today"}))
	s.hours.set(a.Hours)
	if a.ResumesAt != "" {
		s.resume.set(T{"恢复取号时间：" + a.ResumesAt, "Tickets again from " + a.ResumesAt})
	} else {
		s.resume.set(T{})
	}
	s.qr.set(a.BookingQR)
	show(s.qrCol, a.BookingQR != nil || a.BookingHint.Zh != "" || a.BookingHint.En != "")
	if a.BookingQR != nil {
		s.qrHint.set(orDefault(a.BookingHint, T{"扫码预约办理", "Scan to book an appointment"}))
	} else {
		s.qrHint.set(a.BookingHint)
	}
	show(s.capture, a.Capture)
}

// --- document capture ---

type captureScreen struct {
	obj                   fyne.CanvasObject
	title, problem, pages pair
	types                 *buttons
	pic                   *picture
	capture, retake, keep *button
	more, finish          *button
	cur                   []MenuItem
}

func newCapture(u *UI) *captureScreen {
	ts := &u.ts
	s := &captureScreen{title: ts.newPair(sizeTitle, theme.Foreground, true), problem: ts.newPair(sizeBody, theme.Danger, false),
		pages: ts.newPair(sizeBody, theme.ForegroundDim, false)}
	s.types = ts.newButtons(3, func(i int) Action {
		if i < len(s.cur) && !s.cur[i].Disabled {
			return ChooseDocType{ID: s.cur[i].ID}
		}
		return nil
	})
	s.pic = newPicture(480, 360, false)
	s.capture = ts.newButton(T{"拍摄", "Capture"}, stylePrimary, 8, 3, act(Capture{}))
	s.retake = ts.newButton(T{"重拍", "Retake"}, styleSecondary, 8, 3, act(Retake{}))
	s.keep = ts.newButton(T{"确认使用", "Use this page"}, stylePrimary, 8, 3, act(KeepPage{}))
	s.more = ts.newButton(T{"继续拍摄", "Add a page"}, styleSecondary, 8, 3, act(AddPage{}))
	s.finish = ts.newButton(T{"完成", "Finish"}, stylePrimary, 8, 3, act(FinishCapture{}))
	row := container.NewCenter(container.NewHBox(s.capture, s.retake, s.keep, s.more, s.finish))
	s.obj = container.NewBorder(vbox(s.title.box(), s.problem.box(), s.pages.box()), row, nil, nil,
		container.NewStack(s.types.grid, s.pic.img))
	return s
}

func (s *captureScreen) object() fyne.CanvasObject { return s.obj }

func (s *captureScreen) update(v *View) {
	c := &v.Capture
	s.cur = c.Types
	s.problem.set(c.Problem)
	if c.Pages > 0 {
		s.pages.set(T{fmt.Sprintf("已保存 %d 页", c.Pages), fmt.Sprintf("%d pages saved", c.Pages)})
	} else {
		s.pages.set(T{})
	}
	choose := c.Stage == CaptureChooseType
	switch c.Stage {
	case CaptureChooseType:
		s.title.set(T{"请选择材料类型", "Choose the document type"})
	case CapturePreview:
		s.title.set(T{"请将" + c.Type.Zh + "放在拍摄区", "Place the " + c.Type.En + " under the camera"})
	case CaptureReview:
		s.title.set(T{"请检查照片是否清晰", "Check the picture is clear"})
	case CaptureSaved:
		s.title.set(T{"已保存", "Saved"})
	}
	for i, it := range c.Types {
		b := s.types.button(i)
		if it.Disabled {
			b.set(it.Name, reasonLine(it.Reason), stylePrimary, false)
		} else {
			b.set(it.Name, "", stylePrimary, true)
		}
	}
	s.types.show(len(c.Types))
	show(s.types.grid, choose)
	if choose || c.Stage == CaptureSaved {
		s.pic.set(nil)
	} else {
		s.pic.set(c.Image)
	}
	show(s.capture, c.Stage == CapturePreview && c.Problem == (T{}))
	show(s.retake, c.Stage == CaptureReview)
	show(s.keep, c.Stage == CaptureReview)
	show(s.more, c.Stage == CaptureSaved)
	show(s.finish, c.Stage == CaptureSaved || c.Stage == CaptureChooseType && c.Pages > 0)
}

// --- PIN ---

type pinScreen struct {
	obj            fyne.CanvasObject
	title, problem pair
	dots           *canvasText
	keys           *buttons
}

var pinKeys = []T{{"1", ""}, {"2", ""}, {"3", ""}, {"4", ""}, {"5", ""}, {"6", ""}, {"7", ""}, {"8", ""}, {"9", ""},
	{"删除", "Delete"}, {"0", ""}, {"确定", "Enter"}}

func newPIN(u *UI) *pinScreen {
	ts := &u.ts
	s := &pinScreen{title: ts.newPair(sizeTitle, theme.Foreground, true), problem: ts.newPair(sizeBody, theme.Danger, false)}
	s.title.set(T{"维护人员请输入密码", "Technician PIN"})
	s.dots = ts.newText("", sizeTitle, theme.Foreground, true)
	s.dots.Alignment = fyne.TextAlignCenter
	s.keys = ts.newButtons(3, func(i int) Action {
		switch k := pinKeys[i].Zh; k {
		case "删除":
			return PINDelete{}
		case "确定":
			return PINEnter{}
		default:
			return PINDigit{Digit: k[0]}
		}
	})
	for i, k := range pinKeys {
		st := stylePrimary
		if k.En != "" {
			st = styleSecondary
		}
		b := s.keys.button(i)
		b.minW, b.minH = 4, 2.2
		b.set(k, "", st, true)
	}
	s.keys.show(len(pinKeys))
	s.obj = container.NewBorder(vbox(s.title.box(), s.dots, s.problem.box()), nil, nil, nil,
		container.NewCenter(s.keys.grid))
	return s
}

func (s *pinScreen) object() fyne.CanvasObject { return s.obj }

func (s *pinScreen) update(v *View) {
	setText(s.dots, strings.Repeat("● ", max(v.PIN.Entered, 0)))
	s.problem.set(v.PIN.Problem)
	// In large text the English words under 删除 and 确定 would make every
	// row of the pad taller (a grid's rows are equal) and the fourth row
	// would fall under the footer of a 600-pixel panel; the keys' colours
	// and positions say the same.
	// For the same reason the keys' height factor is lower: large text
	// still makes them taller than normal keys.
	minH := float32(2.2)
	if v.LargeText {
		minH = 1.8
	}
	for i, k := range pinKeys {
		if v.LargeText {
			k.En = ""
		}
		b := s.keys.button(i)
		if b.minH != minH {
			b.minH = minH
			b.Refresh()
		}
		b.set(k, "", b.style, true)
	}
}

// --- technician service ---

type serviceScreen struct {
	obj                         fyne.CanvasObject
	title, device, link, result pair
	status                      *lines
	print, card, exit           *button
}

func newService(u *UI) *serviceScreen {
	ts := &u.ts
	s := &serviceScreen{title: ts.newPair(sizeTitle, theme.Foreground, true), device: ts.newPair(sizeBody, theme.Foreground, false),
		link: ts.newPair(sizeBody, theme.Foreground, true), result: ts.newPair(sizeBody, theme.Primary, false)}
	s.title.set(T{"设备维护", "Service"})
	s.status = ts.newLines(sizeBody, theme.Foreground)
	s.print = ts.newButton(T{"测试打印", "Test print"}, stylePrimary, 8, 3, act(TestPrint{}))
	s.card = ts.newButton(T{"读卡测试", "Card read test"}, stylePrimary, 8, 3, act(CardReadTest{}))
	s.exit = ts.newButton(T{"退出", "Exit"}, styleSecondary, 8, 3, act(ExitService{}))
	s.obj = centred(s.title.box(), s.device.box(), s.link.box(), ts.spacer(0.5), s.status.box,
		ts.spacer(0.5), container.NewCenter(container.NewHBox(s.print, s.card, s.exit)), s.result.box())
	return s
}

func (s *serviceScreen) object() fyne.CanvasObject { return s.obj }

func (s *serviceScreen) update(v *View) {
	sv := &v.Service
	s.device.set(T{"设备 " + sv.Device + "  版本 " + sv.Version, "device " + sv.Device + ", version " + sv.Version})
	switch {
	case !sv.Online:
		s.link.set(T{fmt.Sprintf("离线，%d 张待上传", sv.Pending), fmt.Sprintf("offline, %d tickets pending", sv.Pending)})
		s.link.color(theme.Danger)
	case sv.Pending > 0:
		s.link.set(T{fmt.Sprintf("在线，%d 张待上传", sv.Pending), fmt.Sprintf("online, %d tickets pending", sv.Pending)})
		s.link.color(theme.Primary)
	default:
		s.link.set(T{"在线", "online"})
		s.link.color(theme.Green)
	}
	st := make([]T, len(sv.Status))
	for i, l := range sv.Status {
		mark, en := "✓ 正常", "ok"
		if !l.OK {
			mark, en = "✗ 故障", "fault"
		}
		st[i] = T{l.Name.Zh + "：" + mark + " " + l.Detail, l.Name.En + ": " + en}
	}
	s.status.set(st)
	s.result.set(sv.Result)
}
