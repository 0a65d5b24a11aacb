package flow

import (
	"crypto/subtle"
	"strings"
	"time"

	"hallq/controller/hallproto"
	"hallq/drivers/idcard"
)

// Machine is the citizen journey. It is not safe for concurrent use: the
// glue calls Handle from one goroutine.
type Machine struct {
	cfg Config

	// Ambient state, kept across sessions. None of it is personal.
	services   []hallproto.Service
	snapshotAt time.Time
	waiting    map[string]int
	blocked    map[string]Text // refused by the controller since the last snapshot
	hall       Text
	bookingURL string
	issueFrom  string
	issueUntil string
	closeAt    string
	loc        *time.Location
	printer    PrinterState
	readerOK   bool
	camera     string // "", "camera_missing", "camera_broken"
	cameraUsed bool
	online     bool
	pending    int
	reported   string
	pinFails   int
	pinLocked  time.Time

	now time.Time
	out []Effect
	s   session
}

type purpose int

const (
	forTicket purpose = iota
	forDocuments
	forTechnician
)

type ack int

const (
	ackEnd ack = iota
	ackMenu
	ackChannel
	ackIdentify
	ackReview
	ackTechnician
)

// session is one citizen's journey; reset wipes it whole.
type session struct {
	active   bool
	screen   Screen
	large    bool
	purpose  purpose
	card     *Card
	staff    string
	group    string
	service  string
	channels []ChannelOption
	channel  int
	skipped  bool // the channel screen was skipped (one option)

	issueReq   string
	checkReq   string
	ticket     *hallproto.Ticket
	offline    bool
	appt       bool
	job        string
	printed    bool
	existing   string
	message    Text
	notice     Text
	onAck      ack
	comeBackAt time.Time
	deadline   time.Time

	material  string
	preview   []byte
	review    []byte
	pages     [][]byte
	broken    int
	cameraOn  bool
	uploadReq string

	pin      []byte
	pinFor   purpose
	techJob  string
	techCard bool
	result   Text
}

// New returns a machine on the attract (or closed) screen.
func New(cfg Config) *Machine {
	cfg.defaults()
	m := &Machine{cfg: cfg, waiting: map[string]int{}, blocked: map[string]Text{},
		issueFrom: cfg.IssueFrom, issueUntil: cfg.IssueUntil, closeAt: cfg.Close,
		loc: cfg.Location, bookingURL: cfg.BookingURL, printer: PrinterUnknown,
		readerOK: true, online: true}
	m.s = session{large: cfg.LargeText, channel: -1}
	m.reported = m.statusKey()
	return m
}

// Handle applies one event at time now and returns the effects to perform.
// It never blocks and never panics on any event sequence.
func (m *Machine) Handle(now time.Time, ev Event) []Effect {
	m.now = now
	m.out = nil
	m.expire()
	switch e := ev.(type) {
	case Tick:
	case Start:
		m.onStart()
	case NoIDCard:
		m.onNoIDCard()
	case ChooseGroup:
		m.onChooseGroup(e.ID)
	case ChooseService:
		m.onChooseService(e.ID)
	case ChooseChannel:
		m.onChooseChannel(e.Index)
	case Confirm:
		m.onConfirm()
	case Back:
		m.onBack()
	case StartOver:
		m.onStartOver()
	case ToggleLargeText:
		m.s.large = !m.s.large
		m.touch()
	case Acknowledge:
		if m.s.screen == ScreenMessage {
			m.acknowledge()
		}
	case TakeNormal:
		if m.s.screen == ScreenAppointment {
			m.s.message = Text{}
			m.gotoMenu()
		}
	case StartDocuments:
		m.onStartDocuments()
	case ChooseMaterial:
		m.onChooseMaterial(e.ID)
	case Capture:
		m.onCapture()
	case Retake:
		if m.s.screen == ScreenReview {
			m.s.review = nil
			m.setScreen(ScreenPreview)
		}
	case KeepPage:
		m.onKeepPage()
	case FinishDocuments:
		m.onFinishDocuments()
	case OpenTechnician:
		m.onOpenPIN(forTechnician)
	case StaffGreen:
		if m.s.screen == ScreenChannel && m.cfg.GreenPIN != "" {
			m.onOpenPIN(forTicket)
		}
	case PINDigit:
		if m.s.screen == ScreenPIN && e.Digit >= 0 && e.Digit <= 9 && len(m.s.pin) < 12 {
			m.s.pin = append(m.s.pin, byte('0'+e.Digit))
			m.touch()
		}
	case PINDelete:
		if m.s.screen == ScreenPIN && len(m.s.pin) > 0 {
			m.s.pin[len(m.s.pin)-1] = 0
			m.s.pin = m.s.pin[:len(m.s.pin)-1]
			m.touch()
		}
	case PINSubmit:
		m.onPINSubmit()
	case TechTestPrint:
		m.onTechTestPrint()
	case TechCardTest:
		if m.s.screen == ScreenTechnician {
			m.s.techCard = true
			m.s.result = txtPlaceCard
			m.emit(ReadCard{Test: true})
			m.touch()
		}
	case CardReading:
		m.onCardReading()
	case CardPlaced:
		m.onCardPlaced(e.Card)
	case CardFailed:
		m.onCardFailed(e)
	case CardRemoved:
		m.onCardRemoved()
	case ReaderState:
		m.readerOK = e.Online
	case StaffCard:
		m.onStaffCard(e.Staff)
	case CameraFrame:
		m.onCameraFrame(e.JPEG)
	case CameraBroken:
		m.onCameraFault("camera_broken")
	case CameraMissing:
		m.onCameraFault("camera_missing")
	case PrinterStatus:
		m.onPrinterStatus(e.State)
	case PrintDone:
		m.onPrintDone(e.Job)
	case PrintFailed:
		m.onPrintFailed(e.Job, e.State)
	case ServicesUpdated:
		m.onServices(e.Services)
	case QueuesUpdated:
		m.waiting = map[string]int{}
		for _, q := range e.Queues.Services {
			m.waiting[q.Service] = q.Total
		}
	case HallInfo:
		m.onHallInfo(e)
	case IssueSucceeded:
		m.onIssued(e.RequestID, e.Ticket, e.Offline, false)
	case CheckInSucceeded:
		if e.RequestID != "" && e.RequestID == m.s.checkReq {
			m.onIssued(e.RequestID, e.Ticket, false, true)
		}
	case IssueFailed:
		m.onIssueFailed(e)
	case CheckInFailed:
		m.onCheckInFailed(e)
	case UploadDone:
		m.onUploadDone(e.RequestID)
	case UploadFailed:
		m.onUploadFailed(e.RequestID)
	case LinkState:
		m.online, m.pending = e.Online, max(e.Pending, 0)
	}
	m.hours()
	m.report()
	// The effects may carry card data; the machine keeps no reference.
	out := m.out
	m.out = nil
	return out
}

func (m *Machine) emit(e Effect) { m.out = append(m.out, e) }

// touch restarts the idle timer: the citizen is still there.
func (m *Machine) touch() {
	if m.s.active {
		m.s.deadline = m.now.Add(m.timeout(m.s.screen))
	}
}

func (m *Machine) timeout(s Screen) time.Duration {
	switch s {
	case ScreenAttract, ScreenClosed:
		return 0
	case ScreenCheckingIn, ScreenIssuing, ScreenUploading:
		return m.cfg.IssueTimeout
	case ScreenPrinting:
		return m.cfg.PrintTimeout
	case ScreenDone, ScreenMessage, ScreenUploaded:
		return m.cfg.DoneTimeout
	}
	return m.cfg.IdleTimeout
}

func (m *Machine) setScreen(s Screen) {
	m.s.screen = s
	m.s.notice = Text{}
	m.touch()
}

// begin starts a session if none is running.
func (m *Machine) begin(p purpose) {
	if m.s.active {
		return
	}
	m.s.active = true
	m.s.purpose = p
	m.emit(Busy{On: true})
}

// end finishes the session and forgets everything about the citizen.
func (m *Machine) end() {
	if !m.s.active {
		return
	}
	if m.s.cameraOn {
		m.emit(StopCamera{})
	}
	wipe(m.s.pin)
	m.s = session{large: m.cfg.LargeText, channel: -1, screen: ScreenAttract}
	if !m.open() {
		m.s.screen = ScreenClosed
	}
	m.emit(ClearPersonalData{})
	m.emit(Busy{On: false})
}

func wipe(b []byte) {
	for i := range b {
		b[i] = 0
	}
}

func (m *Machine) expire() {
	if !m.s.active || m.s.deadline.IsZero() || m.now.Before(m.s.deadline) {
		return
	}
	switch m.s.screen {
	case ScreenIssuing:
		// The answer may still come: the message screen accepts it (see
		// onIssued) so that a ticket issued late is still printed.
		m.message(txtIssueUnfinished, ackEnd)
	case ScreenCheckingIn:
		// checkReq stays: a late check-in still prints the appointment's
		// ticket (onIssued) rather than leave it unclaimed in the queue.
		m.gotoMenu()
		m.s.notice = txtApptUnavailable
	case ScreenPrinting:
		m.s.screen = ScreenPrintProblem
		m.s.message = txtNotPrinted(m.s.ticket.Number, PrinterUnknown)
		m.touch()
	case ScreenUploading:
		m.message(txtUploadLost, ackEnd)
	default:
		m.end()
	}
}

func (m *Machine) message(t Text, a ack) {
	m.s.message = t
	m.s.onAck = a
	m.setScreen(ScreenMessage)
}

func (m *Machine) acknowledge() {
	m.s.message = Text{}
	switch m.s.onAck {
	case ackMenu:
		m.gotoMenu()
	case ackChannel:
		m.gotoChannel()
	case ackIdentify:
		m.gotoIdentify()
	case ackReview:
		if len(m.s.pages) == 0 {
			m.end()
			return
		}
		m.s.review = nil
		m.setScreen(ScreenReview)
	case ackTechnician:
		m.setScreen(ScreenTechnician)
	default:
		m.end()
	}
}

// open reports whether tickets are issued now by the hall's hours.
func (m *Machine) open() bool { return inHours(m.now, m.loc, m.issueFrom, m.issueUntil) }

func inHours(t time.Time, loc *time.Location, from, until string) bool {
	f, u := minutes(from), minutes(until)
	if f < 0 || u < 0 {
		return true // a bad configuration must not lock the hall out
	}
	l := t.In(loc)
	min := l.Hour()*60 + l.Minute()
	return min >= f && min < u
}

// hours switches between the attract and closed screens by the clock, so
// issuing resumes at opening time without anybody touching the kiosk.
func (m *Machine) hours() {
	if m.s.active {
		return
	}
	want := ScreenClosed
	if m.open() {
		want = ScreenAttract
	}
	if m.s.screen != want {
		m.s.screen, m.s.notice = want, Text{}
	}
}

func (m *Machine) onStart() {
	if m.s.active || m.s.screen != ScreenAttract {
		if m.s.screen == ScreenClosed {
			m.s.notice = txtClosedCard
		}
		return
	}
	m.begin(forTicket)
	m.gotoIdentify()
}

func (m *Machine) gotoIdentify() {
	m.setScreen(ScreenIdentify)
	if !m.readerOK {
		m.s.notice = txtReaderOffline
	}
	m.emit(ReadCard{})
}

func (m *Machine) onNoIDCard() {
	switch m.s.screen {
	case ScreenAttract:
		m.begin(forTicket)
	case ScreenIdentify:
		if m.s.purpose == forDocuments {
			m.s.notice = txtNeedCardForDoc
			m.emit(Beep{BeepError})
			return
		}
	default:
		return
	}
	m.gotoMenu()
}

// gotoMenu shows the first menu level (or the only one).
func (m *Machine) gotoMenu() {
	m.s.service, m.s.channels, m.s.channel = "", nil, -1
	if len(m.groups()) > 1 {
		m.s.group = ""
		m.setScreen(ScreenGroups)
		return
	}
	m.s.group = ""
	m.setScreen(ScreenServices)
}

func (m *Machine) service(id string) *hallproto.Service {
	for i := range m.services {
		if m.services[i].ID == id {
			return &m.services[i]
		}
	}
	return nil
}

type group struct {
	id       string
	name     Text
	services []string
}

// groups resolves the configured groups against the snapshot; services in
// no group form a last "other" group.
func (m *Machine) groups() []group {
	var gs []group
	seen := map[string]bool{}
	for _, g := range m.cfg.Groups {
		ng := group{id: g.ID, name: g.Name}
		for _, id := range g.Services {
			if m.service(id) != nil && !seen[id] {
				seen[id] = true
				ng.services = append(ng.services, id)
			}
		}
		if len(ng.services) > 0 {
			gs = append(gs, ng)
		}
	}
	other := group{id: "", name: txtOtherGroup}
	for _, s := range m.services {
		if !seen[s.ID] {
			other.services = append(other.services, s.ID)
		}
	}
	if len(other.services) > 0 {
		if len(gs) == 0 {
			other.name = Text{}
		}
		gs = append(gs, other)
	}
	return gs
}

func (m *Machine) onChooseGroup(id string) {
	if m.s.screen != ScreenGroups {
		return
	}
	for _, g := range m.groups() {
		if g.id == id {
			if r, ok := m.groupBlocked(g); ok {
				m.s.notice = r
				m.emit(Beep{BeepError})
				m.touch()
				return
			}
			m.s.group = id
			m.setScreen(ScreenServices)
			return
		}
	}
}

func (m *Machine) groupBlocked(g group) (Text, bool) {
	var why Text
	for _, id := range g.services {
		r, blocked := m.serviceBlocked(id)
		if !blocked {
			return Text{}, false
		}
		if why.ZH == "" {
			why = r
		}
	}
	return why, true
}

// serviceBlocked says why a service cannot be chosen now.
func (m *Machine) serviceBlocked(id string) (Text, bool) {
	s := m.service(id)
	if s == nil {
		return txtServiceRefused, true
	}
	if m.printer != PrinterOK {
		return printerText(m.printer), true
	}
	if r, ok := m.blocked[id]; ok {
		return r, true
	}
	from, until := s.IssueFrom, s.IssueUntil
	if from == "" {
		from = m.issueFrom
	}
	if until == "" {
		until = m.issueUntil
	}
	if !s.Issuing {
		// A snapshot taken outside the issue hours is stale once they
		// begin: the clock, not a refresh, reopens the service.
		stale := !m.snapshotAt.IsZero() && !inHours(m.snapshotAt, m.loc, from, until) &&
			inHours(m.now, m.loc, from, until)
		if !stale {
			if s.NotIssuingWhy != "" {
				return Text{s.NotIssuingWhy, txtNotIssuing.EN}, true
			}
			return txtNotIssuing, true
		}
	}
	if !inHours(m.now, m.loc, from, until) {
		l := m.now.In(m.loc)
		if l.Hour()*60+l.Minute() < minutes(from) {
			return txtOpensAt(from), true
		}
		return txtIssueEnded, true
	}
	if !accepts(s, hallproto.Normal) && !accepts(s, hallproto.Love) && !accepts(s, hallproto.Green) {
		return txtApptOnly, true
	}
	return Text{}, false
}

func accepts(s *hallproto.Service, c hallproto.Channel) bool {
	if len(s.Channels) == 0 {
		return true
	}
	for _, x := range s.Channels {
		if x == c {
			return true
		}
	}
	return false
}

func (m *Machine) onChooseService(id string) {
	if m.s.screen != ScreenServices || !m.inGroup(id) {
		return
	}
	if r, blocked := m.serviceBlocked(id); blocked {
		m.s.notice = r
		m.emit(Beep{BeepError})
		m.touch()
		return
	}
	m.s.service = id
	m.gotoChannel()
}

func (m *Machine) inGroup(id string) bool {
	for _, g := range m.groups() {
		if len(m.groups()) > 1 && g.id != m.s.group {
			continue
		}
		for _, s := range g.services {
			if s == id {
				return true
			}
		}
	}
	return false
}

// gotoChannel offers the channels of the chosen service, or goes straight
// to confirm when there is nothing to choose.
func (m *Machine) gotoChannel() {
	s := m.service(m.s.service)
	if s == nil {
		m.message(txtServiceClosed, ackMenu)
		return
	}
	m.s.channels = m.channelOptions(s)
	m.s.channel = -1
	enabled := -1
	for i, o := range m.s.channels {
		if o.Enabled {
			if enabled >= 0 {
				enabled = -2
				break
			}
			enabled = i
		}
	}
	if len(m.s.channels) == 1 && enabled == 0 {
		m.s.channel, m.s.skipped = 0, true
		m.setScreen(ScreenConfirm)
		return
	}
	m.s.skipped = false
	m.setScreen(ScreenChannel)
}

func (m *Machine) person() *Person {
	c := m.s.card
	if c == nil {
		return nil
	}
	age := ageOn(c, m.now, m.loc)
	love := age >= 0 && (age >= m.cfg.LoveAgeFrom || (m.cfg.LoveAgeUnder > 0 && age < m.cfg.LoveAgeUnder))
	return &Person{MaskedName: idcard.MaskName(c.Name), Age: age, Love: love}
}

func (m *Machine) channelOptions(s *hallproto.Service) []ChannelOption {
	var opts []ChannelOption
	p := m.person()
	refused := func(c hallproto.Channel) Text {
		if accepts(s, c) {
			return Text{}
		}
		return txtChRefused
	}
	if p != nil && p.Love {
		opts = append(opts, ChannelOption{Channel: hallproto.Love, Name: txtChLove, Note: txtByAge,
			Enabled: accepts(s, hallproto.Love), Reason: refused(hallproto.Love), Recommended: accepts(s, hallproto.Love)})
	}
	opts = append(opts, ChannelOption{Channel: hallproto.Normal, Name: txtChNormal,
		Enabled: accepts(s, hallproto.Normal), Reason: refused(hallproto.Normal)})
	if p == nil || !p.Love {
		for _, c := range m.cfg.Categories {
			opts = append(opts, ChannelOption{Channel: hallproto.Love, Category: c.ID, Name: c.Name,
				Note: txtUnverified, Unverified: true, Enabled: accepts(s, hallproto.Love), Reason: refused(hallproto.Love)})
		}
	}
	if m.s.staff != "" {
		opts = append(opts, ChannelOption{Channel: hallproto.Green, Name: txtChGreen,
			Enabled: accepts(s, hallproto.Green), Reason: refused(hallproto.Green)})
	}
	return opts
}

func (m *Machine) onChooseChannel(i int) {
	if m.s.screen != ScreenChannel || i < 0 || i >= len(m.s.channels) {
		return
	}
	if !m.s.channels[i].Enabled {
		m.s.notice = m.s.channels[i].Reason
		m.emit(Beep{BeepError})
		m.touch()
		return
	}
	m.s.channel = i
	m.setScreen(ScreenConfirm)
}

func (m *Machine) onConfirm() {
	if m.s.screen != ScreenConfirm || m.s.issueReq != "" || m.s.ticket != nil ||
		m.s.channel < 0 || m.s.channel >= len(m.s.channels) {
		return
	}
	if r, blocked := m.serviceBlocked(m.s.service); blocked {
		if m.printer != PrinterOK {
			m.message(r, ackMenu)
		} else {
			m.message(Text{txtServiceClosed.ZH + "（" + r.ZH + "）", txtServiceClosed.EN + " (" + r.EN + ")"}, ackMenu)
		}
		return
	}
	o := m.s.channels[m.s.channel]
	req := IssueTicket{RequestID: m.cfg.NewRequestID(m.now), Service: m.s.service,
		Channel: o.Channel, Category: o.Category, IDCard: m.wireCard()}
	if o.Channel == hallproto.Green {
		req.Staff = m.s.staff
	}
	m.s.issueReq = req.RequestID
	m.emit(req)
	m.setScreen(ScreenIssuing)
}

func (m *Machine) wireCard() *hallproto.IDCard {
	c := m.s.card
	if c == nil {
		return nil
	}
	id := &hallproto.IDCard{Number: c.Number, Name: c.Name}
	if b := birth(c); !b.IsZero() {
		id.BirthDate = b.Format("2006-01-02")
	}
	return id
}

func (m *Machine) onIssued(req string, t hallproto.Ticket, offline, appt bool) {
	if req == "" || m.s.ticket != nil {
		return
	}
	if appt {
		if m.s.screen == ScreenIssuing || m.s.screen == ScreenPrinting {
			return // a normal ticket is already on its way; staff see both
		}
	} else if req != m.s.issueReq {
		return
	}
	ticket := t
	m.s.ticket, m.s.offline, m.s.appt = &ticket, offline, appt
	m.s.message = Text{}
	m.print()
}

// print prints the session's ticket once; a printer that is not ready
// means the number is shown and staff serve it.
func (m *Machine) print() {
	if m.s.printed || m.s.ticket == nil {
		return
	}
	m.s.printed = true
	if m.printer != PrinterOK {
		m.s.message = txtNotPrinted(m.s.ticket.Number, m.printer)
		m.setScreen(ScreenPrintProblem)
		m.emit(Beep{BeepError})
		return
	}
	m.s.job = m.s.issueReq + m.s.checkReq + "/print"
	m.emit(Print{Job: m.s.job, Ticket: *m.s.ticket, Offline: m.s.offline})
	m.setScreen(ScreenPrinting)
}

func (m *Machine) onPrintDone(job string) {
	if job == "" {
		return
	}
	if job == m.s.techJob {
		m.s.techJob, m.s.result = "", txtTestPrinted
		return
	}
	if job != m.s.job || (m.s.screen != ScreenPrinting && m.s.screen != ScreenPrintProblem) {
		return
	}
	m.s.message = Text{}
	m.setScreen(ScreenDone)
	if m.s.appt {
		m.s.notice = txtCheckedIn
	}
	m.emit(Beep{BeepOK})
}

func (m *Machine) onPrintFailed(job string, st PrinterState) {
	if job == "" {
		return
	}
	if st != PrinterOK && st != PrinterUnknown {
		m.printer = st
	}
	if job == m.s.techJob {
		m.s.techJob = ""
		w := printerWhy(st)
		m.s.result = Text{"测试打印失败：" + w.ZH, "Test print failed: " + w.EN}
		return
	}
	if job != m.s.job || m.s.screen != ScreenPrinting {
		return
	}
	m.s.message = txtNotPrinted(m.s.ticket.Number, st)
	m.setScreen(ScreenPrintProblem)
	m.emit(Beep{BeepError})
}

func (m *Machine) onIssueFailed(e IssueFailed) {
	if e.RequestID == "" || e.RequestID != m.s.issueReq || m.s.ticket != nil {
		return
	}
	m.s.issueReq = ""
	ctrl := Text{e.Message, e.MessageEN}
	if ctrl.ZH == "" {
		ctrl = txtIssueFailed
	} else if ctrl.EN == "" {
		ctrl.EN = txtIssueFailed.EN
	}
	switch {
	case e.Network:
		m.message(txtIssueFailed, ackEnd)
	case e.Code == "duplicate_ticket":
		n := e.Existing
		if n == "" {
			n = between(e.Message, "（", "）")
		}
		m.s.existing = n
		m.message(txtDuplicate(n), ackMenu)
	case e.Code == "not_issuing" || e.Code == "daily_cap" || e.Code == "numbers_exhausted" || e.Code == "unknown_service":
		m.blocked[m.s.service] = ctrl
		m.message(ctrl, ackMenu)
	case e.Code == "channel_refused" || e.Code == "green_needs_staff" || e.Code == "invalid":
		if e.Code == "green_needs_staff" {
			m.s.staff = ""
		}
		m.message(ctrl, ackChannel)
	case e.Code == "bad_idcard":
		m.s.card = nil
		m.message(ctrl, ackEnd)
	default:
		m.message(ctrl, ackEnd)
	}
	m.emit(Beep{BeepError})
}

func between(s, open, close string) string {
	i := strings.Index(s, open)
	if i < 0 {
		return ""
	}
	s = s[i+len(open):]
	j := strings.Index(s, close)
	if j < 0 || j > 16 {
		return ""
	}
	return s[:j]
}

func (m *Machine) onCheckInFailed(e CheckInFailed) {
	if e.RequestID == "" || e.RequestID != m.s.checkReq || m.s.screen != ScreenCheckingIn {
		return
	}
	m.s.checkReq = ""
	switch {
	case e.Network:
		m.gotoMenu()
		m.s.notice = txtApptUnavailable
	case e.Code == "no_appointment":
		m.gotoMenu()
	case e.Code == "appointment_early":
		at := e.ComeBackAt
		hm := ""
		if !at.IsZero() {
			hm = at.In(m.loc).Format("15:04")
		} else if hm = findHM(e.Message); hm != "" {
			l := m.now.In(m.loc)
			at = time.Date(l.Year(), l.Month(), l.Day(), 0, minutes(hm), 0, 0, m.loc)
		}
		m.s.comeBackAt = at
		m.s.message = txtApptEarly(hm)
		m.setScreen(ScreenAppointment)
	case e.Code == "appointment_lapsed":
		m.s.message = txtApptLapsed
		m.setScreen(ScreenAppointment)
	default:
		m.gotoMenu()
		m.s.notice = txtApptUnavailable
	}
}

// findHM finds the first "HH:MM" in s.
func findHM(s string) string {
	for i := 0; i+5 <= len(s); i++ {
		if minutes(s[i:i+5]) >= 0 {
			return s[i : i+5]
		}
	}
	return ""
}

func (m *Machine) onBack() {
	switch m.s.screen {
	case ScreenIdentify, ScreenGroups, ScreenAppointment, ScreenDone, ScreenPrintProblem,
		ScreenUploaded, ScreenTechnician:
		m.end()
	case ScreenServices:
		if len(m.groups()) > 1 {
			m.gotoMenu()
		} else {
			m.end()
		}
	case ScreenChannel:
		m.s.channels, m.s.channel = nil, -1
		m.setScreen(ScreenServices)
	case ScreenConfirm:
		if m.s.skipped {
			m.s.channels, m.s.channel = nil, -1
			m.setScreen(ScreenServices)
		} else {
			m.s.channel = -1
			m.setScreen(ScreenChannel)
		}
	case ScreenMessage:
		m.acknowledge()
	case ScreenMaterial:
		if m.s.ticket != nil {
			m.setScreen(ScreenDone)
		} else {
			m.end()
		}
	case ScreenPreview:
		m.stopCamera()
		m.s.preview = nil
		m.setScreen(ScreenMaterial)
	case ScreenReview:
		m.s.review = nil
		m.setScreen(ScreenPreview)
	case ScreenPIN:
		wipe(m.s.pin)
		m.s.pin = nil
		if m.s.pinFor == forTicket {
			m.gotoChannel()
		} else {
			m.end()
		}
	}
}

// busy screens wait for a device or the controller: leaving them could
// lose a ticket, so "start over" waits too.
func busy(s Screen) bool {
	return s == ScreenIssuing || s == ScreenPrinting || s == ScreenCheckingIn || s == ScreenUploading
}

func (m *Machine) onStartOver() {
	if !m.s.active {
		return
	}
	if busy(m.s.screen) {
		m.s.notice = txtPleaseWait
		return
	}
	m.end()
}

func (m *Machine) onCardReading() {
	if m.s.techCard && m.s.screen == ScreenTechnician {
		m.s.result = txtReading
		return
	}
	switch m.s.screen {
	case ScreenAttract:
		m.begin(forTicket)
	case ScreenIdentify:
	default:
		return
	}
	m.setScreen(ScreenReading)
}

func (m *Machine) onCardRemoved() {
	if m.s.screen == ScreenReading {
		m.message(txtCardPulled, ackIdentify)
		m.emit(Beep{BeepError})
	}
}

func cardText(e CardFailed) Text {
	var t Text
	switch e.Err {
	case CardPulled:
		t = txtCardPulled
	case CardFake:
		t = txtCardFake
	case CardExpired:
		t = txtCardExpired
	case CardInvalid:
		t = txtCardInvalid
	case CardUnsupported:
		t = txtCardType
	case CardReaderFault:
		t = txtReaderFault
	default:
		t = txtCardAgain
	}
	if e.Message != "" && len(e.Message) < 200 {
		t.ZH = e.Message
	}
	return t
}

func (m *Machine) onCardFailed(e CardFailed) {
	if m.s.techCard && m.s.screen == ScreenTechnician {
		m.s.techCard = false
		m.s.result = cardText(e)
		return
	}
	switch m.s.screen {
	case ScreenAttract:
		m.begin(forTicket)
	case ScreenIdentify, ScreenReading:
	default:
		return
	}
	m.message(cardText(e), ackIdentify)
	m.emit(Beep{BeepError})
}

func (m *Machine) onCardPlaced(c Card) {
	c.Photo = nil // never needed: a photo is never kept
	if m.s.screen == ScreenTechnician {
		if m.s.techCard {
			m.s.techCard = false
			m.s.result = txtCardOK(idcard.MaskName(c.Name))
			m.emit(Beep{BeepOK})
		}
		return
	}
	switch m.s.screen {
	case ScreenDone, ScreenUploaded:
		// The last citizen has gone; this is the next one.
		m.end()
	case ScreenPIN, ScreenIssuing, ScreenPrinting, ScreenCheckingIn, ScreenUploading,
		ScreenPrintProblem, ScreenMessage:
		if m.s.card != nil && m.s.card.Number != c.Number {
			m.s.notice = txtSecondCard
		}
		return
	}
	if m.s.card != nil {
		if m.s.card.Number != c.Number {
			m.s.notice = txtSecondCard
			m.emit(Beep{BeepError})
		}
		return
	}
	switch m.s.screen {
	case ScreenAttract, ScreenIdentify, ScreenReading, ScreenClosed:
	default:
		// The "no ID card" path is under way; a card now would change the
		// channel options behind the citizen's back.
		m.s.notice = txtCardNotNow
		return
	}
	if m.s.screen == ScreenClosed && !m.s.active {
		m.s.notice = txtClosedCard
		return
	}
	if fail, bad := m.checkCard(&c); bad {
		m.begin(forTicket)
		m.message(cardText(CardFailed{Err: fail}), ackIdentify)
		m.emit(Beep{BeepError})
		return
	}
	m.begin(forTicket)
	m.s.card = &c
	m.emit(Beep{BeepOK})
	if p := m.person(); p != nil && p.Love {
		m.s.large = true
	}
	switch {
	case m.s.purpose == forDocuments:
		m.gotoMaterial()
	case *m.cfg.CheckIn && m.open():
		m.s.checkReq = m.cfg.NewRequestID(m.now)
		m.emit(CheckInAppointment{RequestID: m.s.checkReq, IDCard: *m.wireCard()})
		m.setScreen(ScreenCheckingIn)
	default:
		m.gotoMenu()
	}
}

// checkCard refuses cards the journey cannot use: no number, expired.
func (m *Machine) checkCard(c *Card) (CardError, bool) {
	if len(c.Number) < 8 || len(c.Number) > 32 || len(c.Name) > 200 {
		return CardInvalid, true
	}
	if !c.NoExpiry && !c.ValidTo.IsZero() {
		l := m.now.In(m.loc)
		today := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
		v := time.Date(c.ValidTo.Year(), c.ValidTo.Month(), c.ValidTo.Day(), 0, 0, 0, 0, time.UTC)
		if v.Before(today) {
			return CardExpired, true
		}
	}
	return 0, false
}

// birth is the card's birth date, or the one in an 18-character number.
func birth(c *Card) time.Time {
	if !c.Birth.IsZero() {
		return c.Birth
	}
	if len(c.Number) != 18 {
		return time.Time{}
	}
	t, err := time.Parse("20060102", c.Number[6:14])
	if err != nil {
		return time.Time{}
	}
	return t
}

// ageOn is the age in whole years on the hall's current day, or -1.
func ageOn(c *Card, now time.Time, loc *time.Location) int {
	b := birth(c)
	if b.IsZero() {
		return -1
	}
	l := now.In(loc)
	age := l.Year() - b.Year()
	if l.Month() < b.Month() || (l.Month() == b.Month() && l.Day() < b.Day()) {
		age--
	}
	if age < 0 || age > 150 {
		return -1
	}
	return age
}

func (m *Machine) onStaffCard(staff string) {
	if !m.s.active || staff == "" || m.s.ticket != nil {
		return
	}
	m.s.staff = staff
	if m.s.screen == ScreenChannel {
		m.gotoChannel()
	}
	if m.s.screen == ScreenChannel || m.s.screen == ScreenConfirm {
		m.s.notice = txtGreenOn
	}
}

func (m *Machine) onPrinterStatus(st PrinterState) {
	m.printer = st
	if m.s.screen == ScreenServices || m.s.screen == ScreenGroups {
		m.touch()
	}
}

func (m *Machine) onServices(ss []hallproto.Service) {
	m.services = append([]hallproto.Service(nil), ss...)
	m.snapshotAt = m.now
	m.blocked = map[string]Text{}
	if m.s.service == "" || m.s.ticket != nil || m.s.issueReq != "" {
		return
	}
	if m.s.screen == ScreenChannel || m.s.screen == ScreenConfirm {
		if _, blocked := m.serviceBlocked(m.s.service); blocked {
			m.message(txtServiceClosed, ackMenu)
		}
	}
}

func (m *Machine) onHallInfo(h HallInfo) {
	if h.Name.ZH != "" {
		m.hall = h.Name
	}
	if minutes(h.IssueFrom) >= 0 {
		m.issueFrom = h.IssueFrom
	}
	if minutes(h.IssueUntil) >= 0 {
		m.issueUntil = h.IssueUntil
	}
	if minutes(h.Close) >= 0 {
		m.closeAt = h.Close
	}
	if h.Location != nil {
		m.loc = h.Location
	}
	if h.BookingURL != "" {
		m.bookingURL = h.BookingURL
	}
}

// Document capture.

func (m *Machine) docsOffered() bool { return len(m.cfg.Materials) > 0 }

func (m *Machine) onStartDocuments() {
	if !m.docsOffered() {
		return
	}
	switch m.s.screen {
	case ScreenAttract, ScreenClosed:
		m.begin(forDocuments)
		m.s.purpose = forDocuments
		m.gotoIdentify()
	case ScreenIdentify:
		m.s.purpose = forDocuments
		m.touch()
	case ScreenDone, ScreenGroups, ScreenServices:
		// An offline ticket has no controller id until it is replayed, so
		// pages can be bound only to the card; without one, ask for it.
		if !m.boundTicket() && m.s.card == nil {
			m.s.purpose = forDocuments
			m.gotoIdentify()
			return
		}
		m.s.purpose = forDocuments
		m.gotoMaterial()
	}
}

// boundTicket: the session's ticket is known to the controller, so
// documents can be bound to it.
func (m *Machine) boundTicket() bool { return m.s.ticket != nil && m.s.ticket.ID != 0 }

func (m *Machine) gotoMaterial() {
	m.s.material = ""
	m.setScreen(ScreenMaterial)
}

func (m *Machine) onChooseMaterial(id string) {
	if m.s.screen != ScreenMaterial {
		return
	}
	for _, mat := range m.cfg.Materials {
		if mat.ID == id {
			m.s.material = id
			m.s.broken = 0
			m.s.preview = nil
			m.setScreen(ScreenPreview)
			if !m.s.cameraOn {
				m.s.cameraOn = true
				m.cameraUsed = true
				m.emit(StartCamera{})
			}
			return
		}
	}
}

func (m *Machine) stopCamera() {
	if m.s.cameraOn {
		m.s.cameraOn = false
		m.emit(StopCamera{})
	}
}

func (m *Machine) onCameraFrame(jpeg []byte) {
	if !m.s.cameraOn || len(jpeg) == 0 {
		return
	}
	m.camera = ""
	m.s.broken = 0
	if m.s.screen == ScreenPreview {
		m.s.preview = jpeg
	}
}

func (m *Machine) onCameraFault(problem string) {
	if !m.s.cameraOn {
		if problem == "camera_missing" {
			m.camera = problem
		}
		return
	}
	if problem == "camera_broken" {
		m.s.broken++
		if m.s.broken < m.cfg.BrokenFrames {
			return
		}
	}
	m.camera = problem
	m.stopCamera()
	m.s.preview, m.s.review = nil, nil
	t := txtCameraBroken
	if problem == "camera_missing" {
		t = txtCameraMissing
	}
	m.message(t, ackReview)
	m.emit(Beep{BeepError})
}

func (m *Machine) onCapture() {
	if m.s.screen != ScreenPreview {
		return
	}
	if len(m.s.preview) == 0 {
		m.s.notice = txtNoFrame
		m.touch()
		return
	}
	m.s.review = m.s.preview
	m.setScreen(ScreenReview)
}

func (m *Machine) onKeepPage() {
	if m.s.screen != ScreenReview || m.s.review == nil {
		return
	}
	if len(m.s.pages) >= m.cfg.MaxPages {
		m.s.notice = txtPageLimit
		m.touch()
		return
	}
	m.s.pages = append(m.s.pages, m.s.review)
	m.s.review = nil
	m.s.preview = nil
	if !m.s.cameraOn {
		// The camera failed earlier; the kept pages can still be uploaded.
		m.setScreen(ScreenReview)
		return
	}
	m.setScreen(ScreenPreview)
}

func (m *Machine) onFinishDocuments() {
	if m.s.screen != ScreenReview {
		return
	}
	if m.s.review != nil && len(m.s.pages) < m.cfg.MaxPages {
		m.s.pages = append(m.s.pages, m.s.review)
	}
	m.s.review = nil
	if len(m.s.pages) == 0 {
		m.s.notice = txtNoPages
		m.touch()
		return
	}
	m.stopCamera()
	m.s.preview = nil
	if m.s.uploadReq == "" {
		m.s.uploadReq = m.cfg.NewRequestID(m.now)
	}
	up := UploadDocument{RequestID: m.s.uploadReq, Material: m.s.material,
		Pages: append([][]byte(nil), m.s.pages...)}
	if m.boundTicket() {
		up.TicketID = m.s.ticket.ID
	} else {
		up.IDCard = m.wireCard()
	}
	m.emit(up)
	m.setScreen(ScreenUploading)
}

func (m *Machine) onUploadDone(req string) {
	if req == "" || req != m.s.uploadReq || m.s.screen != ScreenUploading {
		return
	}
	m.s.pages, m.s.uploadReq = nil, ""
	m.setScreen(ScreenUploaded)
	m.emit(Beep{BeepOK})
}

func (m *Machine) onUploadFailed(req string) {
	if req == "" || req != m.s.uploadReq || m.s.screen != ScreenUploading {
		return
	}
	// The pages stay for a retry with the same request id.
	m.message(txtUploadFailed, ackReview)
	m.emit(Beep{BeepError})
}

// Technician and staff PIN pad.

func (m *Machine) onOpenPIN(p purpose) {
	pin := m.cfg.TechPIN
	if p == forTicket {
		pin = m.cfg.GreenPIN
	} else if m.s.active || pin == "" {
		return
	}
	if pin == "" {
		return
	}
	m.begin(forTechnician)
	m.s.pinFor = p
	m.s.pin = nil
	if m.now.Before(m.pinLocked) {
		m.message(txtPINLocked, m.pinAck())
		return
	}
	m.setScreen(ScreenPIN)
}

func (m *Machine) pinAck() ack {
	if m.s.pinFor == forTicket {
		return ackChannel
	}
	return ackEnd
}

func (m *Machine) onPINSubmit() {
	if m.s.screen != ScreenPIN {
		return
	}
	want := m.cfg.TechPIN
	if m.s.pinFor == forTicket {
		want = m.cfg.GreenPIN
	}
	ok := !m.now.Before(m.pinLocked) && want != "" &&
		subtle.ConstantTimeCompare(m.s.pin, []byte(want)) == 1
	wipe(m.s.pin)
	m.s.pin = nil
	if !ok {
		m.pinFails++
		if m.pinFails >= m.cfg.PINFailures {
			m.pinFails = 0
			m.pinLocked = m.now.Add(m.cfg.PINLockout)
			m.message(txtPINLocked, m.pinAck())
			return
		}
		m.s.notice = txtWrongPIN
		m.emit(Beep{BeepError})
		m.touch()
		return
	}
	m.pinFails = 0
	if m.s.pinFor == forTicket {
		m.s.staff = "pin"
		m.gotoChannel()
		m.s.notice = txtGreenOn
		return
	}
	m.s.result = Text{}
	m.setScreen(ScreenTechnician)
}

func (m *Machine) onTechTestPrint() {
	if m.s.screen != ScreenTechnician || m.s.techJob != "" {
		return
	}
	m.s.techJob = m.cfg.NewRequestID(m.now) + "/test"
	m.s.result = txtTestPrinting
	m.emit(Print{Job: m.s.techJob, Test: true, Ticket: hallproto.Ticket{Number: "TEST",
		ServiceName: "测试打印 Test print", Channel: hallproto.Normal, IssuedAt: m.now}})
	m.touch()
}

// Device status reports.

func (m *Machine) problems() []string {
	var p []string
	switch m.printer {
	case PrinterPaperEnd:
		p = append(p, "printer_paper_end")
	case PrinterCoverOpen:
		p = append(p, "printer_cover_open")
	case PrinterOffline:
		p = append(p, "printer_offline")
	}
	if !m.readerOK {
		p = append(p, "reader_offline")
	}
	if m.camera != "" {
		p = append(p, m.camera)
	}
	return p
}

func (m *Machine) statusKey() string { return strings.Join(m.problems(), ",") }

func (m *Machine) report() {
	k := m.statusKey()
	if k == m.reported {
		return
	}
	m.reported = k
	st := "ok"
	p := m.problems()
	if len(p) > 0 {
		st = "degraded"
	}
	m.emit(ReportStatus{State: st, Problems: p})
}
