package queue

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// EventType names a state change. The names are stored in the log: never
// rename one.
type EventType string

// Event types.
const (
	EvIssued         EventType = "issued"
	EvCalled         EventType = "called"
	EvRecalled       EventType = "recalled"
	EvNoShow         EventType = "no_show"
	EvRequeued       EventType = "requeued"
	EvStarted        EventType = "started"
	EvFinished       EventType = "finished"
	EvTransferred    EventType = "transferred"
	EvParked         EventType = "parked"
	EvTakenBack      EventType = "taken_back"
	EvCancelled      EventType = "cancelled"
	EvChannelChanged EventType = "channel_changed"
	EvPaused         EventType = "paused"
	EvResumed        EventType = "resumed"
	EvLoggedIn       EventType = "logged_in"
	EvLoggedOut      EventType = "logged_out"
	EvHandedOver     EventType = "handed_over"
	EvDayRolled      EventType = "day_rolled"
	EvLeased         EventType = "leased"      // lease.go
	EvLeaseEnded     EventType = "lease_ended" // lease.go
)

// Event is one state change. Apply(Event) is deterministic, so replaying the
// log rebuilds the hall exactly. Ticket, Number, Service and Channel name the
// ticket as it is after the change, so an event stream can be rendered from
// the log alone.
type Event struct {
	Seq     uint64    `json:"seq"`
	Type    EventType `json:"type"`
	At      time.Time `json:"at"`
	Ticket  uint64    `json:"ticket,omitempty"`
	Number  string    `json:"number,omitempty"`
	Service string    `json:"service,omitempty"`
	Channel Channel   `json:"channel"`
	Window  string    `json:"window,omitempty"`
	Staff   string    `json:"staff,omitempty"`
	Calls   int       `json:"calls,omitempty"`
	Reason  string    `json:"reason,omitempty"`

	// issued
	Num           int       `json:"num,omitempty"`
	Since         time.Time `json:"since,omitzero"`
	Category      string    `json:"category,omitempty"`
	Verified      bool      `json:"verified,omitempty"`
	Person        string    `json:"person,omitempty"`
	MaskedName    string    `json:"masked_name,omitempty"`
	AppointmentID string    `json:"appointment_id,omitempty"`
	AppointmentAt time.Time `json:"appointment_at,omitzero"`
	Source        string    `json:"source,omitempty"`

	// finished
	Outcome    string `json:"outcome,omitempty"`
	CaseNumber string `json:"case_number,omitempty"`

	// transferred: the new ticket's id and target
	NewTicket uint64 `json:"new_ticket,omitempty"`
	ToService string `json:"to_service,omitempty"`
	ToWindow  string `json:"to_window,omitempty"`

	// day_rolled
	Day string `json:"day,omitempty"`

	// leased (Num..LastNum, Source is the device), lease_ended, and issued
	// when replayed from a lease (IssuedAt is the kiosk's issue time, Flag
	// marks a duplicate)
	Lease    uint64    `json:"lease,omitempty"`
	LastNum  int       `json:"last_num,omitempty"`
	Expires  time.Time `json:"expires,omitzero"`
	IssuedAt time.Time `json:"issued_at,omitzero"`
	Flag     string    `json:"flag,omitempty"`

	// reconfigured (reconfig.go)
	Config        *Config `json:"config,omitempty"`
	ConfigVersion int     `json:"config_version,omitempty"`
	Base          string  `json:"base,omitempty"`
}

// recordVersion is the first byte of every stored event record.
const recordVersion = 1

// MaxRecord bounds a stored event record; anything larger is corrupt.
const MaxRecord = 64 << 10

// ErrCorruptRecord wraps every decoding failure of a stored record.
var ErrCorruptRecord = errors.New("queue: corrupt event record")

// EncodeRecord encodes an event for the log: a version byte, then JSON.
func EncodeRecord(e *Event) ([]byte, error) {
	b, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("queue: encode event %d: %w", e.Seq, err)
	}
	return append([]byte{recordVersion}, b...), nil
}

// DecodeRecord decodes a stored event record and checks that it could be
// applied: a known type with the fields that type needs.
func DecodeRecord(b []byte) (Event, error) {
	var e Event
	if len(b) < 2 || len(b) > MaxRecord {
		return e, fmt.Errorf("%w: length %d", ErrCorruptRecord, len(b))
	}
	if b[0] != recordVersion {
		return e, fmt.Errorf("%w: version %d", ErrCorruptRecord, b[0])
	}
	if err := json.Unmarshal(b[1:], &e); err != nil {
		return e, fmt.Errorf("%w: %v", ErrCorruptRecord, err)
	}
	if err := e.check(); err != nil {
		return e, fmt.Errorf("%w: %v", ErrCorruptRecord, err)
	}
	return e, nil
}

func (e *Event) check() error {
	if e.Seq == 0 {
		return errors.New("seq 0")
	}
	if !e.Channel.Valid() {
		return fmt.Errorf("channel %d", e.Channel)
	}
	switch e.Type {
	case EvIssued:
		if e.Ticket == 0 || e.Service == "" || e.Number == "" {
			return errors.New("issued without ticket, service or number")
		}
	case EvCalled, EvRecalled, EvStarted, EvFinished, EvParked, EvTakenBack:
		if e.Ticket == 0 || e.Window == "" {
			return fmt.Errorf("%s without ticket or window", e.Type)
		}
	case EvNoShow, EvRequeued, EvCancelled, EvChannelChanged:
		if e.Ticket == 0 {
			return fmt.Errorf("%s without ticket", e.Type)
		}
	case EvTransferred:
		if e.Ticket == 0 || e.NewTicket == 0 || e.ToService == "" {
			return errors.New("transferred without ticket or target")
		}
	case EvPaused, EvResumed, EvLoggedIn, EvLoggedOut, EvHandedOver:
		if e.Window == "" {
			return fmt.Errorf("%s without window", e.Type)
		}
	case EvReconfigured:
		if e.Config == nil {
			return errors.New("reconfigured without config")
		}
	case EvDayRolled:
		if e.Day == "" {
			return errors.New("day_rolled without day")
		}
	case EvLeased:
		if e.Lease == 0 || e.Service == "" || e.Num <= 0 || e.LastNum < e.Num || e.Expires.IsZero() {
			return errors.New("leased without lease, service, block or expiry")
		}
	case EvLeaseEnded:
		if e.Lease == 0 {
			return errors.New("lease_ended without lease")
		}
	default:
		return fmt.Errorf("unknown type %q", e.Type)
	}
	return nil
}
