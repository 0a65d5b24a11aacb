package booking

import (
	"encoding/json"
	"errors"
	"time"

	"hallq/controller/hallproto"
	"hallq/controller/internal/engine"
	"hallq/controller/internal/queue"
)

// RenderTicket is the wire form of a ticket, as the API renders it (the
// api package keeps its renderer private; this is the same mapping).
func RenderTicket(h *queue.Hall, t *queue.Ticket, now time.Time) hallproto.Ticket {
	ahead, wait := h.Position(t, now)
	loc := h.Location()
	tp := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		t = t.In(loc)
		return &t
	}
	return hallproto.Ticket{
		ID: t.ID, Number: t.Number, Service: t.Service, ServiceName: h.ServiceName(t.Service),
		Channel: hallproto.Channel(t.Channel.String()), Status: hallproto.TicketStatus(t.Status.String()),
		IssuedAt: t.IssuedAt.In(loc), ArrivedAt: t.ArrivedAt.In(loc), WaitingAhead: ahead, EstimatedWaitMinutes: int(wait / time.Minute),
		Category: t.Category, CategoryVerified: t.Verified, MaskedName: t.MaskedName,
		AppointmentID: t.AppointmentID, AppointmentAt: tp(t.AppointmentAt), Window: t.Window, Staff: t.Staff,
		Calls: t.Calls, CalledAt: tp(t.CalledAt), StartedAt: tp(t.StartedAt), FinishedAt: tp(t.FinishedAt),
		Outcome: t.Outcome, CaseNumber: t.CaseNumber, TransferredTo: t.TransferredTo,
	}
}

func errorBody(code, zh, en string) []byte {
	b, _ := json.Marshal(hallproto.Error{Error: hallproto.ErrorBody{Code: code, Message: zh, MessageEN: en}})
	return append(b, '\n')
}

func jsonReply(status int, v any) engine.Reply {
	b, err := json.Marshal(v)
	if err != nil {
		return engine.Reply{Status: 500, Body: errorBody("internal", "内部错误", err.Error())}
	}
	return engine.Reply{Status: status, Body: append(b, '\n')}
}

// domainReply renders a queue error with the status the API gives it.
func domainReply(err error) engine.Reply {
	var qe *queue.Error
	if !errors.As(err, &qe) {
		return engine.Reply{Status: 500, Body: errorBody("internal", "内部错误", err.Error())}
	}
	status := map[queue.Kind]int{queue.KindInvalid: 400, queue.KindNotFound: 404, queue.KindConflict: 409}[qe.Kind]
	if status == 0 {
		status = 500
	}
	return engine.Reply{Status: status, Body: errorBody(qe.Code, qe.Message, qe.MessageEN)}
}
