package hallproto

import (
	"fmt"
	"time"
)

// LeaseRequest is the body of POST /api/v1/leases: a kiosk reserves a block
// of ticket numbers of one service, to issue from while the controller is
// unreachable.
type LeaseRequest struct {
	RequestID string `json:"request_id"`
	Device    string `json:"device"`
	Service   string `json:"service"`
	Count     int    `json:"count"` // 1..MaxLeaseCount
}

// MaxLeaseCount bounds one lease.
const MaxLeaseCount = 200

// Lease is a block of ticket numbers reserved for one kiosk: the numbers
// First..Last of a service, formatted as Prefix plus Width digits. The
// controller's own issuing skips them. A kiosk issues from a lease only
// before ExpiresAt; the lease also ends when the business day rolls over.
// Numbers it has not replayed by then return to the service.
type Lease struct {
	ID          uint64    `json:"id"`
	Device      string    `json:"device"`
	Service     string    `json:"service"`
	ServiceName string    `json:"service_name"`
	Prefix      string    `json:"prefix"`
	First       int       `json:"first"`
	Last        int       `json:"last"`
	Width       int       `json:"width"` // digits of the number, zero padded
	GrantedAt   time.Time `json:"granted_at"`
	ExpiresAt   time.Time `json:"expires_at"`
	Day         string    `json:"day"` // business day, YYYY-MM-DD
}

// Number formats the n-th number of the lease's service as printed ("A023").
func (l *Lease) Number(n int) string { return fmt.Sprintf("%s%0*d", l.Prefix, l.Width, n) }

// ReplayRequest is the body of POST /api/v1/tickets/replay: a ticket a kiosk
// issued from a lease while offline. The controller merges it by IssuedAt,
// so it takes its fair place in the queue with the number it was printed with.
type ReplayRequest struct {
	RequestID string    `json:"request_id"`
	LeaseID   uint64    `json:"lease_id"`
	Number    string    `json:"number"`
	Service   string    `json:"service"`
	Channel   Channel   `json:"channel,omitempty"` // empty: decided by the controller
	Category  string    `json:"category,omitempty"`
	IDCard    *IDCard   `json:"idcard,omitempty"`
	IssuedAt  time.Time `json:"issued_at"`
	Device    string    `json:"device"`
}

// ReplayResult is the answer of POST /api/v1/tickets/replay.
type ReplayResult struct {
	Ticket Ticket `json:"ticket"`
	// Duplicate: the same person already held a waiting ticket for the
	// service. The replayed ticket is accepted anyway (the citizen holds it
	// printed) and flagged for staff.
	Duplicate bool `json:"duplicate,omitempty"`
}

// Event types of leases on the event stream.
const (
	EvLeaseGranted EventType = "lease.granted"
	EvLeaseEnded   EventType = "lease.ended"
)
