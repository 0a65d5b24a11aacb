package kioskui

import (
	"image"
	"time"
)

// T is a bilingual text: Chinese first (what the citizen reads), English
// second (smaller, for foreign residents). An empty En shows only Zh.
type T struct {
	Zh, En string
}

// Text is T{Zh: zh, En: en}, shorter for callers outside this package
// (go vet wants keyed fields there).
func Text(zh, en string) T { return T{Zh: zh, En: en} }

// Screen selects what the kiosk shows.
type Screen int

const (
	// ScreenAttract invites citizens to start (取号 / take a ticket).
	ScreenAttract Screen = iota
	// ScreenIdentify asks for the ID card, with a "no ID card" path.
	ScreenIdentify
	// ScreenMenu is the two-level service menu.
	ScreenMenu
	// ScreenChannel offers the priority channels.
	ScreenChannel
	// ScreenConfirm shows the choice before the ticket is issued.
	ScreenConfirm
	// ScreenPrinting is shown while the ticket is issued and printed.
	ScreenPrinting
	// ScreenDone shows the ticket number.
	ScreenDone
	// ScreenError explains a fault in plain Chinese.
	ScreenError
	// ScreenCheckIn shows an appointment check-in result.
	ScreenCheckIn
	// ScreenAfterHours says the hall is closed.
	ScreenAfterHours
	// ScreenCapture is document capture with the document camera.
	ScreenCapture
	// ScreenPIN asks for the technician's PIN.
	ScreenPIN
	// ScreenService is the technician's service screen.
	ScreenService
	numScreens
)

var screenNames = [...]string{"attract", "identify", "menu", "channel", "confirm", "printing", "done",
	"error", "checkin", "afterhours", "capture", "pin", "service"}

func (s Screen) String() string {
	if s >= 0 && int(s) < len(screenNames) {
		return screenNames[s]
	}
	return "screen(?)"
}

// View is everything one screen shows. Only the part named by Screen is
// read; the others may hold anything (the flow can keep them filled).
type View struct {
	Screen Screen
	// Hall is the hall's name in the header (GET /api/v1/hall name,
	// name_en).
	Hall T
	// LargeText switches the elderly-friendly large-text mode.
	LargeText bool
	// Clock is the time shown in the header ("14:05"), set by the flow
	// so tests and screenshots are deterministic. Empty hides it.
	Clock string
	// HideStartOver hides the "start over" button where there is nothing
	// to start over from (the attract screen hides it always).
	HideStartOver bool

	Attract    AttractView
	Identify   IdentifyView
	Menu       MenuView
	Channel    ChannelView
	Confirm    ConfirmView
	Printing   PrintingView
	Done       DoneView
	Error      ErrorView
	CheckIn    CheckInView
	AfterHours AfterHoursView
	Capture    CaptureView
	PIN        PINView
	Service    ServiceView
}

// AttractView is the idle screen.
type AttractView struct {
	// Welcome is the big greeting; empty means "欢迎光临 Welcome".
	Welcome T
	// Notices are the hall's notices (HallInfo notices), one line each.
	Notices []T
	// IssuePaused greys the ticket button with PausedReason (e.g. the
	// printer is out of paper: "暂停取号，请到咨询台 / ...").
	IssuePaused  bool
	PausedReason T
	// Capture offers document capture (资料拍摄) on the attract screen.
	Capture bool
}

// IdentifyView asks for the ID card.
type IdentifyView struct {
	// Reading shows "正在读取" while the reader works.
	Reading bool
	// Problem is the last card problem ("请重新放置身份证"), empty if none.
	Problem T
	// NoIDAllowed offers "无身份证取号 / No ID card" for a plain ticket.
	NoIDAllowed bool
}

// MenuItem is one service (or group of services) in the menu.
type MenuItem struct {
	ID   string
	Name T
	// Waiting is the number of people waiting; negative hides it.
	Waiting int
	// Disabled greys the item and shows Reason ("暂停取号", "已下班",
	// "今日号已取完"); tapping it does nothing.
	Disabled bool
	Reason   T
	// Group marks an item that opens a second level.
	Group bool
}

// MenuView is one level of the service menu.
type MenuView struct {
	// Title: "请选择业务 / Choose a service", or the group's name.
	Title T
	// Greeting greets the identified citizen by masked name ("张*三").
	Greeting string
	Items    []MenuItem
	// CanGoBack shows "返回 Back" (the second level).
	CanGoBack bool
}

// Channel identifiers the flow and the UI agree on; the flow may use
// others, which are shown the same way.
const (
	ChannelNormal = "normal"
	ChannelLove   = "love"
	ChannelGreen  = "green"
)

// ChannelOption is one channel the citizen may choose.
type ChannelOption struct {
	ID     string
	Name   T
	Detail T
	// Enabled false greys the option with Reason (the green channel
	// without a staff token or appointment).
	Enabled bool
	Reason  T
	// Suggested highlights the option (the love channel for an elderly
	// citizen, offered automatically because of age).
	Suggested bool
	// Unverified marks a category the citizen declares, to be checked at
	// the window ("窗口核验 / checked at the window").
	Unverified bool
}

// ChannelView offers the channels.
type ChannelView struct {
	Service   T
	Note      T
	Options   []ChannelOption
	CanGoBack bool
}

// ConfirmView shows the choice before the ticket is issued.
type ConfirmView struct {
	Service T
	Channel T
	// Name is the masked name ("张*三"), empty without an ID card.
	Name string
	// WaitingAhead is the number of people ahead; negative hides it.
	WaitingAhead int
	// EstimatedWait, when positive, is shown in minutes.
	EstimatedWait time.Duration
}

// PrintingView is shown while the ticket is issued and printed.
type PrintingView struct {
	// Message; empty means "正在出票，请稍候 / Printing your ticket".
	Message T
}

// DoneView shows the ticket.
type DoneView struct {
	Number        string
	Service       T
	Channel       T
	WaitingAhead  int
	EstimatedWait time.Duration
	// QR is the ticket status page's QR code (also printed); nil hides it.
	QR image.Image
	// Hint: "请取走凭条，扫码查看排队进度 / Take your ticket; scan to follow
	// the queue" when empty.
	Hint T
}

// ErrorView explains a fault. Title is what happened, Detail what to do.
type ErrorView struct {
	Title  T
	Detail T
	// Retry offers "重试 Try again" (Action Retry).
	Retry bool
	// Code is a short machine code shown small for staff
	// ("printer_paper_end"); empty hides it.
	Code string
}

// CheckInResult is the outcome of an appointment check-in.
type CheckInResult int

const (
	// CheckedIn: the appointment is checked in and a ticket issued.
	CheckedIn CheckInResult = iota
	// TooEarly: come back at ComeBackAt.
	TooEarly
	// Lapsed: more than 30 minutes late; a normal ticket is offered.
	Lapsed
)

// CheckInView shows an appointment check-in result.
type CheckInView struct {
	Result  CheckInResult
	Service T
	// Slot is the booked time ("10:00-10:30").
	Slot string
	// ComeBackAt is when check-in opens (TooEarly), "09:45".
	ComeBackAt string
	// Number and WaitingAhead describe the ticket (CheckedIn).
	Number       string
	WaitingAhead int
	// OfferTicket offers "取普通号 / Take a normal ticket" (Lapsed).
	OfferTicket bool
}

// AfterHoursView says the hall is closed.
type AfterHoursView struct {
	// Message; empty means "今日已停止取号 / Ticket issue has ended".
	Message T
	// Hours are the opening hours, one line each ("周一至周五 9:00-17:00").
	Hours []T
	// BookingQR links to the appointment page; nil hides it.
	BookingQR   image.Image
	BookingHint T
	// ResumesAt is when ticket issue resumes ("明天 09:00").
	ResumesAt string
	// Capture keeps document capture offered after hours.
	Capture bool
}

// CaptureStage is where the citizen is in document capture.
type CaptureStage int

const (
	// CaptureChooseType: choose the material type.
	CaptureChooseType CaptureStage = iota
	// CapturePreview: live preview, "拍摄 Capture".
	CapturePreview
	// CaptureReview: the captured page, "重拍 Retake" / "确认 Use this page".
	CaptureReview
	// CaptureSaved: pages stored; "继续拍摄 Add more" or "完成 Finish".
	CaptureSaved
)

// CaptureView is document capture.
type CaptureView struct {
	Stage CaptureStage
	// Types are the material types (ChooseDocType{ID}).
	Types []MenuItem
	// Type is the chosen material type.
	Type T
	// Image is the live preview (CapturePreview) or the captured page
	// (CaptureReview). Show with a new image pointer repaints it.
	Image image.Image
	// Pages is the number of pages stored so far.
	Pages int
	// Problem is a camera problem ("未检测到高拍仪"), empty if none.
	Problem T
}

// PINView asks for the technician's PIN.
type PINView struct {
	// Entered is the number of digits typed so far (shown as dots).
	Entered int
	// Problem: "PIN 错误 / Wrong PIN".
	Problem T
}

// StatusLine is one row of the technician's device status.
type StatusLine struct {
	Name   T
	OK     bool
	Detail string
}

// ServiceView is the technician's service screen.
type ServiceView struct {
	Device  string
	Version string
	Online  bool
	// Pending is the number of offline tickets not yet uploaded; shown as
	// "离线，N 张待上传 / offline, N tickets pending" while offline or
	// pending.
	Pending int
	Status  []StatusLine
	// Result is the last test's result ("测试打印已发送").
	Result T
}
