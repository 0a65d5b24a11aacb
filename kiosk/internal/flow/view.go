package flow

import (
	"time"

	"hallq/controller/hallproto"
	"hallq/drivers/idcard"
)

// State returns what the UI renders now. The value shares no memory with
// the machine except the camera frames and pages (read-only for the UI).
func (m *Machine) State() State {
	s := &m.s
	v := State{
		Screen:       s.screen,
		LargeText:    s.large,
		Message:      s.message,
		Notice:       s.notice,
		Hall:         m.hall,
		CanBack:      s.active && !busy(s.screen) && s.screen != ScreenReading,
		CanStartOver: s.active && !busy(s.screen),
		CanDocuments: m.docsOffered(),
		Existing:     s.existing,
		Deadline:     s.deadline,
		MaxPages:     m.cfg.MaxPages,
	}
	if m.printer != PrinterOK {
		v.Banner = printerText(m.printer)
	}
	switch s.screen {
	case ScreenIdentify:
		v.CanNoIDCard = s.purpose == forTicket
	case ScreenClosed:
		v.IssueFrom, v.IssueUntil, v.Close = m.issueFrom, m.issueUntil, m.closeAt
		v.OpensAt = m.nextOpening()
		v.BookingText, v.BookingURL = m.cfg.BookingText, m.bookingURL
	case ScreenAppointment:
		v.ComeBackAt = s.comeBackAt
	case ScreenGroups:
		for _, g := range m.groups() {
			why, blocked := m.groupBlocked(g)
			v.Groups = append(v.Groups, Item{ID: g.id, Name: g.name, Enabled: !blocked, Reason: why})
		}
	case ScreenServices:
		for _, g := range m.groups() {
			if len(m.groups()) > 1 && g.id != s.group {
				continue
			}
			v.GroupTitle = g.name
			for _, id := range g.services {
				v.Services = append(v.Services, m.serviceItem(id))
			}
		}
		if len(m.services) == 0 {
			v.Notice = txtLoading
		}
	case ScreenMaterial:
		for _, mat := range m.cfg.Materials {
			v.Materials = append(v.Materials, Item{ID: mat.ID, Name: mat.Name, Enabled: true})
		}
	case ScreenPIN:
		v.PINLength = len(s.pin)
		v.PINFor = "technician"
		if s.pinFor == forTicket {
			v.PINFor = "green"
		}
	case ScreenTechnician:
		v.Tech = m.techView()
	}
	if s.screen == ScreenChannel {
		v.Channels = append([]ChannelOption(nil), s.channels...)
	}
	if s.service != "" {
		it := m.serviceItem(s.service)
		v.Service = &it
	}
	if s.channel >= 0 && s.channel < len(s.channels) {
		c := s.channels[s.channel]
		v.Channel = &c
	}
	v.Person = m.person()
	if s.ticket != nil {
		v.Ticket = m.ticketView()
	}
	if s.material != "" {
		for _, mat := range m.cfg.Materials {
			if mat.ID == s.material {
				v.Material = &Item{ID: mat.ID, Name: mat.Name, Enabled: true}
			}
		}
	}
	v.Preview, v.Review, v.Pages = s.preview, s.review, len(s.pages)
	return v
}

func (m *Machine) serviceItem(id string) Item {
	it := Item{ID: id}
	if s := m.service(id); s != nil {
		it.Name = Text{s.Name, s.NameEN}
	}
	it.Reason, _ = m.serviceBlocked(id)
	_, blocked := m.serviceBlocked(id)
	it.Enabled = !blocked
	it.Waiting, it.WaitingKnown = m.waiting[id]
	return it
}

func (m *Machine) ticketView() *TicketView {
	t := m.s.ticket
	v := &TicketView{ID: t.ID, Number: t.Number, Channel: t.Channel,
		ChannelName: channelName(string(t.Channel)), WaitingAhead: t.WaitingAhead,
		WaitingKnown: !m.s.offline, EstimatedMin: t.EstimatedWaitMinutes, MaskedName: t.MaskedName,
		IssuedAt: t.IssuedAt, Unverified: t.Category != "" && !t.CategoryVerified,
		Appointment: t.Channel == hallproto.Appointment}
	v.Service = Text{t.ServiceName, ""}
	if s := m.service(t.Service); s != nil {
		v.Service = Text{s.Name, s.NameEN}
	}
	if v.MaskedName == "" && m.s.card != nil {
		v.MaskedName = idcard.MaskName(m.s.card.Name)
	}
	return v
}

func (m *Machine) techView() *TechView {
	v := &TechView{Printer: m.printer, ReaderOnline: m.readerOK, Online: m.online,
		Pending: m.pending, Version: m.cfg.Version, Result: m.s.result, Problems: m.problems()}
	switch {
	case m.camera == "camera_missing":
		v.Camera = txtCameraMissing
	case m.camera == "camera_broken":
		v.Camera = txtCameraBroken
	case m.cameraUsed:
		v.Camera = txtCameraOK
	default:
		v.Camera = txtCameraUnused
	}
	return v
}

// nextOpening is the next time tickets are issued by the hall's hours.
func (m *Machine) nextOpening() time.Time {
	f := minutes(m.issueFrom)
	if f < 0 {
		return time.Time{}
	}
	l := m.now.In(m.loc)
	t := time.Date(l.Year(), l.Month(), l.Day(), 0, f, 0, 0, m.loc)
	if !t.After(m.now) {
		t = time.Date(l.Year(), l.Month(), l.Day()+1, 0, f, 0, 0, m.loc)
	}
	return t
}
