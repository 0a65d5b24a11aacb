package api

import (
	"time"

	"hallq/controller/hallproto"
	"hallq/controller/internal/queue"
)

func tp(t time.Time, loc *time.Location) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.In(loc)
	return &t
}

// renderTicket shows times in the hall's zone, as staff and citizens read them.
func renderTicket(h *queue.Hall, t *queue.Ticket, now time.Time) hallproto.Ticket {
	ahead, wait := h.Position(t, now)
	loc := h.Location()
	return hallproto.Ticket{
		ID: t.ID, Number: t.Number, Service: t.Service, ServiceName: h.ServiceName(t.Service),
		Channel: hallproto.Channel(t.Channel.String()), Status: hallproto.TicketStatus(t.Status.String()),
		IssuedAt: t.IssuedAt.In(loc), ArrivedAt: t.ArrivedAt.In(loc), WaitingAhead: ahead, EstimatedWaitMinutes: int(wait / time.Minute),
		Category: t.Category, CategoryVerified: t.Verified, MaskedName: t.MaskedName,
		AppointmentID: t.AppointmentID, AppointmentAt: tp(t.AppointmentAt, loc), Window: t.Window, Staff: t.Staff,
		Calls: t.Calls, CalledAt: tp(t.CalledAt, loc), StartedAt: tp(t.StartedAt, loc), FinishedAt: tp(t.FinishedAt, loc),
		Outcome: t.Outcome, CaseNumber: t.CaseNumber, TransferredTo: t.TransferredTo,
	}
}

func renderWindow(h *queue.Hall, w queue.Window, now time.Time) hallproto.Window {
	out := hallproto.Window{ID: w.ID, Name: w.Name, Services: w.Services, Staff: w.Staff, Parked: w.Parked}
	switch {
	case w.Staff == "":
		out.Status = hallproto.WindowClosed
	case w.Current != 0:
		t := h.Ticket(w.Current)
		v := renderTicket(h, t, now)
		out.Current = &v
		out.Status = hallproto.WindowCalling
		if t.Status == queue.Serving {
			out.Status = hallproto.WindowServing
		}
	case w.Paused:
		out.Status = hallproto.WindowPaused
	default:
		out.Status = hallproto.WindowIdle
	}
	if w.Paused {
		out.PauseReason = w.PauseReason
		if w.Current == 0 {
			out.Status = hallproto.WindowPaused
		}
	}
	return out
}

func renderService(si queue.ServiceInfo) hallproto.Service {
	chs := si.Channels
	if len(chs) == 0 {
		chs = queue.Channels
	}
	out := hallproto.Service{ID: si.ID, Name: si.Name, NameEN: si.NameEN, Prefix: si.Prefix, First: si.First,
		Last: si.Last, ExpectedMinutes: float64(si.Expected), Issuing: si.Issuing, NotIssuingWhy: si.NotIssuingWhy,
		IssueFrom: si.IssueFrom, IssueUntil: si.IssueUntil}
	for _, c := range chs {
		out.Channels = append(out.Channels, hallproto.Channel(c.String()))
	}
	return out
}

func renderQueues(qs []queue.QueueStat, now time.Time, loc *time.Location) hallproto.Queues {
	out := hallproto.Queues{At: now.In(loc), Services: make([]hallproto.QueueStatus, 0, len(qs))}
	for _, q := range qs {
		st := hallproto.QueueStatus{Service: q.Service, Waiting: map[hallproto.Channel]int{}, Total: q.Total,
			LongestWaitSeconds: int(q.LongestWait / time.Second)}
		for _, c := range queue.Channels {
			st.Waiting[hallproto.Channel(c.String())] = q.Waiting[c]
		}
		out.Services = append(out.Services, st)
	}
	return out
}

var eventTypes = map[queue.EventType]hallproto.EventType{
	queue.EvIssued: hallproto.EvIssued, queue.EvCalled: hallproto.EvCalled, queue.EvRecalled: hallproto.EvRecalled,
	queue.EvNoShow: hallproto.EvNoShow, queue.EvRequeued: hallproto.EvRequeued, queue.EvStarted: hallproto.EvStarted,
	queue.EvFinished: hallproto.EvFinished, queue.EvTransferred: hallproto.EvTransferred, queue.EvParked: hallproto.EvParked,
	queue.EvTakenBack: hallproto.EvTakenBack, queue.EvCancelled: hallproto.EvCancelled,
	queue.EvChannelChanged: hallproto.EvChannelChanged, queue.EvPaused: hallproto.EvWindowPaused,
	queue.EvResumed: hallproto.EvWindowResumed, queue.EvLoggedIn: hallproto.EvStaffLoggedIn,
	queue.EvLoggedOut: hallproto.EvStaffLoggedOut, queue.EvHandedOver: hallproto.EvStaffHandedOver,
	queue.EvDayRolled: hallproto.EvDayRolled, queue.EvReconfigured: hallproto.EvConfigChanged,
	queue.EvLeased: hallproto.EvLeaseGranted, queue.EvLeaseEnded: hallproto.EvLeaseEnded,
}

// RenderEvent turns a stored event into its public form. Personal fields
// (the person hash, the masked name) never reach the stream.
func RenderEvent(e *queue.Event, loc *time.Location) hallproto.Event {
	out := hallproto.Event{Seq: e.Seq, Type: eventTypes[e.Type], At: e.At.In(loc), Window: e.Window, Staff: e.Staff,
		Calls: e.Calls, Reason: e.Reason, Outcome: e.Outcome, CaseNumber: e.CaseNumber, ToService: e.ToService,
		ToWindow: e.ToWindow, NewTicket: e.NewTicket, Day: e.Day}
	if out.Type == "" {
		out.Type = hallproto.EventType("hall." + string(e.Type))
	}
	if e.Lease != 0 && e.Ticket == 0 {
		out.Reason = leaseReason(e)
	}
	if e.Ticket != 0 {
		out.Ticket = &hallproto.EventTicket{ID: e.Ticket, Number: e.Number, Service: e.Service, Channel: hallproto.Channel(e.Channel.String())}
	}
	return out
}
