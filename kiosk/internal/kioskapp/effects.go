package kioskapp

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"hallq/controller/hallproto"
	"hallq/drivers/camera"
	"hallq/drivers/escpos"
	"hallq/drivers/idcard"
	"hallq/kiosk/internal/flow"
	"hallq/kiosk/internal/link"
	"hallq/kiosk/internal/ticket"
)

// Camera is the document camera (camera.Camera).
type Camera = camera.Camera

func newRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// onlineIssuer issues through the controller only: without a lease an
// unreachable controller means no ticket (the flow says so calmly).
type onlineIssuer struct{ c Controller }

func (o onlineIssuer) Issue(ctx context.Context, req hallproto.IssueRequest) (hallproto.Ticket, bool, error) {
	var t hallproto.Ticket
	err := o.c.Do(ctx, http.MethodPost, "/api/v1/tickets", req, &t)
	return t, false, err
}

func (onlineIssuer) Pending() int { return 0 }

// LeaseIssuer adapts link's offline issuer (leases and the bbolt outbox).
type LeaseIssuer struct{ *link.Issuer }

// Issue implements Issuer.
func (l LeaseIssuer) Issue(ctx context.Context, req hallproto.IssueRequest) (hallproto.Ticket, bool, error) {
	got, err := l.Issuer.Issue(ctx, req)
	return got.Ticket, got.Offline, err
}

func (k *Kiosk) timeout(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

func (k *Kiosk) issue(ctx context.Context, e flow.IssueTicket) {
	ctx, cancel := context.WithTimeout(ctx, k.timeout(k.cfg.Timeouts.Issue, 30*time.Second))
	defer cancel()
	req := hallproto.IssueRequest{RequestID: e.RequestID, Service: e.Service, Channel: e.Channel,
		Category: e.Category, IDCard: e.IDCard, Source: k.cfg.Device}
	t, offline, err := k.d.Issuer.Issue(ctx, req)
	if err == nil {
		k.post(k.ctx, flow.IssueSucceeded{RequestID: e.RequestID, Ticket: t, Offline: offline})
		return
	}
	f := flow.IssueFailed{RequestID: e.RequestID}
	var ae *link.APIError
	switch {
	case errors.As(err, &ae):
		f.Code, f.Message, f.MessageEN = ae.Code, ae.Message, ae.MessageEn
	case errors.Is(err, link.ErrNoLease):
		f.Network = true
		f.Code = "no_lease"
	default:
		f.Network = true
		f.Code = "unreachable"
	}
	k.log.Info("kioskapp: issue failed", "code", f.Code, "err", err)
	k.post(k.ctx, f)
}

func (k *Kiosk) checkIn(ctx context.Context, e flow.CheckInAppointment) {
	ctx, cancel := context.WithTimeout(ctx, k.timeout(k.cfg.Timeouts.Issue, 30*time.Second))
	defer cancel()
	body := struct {
		RequestID string           `json:"request_id"`
		IDCard    hallproto.IDCard `json:"idcard"`
	}{e.RequestID, e.IDCard}
	var t hallproto.Ticket
	err := k.d.Link.Do(ctx, http.MethodPost, "/api/v1/appointments/checkin", body, &t)
	if err == nil {
		k.post(k.ctx, flow.CheckInSucceeded{RequestID: e.RequestID, Ticket: t})
		return
	}
	f := flow.CheckInFailed{RequestID: e.RequestID}
	var ae *link.APIError
	switch {
	case errors.As(err, &ae) && (ae.Status == http.StatusNotFound || ae.Status == http.StatusMethodNotAllowed) && ae.Code != "no_appointment":
		// A controller without appointments: nobody has one.
		f.Code = "no_appointment"
	case errors.As(err, &ae):
		f.Code, f.Message, f.MessageEN = ae.Code, ae.Message, ae.MessageEn
	default:
		f.Network = true
		f.Code = "unreachable"
	}
	k.post(k.ctx, f)
}

// ticketData fills the ticket slip from the controller's ticket and what
// the kiosk knows of the hall.
func (k *Kiosk) ticketData(e flow.Print) ticket.Data {
	t := e.Ticket
	d := ticket.FromTicket(&t)
	k.mu.Lock()
	hall := k.hall
	en := k.serviceEN[t.Service]
	k.mu.Unlock()
	d.HallName, d.HallNameEN = hall.Name, hall.NameEN
	d.ServiceNameEN = en
	d.Footer = k.cfg.Footer
	if hall.TicketFooter != "" {
		d.Footer = hall.TicketFooter
	}
	loc := hallZone(hall.Hours.Timezone)
	if !d.IssuedAt.IsZero() {
		d.IssuedAt = d.IssuedAt.In(loc)
	} else {
		d.IssuedAt = k.d.Now().In(loc)
	}
	if d.AppointmentAt != nil {
		at := d.AppointmentAt.In(loc)
		d.AppointmentAt = &at
	}
	if e.Offline {
		d.WaitingAhead, d.EstimatedWaitMinutes = ticket.Unknown, ticket.Unknown
	}
	if t.ID != 0 && !e.Offline && !e.Test {
		d.StatusURL = k.statusLink(t)
	}
	if e.Test {
		d.Number = "TEST"
		if d.ServiceName == "" {
			d.ServiceName = "测试打印"
			d.ServiceNameEN = "Test print"
		}
		d.Name = ""
	}
	return d
}

// statusLink is the ticket's status page for the QR code. Its check
// value k is a keyed MAC only the controller can compute, so the kiosk
// asks GET /api/v1/citizen/links/{id}; the hall's public URL wins, else
// the configured template gets the check. Without an answer the ticket is
// printed without a QR code rather than with a link that does not open.
func (k *Kiosk) statusLink(t hallproto.Ticket) string {
	ctx, cancel := context.WithTimeout(k.ctx, 2*time.Second)
	defer cancel()
	var l hallproto.CitizenLink
	if err := k.d.Link.Do(ctx, http.MethodGet, "/api/v1/citizen/links/"+strconv.FormatUint(t.ID, 10), nil, &l); err != nil {
		k.log.Debug("kioskapp: no status link", "err", err)
		return ""
	}
	if l.URL != "" {
		return l.URL
	}
	pu, err := url.Parse(l.Path)
	if err != nil {
		return ""
	}
	u, err := ticket.StatusURL(k.cfg.StatusURL, t.ID, t.Number, pu.Query().Get("k"))
	if err != nil {
		return ""
	}
	return u
}

func (k *Kiosk) print(ctx context.Context, e flow.Print) {
	ctx, cancel := context.WithTimeout(ctx, k.timeout(k.cfg.Timeouts.Print, 30*time.Second))
	defer cancel()
	d := k.ticketData(e)
	job, err := ticket.Build(&d, k.layout, k.fontRasterizer())
	if err != nil {
		k.log.Error("kioskapp: ticket layout", "err", err)
		k.post(k.ctx, flow.PrintFailed{Job: e.Job, State: flow.PrinterOK})
		return
	}
	if k.d.Printer == nil {
		k.post(k.ctx, flow.PrintFailed{Job: e.Job, State: flow.PrinterOffline})
		return
	}
	k.mu.Lock()
	k.printing = true
	k.mu.Unlock()
	err = ticket.Print(ctx, k.d.Printer, job)
	k.mu.Lock()
	k.printing = false
	k.lastJob = job
	if err == nil && !e.Test {
		k.sessions++
	}
	k.mu.Unlock()
	if err != nil {
		k.log.Warn("kioskapp: print failed", "err", err)
		st := printerState(escpos.Status{}, err)
		k.post(k.ctx, flow.PrintFailed{Job: e.Job, State: st})
		k.post(k.ctx, flow.PrinterStatus{State: st})
		return
	}
	k.post(k.ctx, flow.PrintDone{Job: e.Job})
}

func (k *Kiosk) fontRasterizer() escpos.Rasterizer {
	if k.d.Font == nil {
		return nil
	}
	return k.d.Font
}

// printerState maps a printer status or error to the flow's view of it.
func printerState(st escpos.Status, err error) flow.PrinterState {
	switch {
	case st.PaperEnd || errors.Is(err, escpos.ErrPaperEnd):
		return flow.PrinterPaperEnd
	case st.CoverOpen || errors.Is(err, escpos.ErrCoverOpen):
		return flow.PrinterCoverOpen
	case err != nil || st.Err() != nil:
		return flow.PrinterOffline
	}
	return flow.PrinterOK
}

func (k *Kiosk) upload(ctx context.Context, e flow.UploadDocument) {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	body := hallproto.DocumentUpload{RequestID: e.RequestID, TicketID: e.TicketID,
		Material: materialName(e.Material), Source: k.cfg.Device}
	if e.IDCard != nil {
		// The controller binds by the number alone: the name stays here.
		body.IDCard = &hallproto.IDCard{Number: e.IDCard.Number}
	}
	for _, p := range e.Pages {
		body.Pages = append(body.Pages, base64.StdEncoding.EncodeToString(p))
	}
	if err := k.d.Link.Do(ctx, http.MethodPost, "/api/v1/documents", body, nil); err != nil {
		msg := "资料上传失败，请稍后再试或联系工作人员"
		var ae *link.APIError
		if errors.As(err, &ae) && ae.Message != "" {
			msg = ae.Message
		}
		k.log.Warn("kioskapp: document upload failed", "err", err)
		k.post(k.ctx, flow.UploadFailed{RequestID: e.RequestID, Message: msg})
		return
	}
	k.post(k.ctx, flow.UploadDone{RequestID: e.RequestID})
}

// materialName is what the window's staff read: the material's Chinese
// name (户口簿), not the kiosk's id for it (household_register).
func materialName(id string) string {
	for _, m := range flow.DefaultMaterials {
		if m.ID == id && m.Name.ZH != "" {
			return m.Name.ZH
		}
	}
	return id
}

// deviceStatus is hallproto.DeviceStatus's wire shape.
type deviceStatus struct {
	Device   string    `json:"device"`
	Role     string    `json:"role"`
	State    string    `json:"state"`
	Problems []string  `json:"problems,omitempty"`
	Pending  int       `json:"pending"`
	Version  string    `json:"version,omitempty"`
	At       time.Time `json:"at"`
}

// report posts the device status; the flow's view (state, problems) plus
// what only the glue knows: offline and pending tickets.
func (k *Kiosk) report(ctx context.Context, state string, problems []string) {
	k.mu.Lock()
	if state == "" {
		state, problems = k.lastState, k.lastProblems
	} else {
		k.lastState, k.lastProblems = state, problems
	}
	k.mu.Unlock()
	if state == "" {
		state = "ok"
	}
	pending := k.d.Issuer.Pending()
	if !k.d.Link.Online() {
		state = "offline"
	}
	if pending > 0 {
		problems = append(append([]string(nil), problems...), "offline_tickets_pending")
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	st := deviceStatus{Device: k.cfg.Device, Role: "kiosk", State: state, Problems: problems,
		Pending: pending, Version: k.cfg.Version, At: k.d.Now()}
	if err := k.d.Link.Do(ctx, http.MethodPost, "/api/v1/devices/status", st, nil); err != nil {
		k.log.Debug("kioskapp: status report", "err", err)
	}
}

// cardEvent turns a reader event into the flow's. The Identity is read
// here and dropped: only the fields the journey needs go on.
func cardEvent(ev idcard.Event, now time.Time) flow.Event {
	switch ev.Kind {
	case idcard.CardRead:
		id := ev.Identity
		if id == nil {
			return flow.CardFailed{Err: flow.CardUnreadable, Message: idcard.Message(ev.Err)}
		}
		if ev.Err != nil {
			kind := flow.CardInvalid
			if errors.Is(ev.Err, idcard.ErrExpired) {
				kind = flow.CardExpired
			}
			return flow.CardFailed{Err: kind, Message: idcard.Message(ev.Err)}
		}
		c := flow.Card{Number: id.Number, Name: id.Name, Birth: id.Birth, ValidTo: id.ValidTo, NoExpiry: id.NoExpiry}
		switch id.Type {
		case idcard.Resident:
			c.Kind = flow.ResidentCard
		case 'J':
			c.Kind = flow.ResidencePermit
		default:
			c.Kind = flow.ForeignerCard
		}
		return flow.CardPlaced{Card: c}
	case idcard.CardFailed:
		kind := flow.CardUnreadable
		switch {
		case errors.Is(ev.Err, idcard.ErrCardAuth):
			kind = flow.CardFake
		case errors.Is(ev.Err, idcard.ErrUnknownCardType):
			kind = flow.CardUnsupported
		case errors.Is(ev.Err, idcard.ErrSelectFailed):
			kind = flow.CardPulled
		case errors.Is(ev.Err, idcard.ErrTimeout), errors.Is(ev.Err, idcard.ErrModule):
			kind = flow.CardReaderFault
		}
		return flow.CardFailed{Err: kind, Message: idcard.Message(ev.Err)}
	case idcard.CardRemoved:
		return flow.CardRemoved{}
	case idcard.ReaderLost:
		return flow.ReaderState{Online: false}
	case idcard.ReaderBack:
		return flow.ReaderState{Online: true}
	}
	return flow.Tick{}
}
