package queue

import (
	"fmt"
	"time"
)

// Status is a ticket's place in its life cycle.
type Status uint8

// Ticket states (queueing.md §3).
const (
	Waiting Status = iota
	Called
	Serving
	Done
	NoShow
	Cancelled
	Transferred
	Parked
)

var statusNames = []string{"waiting", "called", "serving", "done", "no_show", "cancelled", "transferred", "parked"}

func (s Status) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return fmt.Sprintf("status(%d)", uint8(s))
}

// MarshalText encodes the status by name.
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText decodes a status name.
func (s *Status) UnmarshalText(b []byte) error {
	for i, n := range statusNames {
		if n == string(b) {
			*s = Status(i)
			return nil
		}
	}
	return fmt.Errorf("queue: unknown status %q", b)
}

// Live reports whether the ticket still holds its number: it may yet be
// served (a no-show can be re-queued the same day).
func (s Status) Live() bool { return s != Done && s != Cancelled && s != Transferred }

// Ticket is one ticket. Fields are exported for snapshots and policies;
// only Hall changes them.
type Ticket struct {
	ID       uint64    `json:"id"`
	Service  string    `json:"service"`
	Num      int       `json:"num"`
	Number   string    `json:"number"` // "A023"; kept across a transfer
	Channel  Channel   `json:"channel"`
	Status   Status    `json:"status"`
	IssuedAt time.Time `json:"issued_at"`
	// ArrivedAt is when the citizen first took a ticket: kept by a transfer.
	ArrivedAt time.Time `json:"arrived_at"`
	// Since orders the waiting line and measures the wait the policy sees.
	// It is ArrivedAt, or the booked time for an appointment checked in
	// early, or a place behind K tickets for a re-queued no-show.
	Since         time.Time `json:"since"`
	Category      string    `json:"category,omitempty"`
	Verified      bool      `json:"verified,omitempty"`
	Person        string    `json:"person,omitempty"`
	MaskedName    string    `json:"masked_name,omitempty"`
	AppointmentID string    `json:"appointment_id,omitempty"`
	AppointmentAt time.Time `json:"appointment_at,omitzero"`
	// ForWindow restricts a ticket transferred to one window.
	ForWindow     string    `json:"for_window,omitempty"`
	Window        string    `json:"window,omitempty"`
	Staff         string    `json:"staff,omitempty"`
	Calls         int       `json:"calls,omitempty"`
	CalledAt      time.Time `json:"called_at,omitzero"`
	StartedAt     time.Time `json:"started_at,omitzero"`
	FinishedAt    time.Time `json:"finished_at,omitzero"`
	Outcome       string    `json:"outcome,omitempty"`
	CaseNumber    string    `json:"case_number,omitempty"`
	TransferredTo uint64    `json:"transferred_to,omitempty"`
	Source        string    `json:"source,omitempty"`
	// Lease is set on a ticket issued offline from a lease and replayed;
	// Flag marks one that needs a look from staff (FlagOfflineDuplicate).
	Lease uint64 `json:"lease,omitempty"`
	Flag  string `json:"flag,omitempty"`
}

// Wait is how long the ticket has waited by the policy's measure.
func (t *Ticket) Wait(now time.Time) time.Duration { return now.Sub(t.Since) }

// before is the waiting-line order: Since, then lower number, then id.
func (t *Ticket) before(u *Ticket) bool {
	if !t.Since.Equal(u.Since) {
		return t.Since.Before(u.Since)
	}
	if t.Num != u.Num {
		return t.Num < u.Num
	}
	return t.ID < u.ID
}

func formatNumber(prefix string, n, last int) string {
	width := len(fmt.Sprint(last))
	if width < 3 {
		width = 3
	}
	return fmt.Sprintf("%s%0*d", prefix, width, n)
}
