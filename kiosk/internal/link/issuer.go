package link

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"hallq/controller/hallproto"
)

// IssuerOpts configure an Issuer.
type IssuerOpts struct {
	// Device is the kiosk's id, as its leases and status name it.
	Device string
	// Services to keep leases for; nil: every service the controller lists.
	Services []string
	// LeaseCount is the size of a lease; a new one is fetched when fewer
	// than half of it are left. Default 20.
	LeaseCount int
	// OnlineTimeout bounds an online issue before the kiosk falls back to
	// its lease. Default 3 s.
	OnlineTimeout time.Duration
	// Every is how often Run replays and refills while nothing else wakes
	// it. Default 5 s.
	Every time.Duration
	// Now is the kiosk's clock (tests); default time.Now.
	Now func() time.Time
	// OnReplayed, if set, is called for each ticket the controller merged.
	OnReplayed func(e Entry, r hallproto.ReplayResult)
	Logger     *slog.Logger
}

// Issued is a ticket handed to a citizen.
type Issued struct {
	Ticket hallproto.Ticket
	// Offline: issued from a lease; WaitingAhead and the estimate are not
	// known, the controller merges the ticket when the link returns.
	Offline bool
}

// Issuer issues tickets online when the controller answers and from the
// kiosk's leases when it does not, transparently for the kiosk's flow.
type Issuer struct {
	c  *Client
	ob *Outbox
	o  IssuerOpts

	mu       sync.Mutex // serialises Sync
	wake     chan struct{}
	services map[string]string // id -> name, from the last listing
}

// NewIssuer joins a client and an outbox.
func NewIssuer(c *Client, ob *Outbox, o *IssuerOpts) (*Issuer, error) {
	var opts IssuerOpts
	if o != nil {
		opts = *o
	}
	if opts.Device == "" {
		return nil, errors.New("link: issuer: empty device id")
	}
	if opts.LeaseCount <= 0 {
		opts.LeaseCount = 20
	}
	if opts.OnlineTimeout <= 0 {
		opts.OnlineTimeout = 3 * time.Second
	}
	if opts.Every <= 0 {
		opts.Every = 5 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = c.o.Logger
	}
	is := &Issuer{c: c, ob: ob, o: opts, wake: make(chan struct{}, 1), services: map[string]string{}}
	c.OnState(func(on bool) {
		if on {
			is.poke()
		}
	})
	return is, nil
}

func (is *Issuer) poke() {
	select {
	case is.wake <- struct{}{}:
	default:
	}
}

// Pending counts offline tickets not yet replayed: staff see it.
func (is *Issuer) Pending() int { return is.ob.Count() }

// Rejected counts offline tickets the controller refused for good.
func (is *Issuer) Rejected() int { return is.ob.Rejected() }

// Issue gets a ticket for the citizen: from the controller when it
// answers, otherwise from a lease. While offline tickets wait to be
// replayed, new ones are issued from the lease too, so the controller
// merges them in the order they were issued. An answer of the controller
// that refuses the ticket (duplicate, service closed) is returned as
// *APIError. ErrNoLease means the kiosk cannot issue at all.
func (is *Issuer) Issue(ctx context.Context, req hallproto.IssueRequest) (Issued, error) {
	if req.RequestID == "" {
		req.RequestID = NewRequestID()
	}
	if req.Source == "" {
		req.Source = is.o.Device
	}
	if is.ob.Count() == 0 {
		octx, cancel := context.WithTimeout(ctx, is.o.OnlineTimeout)
		var t hallproto.Ticket
		err := is.c.Do(octx, "POST", "/api/v1/tickets", req, &t)
		cancel()
		var ae *APIError
		switch {
		case err == nil:
			return Issued{Ticket: t}, nil
		case errors.As(err, &ae) && !ae.Temporary():
			return Issued{}, err
		case ctx.Err() != nil:
			return Issued{}, fmt.Errorf("link: issue: %w", ctx.Err())
		}
		is.o.Logger.Warn("controller did not answer: issuing from the lease", "service", req.Service, "err", err)
	}
	now := is.o.Now()
	rr := hallproto.ReplayRequest{RequestID: NewRequestID(), Channel: req.Channel, Category: req.Category,
		IDCard: req.IDCard, IssuedAt: now, Device: is.o.Device}
	if rr.Channel == hallproto.Green || rr.Channel == hallproto.Appointment {
		rr.Channel = "" // cannot be verified offline: the controller decides
	}
	e, l, err := is.ob.Take(req.Service, now, rr)
	if err != nil {
		return Issued{}, err
	}
	ch := e.Request.Channel
	if ch == "" {
		ch = hallproto.Normal
	}
	return Issued{Offline: true, Ticket: hallproto.Ticket{Number: e.Request.Number, Service: l.Service,
		ServiceName: l.ServiceName, Channel: ch, Status: hallproto.Waiting, IssuedAt: now, ArrivedAt: now,
		Category: req.Category}}, nil
}

// Run replays and refills until ctx ends: every Every, and at once when
// the link comes back.
func (is *Issuer) Run(ctx context.Context) error {
	t := time.NewTicker(is.o.Every)
	defer t.Stop()
	for {
		if err := is.Sync(ctx); err != nil && ctx.Err() == nil {
			is.o.Logger.Debug("sync", "err", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		case <-is.wake:
		}
	}
}

// Sync replays the outbox in issue order, then tops the leases up. It
// stops at the first ticket the controller does not answer for (and
// returns that error); a ticket it refuses for good is set aside.
func (is *Issuer) Sync(ctx context.Context) error {
	is.mu.Lock()
	defer is.mu.Unlock()
	if err := is.replay(ctx); err != nil {
		return err
	}
	return is.refill(ctx)
}

func (is *Issuer) replay(ctx context.Context) error {
	entries, err := is.ob.Pending()
	if err != nil {
		return err
	}
	for _, e := range entries {
		var r hallproto.ReplayResult
		err := is.c.Do(ctx, "POST", "/api/v1/tickets/replay", e.Request, &r)
		var ae *APIError
		switch {
		case err == nil:
			if err := is.ob.Done(e.Seq); err != nil {
				return err
			}
			if r.Duplicate {
				is.o.Logger.Warn("offline ticket replayed as a duplicate of a waiting ticket", "number", e.Request.Number)
			}
			if is.o.OnReplayed != nil {
				is.o.OnReplayed(e, r)
			}
		case errors.As(err, &ae) && !ae.Temporary():
			is.o.Logger.Error("controller refused an offline ticket", "number", e.Request.Number, "code", ae.Code)
			if err := is.ob.Reject(e, ae.Code); err != nil {
				return err
			}
		default:
			return err
		}
	}
	return nil
}

func (is *Issuer) refill(ctx context.Context) error {
	services := is.o.Services
	if services == nil {
		var list []hallproto.Service
		if err := is.c.Do(ctx, "GET", "/api/v1/services", nil, &list); err != nil {
			return err
		}
		for _, s := range list {
			services = append(services, s.ID)
		}
	}
	leases, err := is.ob.Leases()
	if err != nil {
		return err
	}
	// A lease about to expire is as good as gone: renew ahead of time.
	soon := is.o.Now().Add(10 * time.Minute)
	for _, svc := range services {
		left := 0
		for _, l := range leases {
			if l.Lease.Service == svc && l.Lease.ExpiresAt.After(soon) {
				left += l.Left
			}
		}
		if left >= (is.o.LeaseCount+1)/2 {
			continue
		}
		var l hallproto.Lease
		req := hallproto.LeaseRequest{RequestID: NewRequestID(), Device: is.o.Device, Service: svc, Count: is.o.LeaseCount}
		err := is.c.Do(ctx, "POST", "/api/v1/leases", req, &l)
		var ae *APIError
		switch {
		case err == nil:
			if err := is.ob.AddLease(l); err != nil {
				return err
			}
		case errors.As(err, &ae) && !ae.Temporary():
			is.o.Logger.Warn("lease refused", "service", svc, "code", ae.Code)
		default:
			return err
		}
	}
	return nil
}
