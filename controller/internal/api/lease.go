package api

import (
	"fmt"
	"net/http"
	"time"

	"hallq/controller/hallproto"
	"hallq/controller/internal/engine"
	"hallq/controller/internal/queue"
)

// LeaseTTL is how long a kiosk may issue from a lease (and at most until
// the day rolls over). A kiosk that is online renews its leases well before,
// so the TTL only bounds how long numbers stay reserved for a kiosk that
// went away.
const LeaseTTL = 4 * time.Hour

// lease serves POST /api/v1/leases: a block of numbers for a kiosk's
// offline issuing.
func (s *Server) lease(w http.ResponseWriter, r *http.Request, p Principal) {
	if !p.mayIssue() {
		writeError(w, 403, "forbidden", "无权租用号段", "this token may not lease ticket numbers")
		return
	}
	var req hallproto.LeaseRequest
	body, ok := readBody(w, r, &req)
	if !ok || !checkRequestID(w, req.RequestID) {
		return
	}
	s.do(w, r, &engine.Command{RequestID: req.RequestID, Fingerprint: fingerprint(r, body),
		Run: func(h *queue.Hall, now time.Time) engine.Reply {
			l, err := h.GrantLease(now, queue.LeaseArgs{Device: req.Device, Service: req.Service, Count: req.Count, TTL: LeaseTTL})
			if err != nil {
				return domainReply(err)
			}
			return okReply(http.StatusCreated, renderLease(h, l))
		}})
}

// replay serves POST /api/v1/tickets/replay: a ticket issued offline from
// a lease, merged by its issue time.
func (s *Server) replay(w http.ResponseWriter, r *http.Request, p Principal) {
	if !p.mayIssue() {
		writeError(w, 403, "forbidden", "无权取号", "this token may not issue tickets")
		return
	}
	var req hallproto.ReplayRequest
	body, ok := readBody(w, r, &req)
	if !ok || !checkRequestID(w, req.RequestID) {
		return
	}
	args := queue.ReplayArgs{Lease: req.LeaseID, Number: req.Number, Service: req.Service, Device: req.Device,
		Category: req.Category, IssuedAt: req.IssuedAt}
	if args.Channel, ok = parseChannel(w, req.Channel); !ok {
		return
	}
	idc := req.IDCard
	s.do(w, r, &engine.Command{RequestID: req.RequestID, Fingerprint: fingerprint(r, body),
		Run: func(h *queue.Hall, now time.Time) engine.Reply {
			var err error
			if args.Identity, err = identity(h, idc); err != nil {
				return domainReply(err)
			}
			t, dup, err := h.Replay(now, args)
			if err != nil {
				return domainReply(err)
			}
			if m := s.o.Metrics; m != nil {
				m.issued.WithLabelValues(t.Service, t.Channel.String()).Inc()
			}
			return okReply(http.StatusCreated, hallproto.ReplayResult{Ticket: renderTicket(h, t, now), Duplicate: dup})
		}})
}

func renderLease(h *queue.Hall, l *queue.Lease) hallproto.Lease {
	loc := h.Location()
	first, width := h.LeaseNumber(l.Service, l.First)
	prefix := first[:len(first)-width]
	return hallproto.Lease{ID: l.ID, Device: l.Device, Service: l.Service, ServiceName: h.ServiceName(l.Service),
		Prefix: prefix, First: l.First, Last: l.Last, Width: width, GrantedAt: l.Granted.In(loc),
		ExpiresAt: l.Expires.In(loc), Day: h.Day()}
}

// leaseReason describes a lease event on the stream: device and block.
func leaseReason(e *queue.Event) string {
	if e.Type == queue.EvLeased {
		return fmt.Sprintf("%s %d-%d", e.Source, e.Num, e.LastNum)
	}
	return e.Reason
}

// parseChannel reads a request's optional channel; false means the error
// was written.
func parseChannel(w http.ResponseWriter, c hallproto.Channel) (*queue.Channel, bool) {
	if c == "" {
		return nil, true
	}
	ch, err := queue.ParseChannel(string(c))
	if err != nil {
		writeError(w, 400, "bad_channel", "未知通道 "+string(c), "unknown channel "+string(c))
		return nil, false
	}
	return &ch, true
}

// identity is the citizen's identity from a request's card, or nil. It runs
// inside the engine: the person key and zone are the hall's.
func identity(h *queue.Hall, idc *hallproto.IDCard) (*queue.Identity, error) {
	if idc == nil {
		return nil, nil
	}
	id, err := queue.NewIdentity(h.PersonKey(), idc.Number, idc.Name, idc.BirthDate, h.Location())
	if err != nil {
		return nil, err
	}
	return &id, nil
}
