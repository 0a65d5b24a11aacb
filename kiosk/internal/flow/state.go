package flow

import (
	"time"

	"hallq/controller/hallproto"
)

// Text is a citizen-facing text: Chinese first, English second.
type Text struct {
	ZH string
	EN string
}

// String joins both languages, for logs and tests.
func (t Text) String() string {
	if t.EN == "" {
		return t.ZH
	}
	return t.ZH + " / " + t.EN
}

// Screen is which screen the UI shows.
type Screen int

// Screens of the journey; doc.go draws how they connect.
const (
	ScreenAttract      Screen = iota // 欢迎 / touch to start
	ScreenClosed                     // after hours: opening hours, booking QR, self-service
	ScreenIdentify                   // place the ID card, or "no ID card"
	ScreenReading                    // a card is being read
	ScreenCheckingIn                 // asking the controller for an appointment
	ScreenAppointment                // appointment too early / lapsed: Message, offer TakeNormal
	ScreenGroups                     // menu level 1
	ScreenServices                   // menu level 2
	ScreenChannel                    // channel options
	ScreenConfirm                    // summary and "确认取号"
	ScreenIssuing                    // waiting for the ticket
	ScreenPrinting                   // printing
	ScreenDone                       // ticket number, waiting ahead
	ScreenPrintProblem               // ticket issued but not printed: number shown, ask staff
	ScreenMessage                    // a message with "知道了 OK"
	ScreenMaterial                   // document capture: choose the material type
	ScreenPreview                    // live preview, "拍照 Capture"
	ScreenReview                     // review the page: retake, keep, finish
	ScreenUploading                  // pages being uploaded
	ScreenUploaded                   // pages stored
	ScreenPIN                        // PIN pad (technician or green channel)
	ScreenTechnician                 // technician service screen
)

var screenNames = [...]string{"attract", "closed", "identify", "reading", "checking-in",
	"appointment", "groups", "services", "channel", "confirm", "issuing", "printing", "done",
	"print-problem", "message", "material", "preview", "review", "uploading", "uploaded",
	"pin", "technician"}

func (s Screen) String() string {
	if s < 0 || int(s) >= len(screenNames) {
		return "screen?"
	}
	return screenNames[s]
}

// Item is an entry of a menu: a group, a service or a material type.
type Item struct {
	ID      string
	Name    Text
	Enabled bool
	Reason  Text // why it is greyed
	// Waiting is the number of people waiting (services), when known.
	Waiting      int
	WaitingKnown bool
}

// ChannelOption is one choice on the channel screen.
type ChannelOption struct {
	Channel     hallproto.Channel
	Category    string // declared category, love channel
	Name        Text
	Note        Text // "按年龄自动提供", "需工作人员核实"
	Enabled     bool
	Reason      Text
	Recommended bool // offered automatically (age)
	Unverified  bool // declared: staff confirm at the window
}

// Person is what the screens may show about the card holder: nothing that
// identifies them.
type Person struct {
	MaskedName string // 张*三
	Age        int
	Love       bool // the love channel by age
}

// TicketView is the ticket as the done and print-problem screens show it.
type TicketView struct {
	ID           uint64
	Number       string
	Service      Text
	Channel      hallproto.Channel
	ChannelName  Text
	WaitingAhead int
	WaitingKnown bool // false offline: show a calm text, no count
	EstimatedMin int
	MaskedName   string
	IssuedAt     time.Time
	Unverified   bool // a declared category staff will confirm
	Appointment  bool
}

// TechView is the technician screen.
type TechView struct {
	Printer      PrinterState
	ReaderOnline bool
	Camera       Text
	Online       bool
	Pending      int // offline tickets not yet replayed
	Version      string
	Result       Text // the last test's outcome
	Problems     []string
}

// State is everything the UI renders. It holds no ID number, name or
// photo: only the masked name. Captured pages are in it while the citizen
// reviews them and are gone when the session ends.
type State struct {
	Screen    Screen
	LargeText bool
	// Message is the main text of the message, appointment and problem
	// screens; Notice an inline hint on any screen (a second card, a
	// greyed item touched).
	Message Text
	Notice  Text
	Hall    Text
	// Banner: why no tickets are offered now (printer); shown on attract.
	Banner Text

	CanBack      bool
	CanStartOver bool
	CanNoIDCard  bool // the identify screen offers "无身份证取号"
	CanDocuments bool // self-service document capture offered

	Person *Person

	GroupTitle Text
	Groups     []Item
	Services   []Item
	Channels   []ChannelOption
	Service    *Item          // chosen service
	Channel    *ChannelOption // chosen channel

	Ticket   *TicketView
	Existing string // duplicate: the number already held

	// Closed screen.
	IssueFrom, IssueUntil, Close string
	OpensAt                      time.Time // next opening
	BookingText                  Text
	BookingURL                   string
	// ComeBackAt: appointment too early.
	ComeBackAt time.Time

	Materials []Item
	Material  *Item
	Preview   []byte // latest camera frame
	Review    []byte // page under review
	Pages     int    // pages kept so far
	MaxPages  int

	PINLength int // digits entered (never the digits)
	PINFor    string
	Tech      *TechView

	// Deadline is when the screen times out (zero: never).
	Deadline time.Time
}
