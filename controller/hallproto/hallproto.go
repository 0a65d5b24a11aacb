package hallproto

import "time"

// ProtocolVersion is sent by the controller in the X-Hallq-Protocol header of
// every answer.
const ProtocolVersion = 1

// Channel is a priority class of tickets.
type Channel string

// The four channels of queueing.md section 2.
const (
	Normal      Channel = "normal"      // 普通
	Appointment Channel = "appointment" // 预约
	Love        Channel = "love"        // 爱心通道
	Green       Channel = "green"       // 绿色通道
)

// TicketStatus is where a ticket stands in its life cycle.
type TicketStatus string

// Ticket states of queueing.md section 3.
const (
	Waiting     TicketStatus = "waiting"
	Called      TicketStatus = "called"
	Serving     TicketStatus = "serving"
	Done        TicketStatus = "done"
	NoShow      TicketStatus = "no_show"
	Cancelled   TicketStatus = "cancelled"
	Transferred TicketStatus = "transferred"
	Parked      TicketStatus = "parked"
)

// IDCard is what a kiosk read from a second-generation ID card and passes to
// the controller. The controller keeps no number or name: it derives the age
// for the love channel, a keyed hash for duplicate protection and a masked
// name for staff.
type IDCard struct {
	Number    string `json:"number"`
	Name      string `json:"name,omitempty"`
	BirthDate string `json:"birth_date,omitempty"` // YYYY-MM-DD; derived from Number when empty
}

// IssueRequest is the body of POST /api/v1/tickets.
type IssueRequest struct {
	RequestID string  `json:"request_id"`
	Service   string  `json:"service"`
	Channel   Channel `json:"channel,omitempty"` // empty: decided by the controller
	IDCard    *IDCard `json:"idcard,omitempty"`
	// Category is a priority category the citizen declared at the kiosk
	// (pregnant, disabled, military, ...); it stays unverified until staff confirm.
	Category      string     `json:"category,omitempty"`
	AppointmentID string     `json:"appointment_id,omitempty"`
	AppointmentAt *time.Time `json:"appointment_at,omitempty"`
	Source        string     `json:"source,omitempty"` // kiosk id, for reports
}

// Ticket is one ticket as devices see it.
type Ticket struct {
	ID                   uint64       `json:"id"`
	Number               string       `json:"number"`
	Service              string       `json:"service"`
	ServiceName          string       `json:"service_name"`
	Channel              Channel      `json:"channel"`
	Status               TicketStatus `json:"status"`
	IssuedAt             time.Time    `json:"issued_at"`
	ArrivedAt            time.Time    `json:"arrived_at"`
	WaitingAhead         int          `json:"waiting_ahead"`
	EstimatedWaitMinutes int          `json:"estimated_wait_minutes"`
	Category             string       `json:"category,omitempty"`
	CategoryVerified     bool         `json:"category_verified,omitempty"`
	MaskedName           string       `json:"masked_name,omitempty"`
	AppointmentID        string       `json:"appointment_id,omitempty"`
	AppointmentAt        *time.Time   `json:"appointment_at,omitempty"`
	Window               string       `json:"window,omitempty"`
	Staff                string       `json:"staff,omitempty"`
	Calls                int          `json:"calls,omitempty"`
	CalledAt             *time.Time   `json:"called_at,omitempty"`
	StartedAt            *time.Time   `json:"started_at,omitempty"`
	FinishedAt           *time.Time   `json:"finished_at,omitempty"`
	Outcome              string       `json:"outcome,omitempty"`
	CaseNumber           string       `json:"case_number,omitempty"`
	TransferredTo        uint64       `json:"transferred_to,omitempty"`
}

// WindowAction names the path element of POST /api/v1/windows/{window}/{action}.
type WindowAction string

// Window actions of queueing.md section 3.
const (
	ActCall       WindowAction = "call"        // next by policy; with ticket: that ticket; with service: next of that service
	ActRecall     WindowAction = "recall"      // announce the current ticket again
	ActNoShow     WindowAction = "no-show"     // the called citizen did not come
	ActRequeue    WindowAction = "requeue"     // put a no-show back, behind `behind` waiting tickets
	ActStart      WindowAction = "start"       // the citizen is at the window
	ActFinish     WindowAction = "finish"      // done, with outcome and case number
	ActTransfer   WindowAction = "transfer"    // to a service or a window, keeping the arrival time
	ActPark       WindowAction = "park"        // 挂起
	ActTakeBack   WindowAction = "take-back"   // 取回 a parked ticket
	ActPause      WindowAction = "pause"       // with reason
	ActResume     WindowAction = "resume"      //
	ActLogin      WindowAction = "login"       // staff member starts at the window
	ActLogout     WindowAction = "logout"      //
	ActHandOver   WindowAction = "hand-over"   // AB post: another staff member takes over
	ActCancel     WindowAction = "cancel"      // cancel a ticket
	ActConfirm    WindowAction = "confirm"     // confirm a declared category
	ActRevoke     WindowAction = "revoke"      // revoke a priority channel
	ActGrantGreen WindowAction = "grant-green" // put a ticket in the green channel
)

// WindowActions lists every action, for documentation and validation.
var WindowActions = []WindowAction{ActCall, ActRecall, ActNoShow, ActRequeue, ActStart,
	ActFinish, ActTransfer, ActPark, ActTakeBack, ActPause, ActResume, ActLogin, ActLogout,
	ActHandOver, ActCancel, ActConfirm, ActRevoke, ActGrantGreen}

// ActionRequest is the body of every window action; each action reads the
// fields it needs and rejects none of the others.
type ActionRequest struct {
	RequestID  string `json:"request_id"`
	Ticket     uint64 `json:"ticket,omitempty"`      // call (specific), requeue, take-back, cancel, confirm, revoke, grant-green
	Service    string `json:"service,omitempty"`     // call (from one service), transfer target
	ToWindow   string `json:"to_window,omitempty"`   // transfer target window
	Reason     string `json:"reason,omitempty"`      // pause, cancel, revoke, grant-green
	Outcome    string `json:"outcome,omitempty"`     // finish
	CaseNumber string `json:"case_number,omitempty"` // finish: 办件编号
	Staff      string `json:"staff,omitempty"`       // login, hand-over
	Behind     *int   `json:"behind,omitempty"`      // requeue: behind this many waiting tickets
}

// WindowStatus is the state of a window as a whole.
type WindowStatus string

// Window states.
const (
	WindowClosed  WindowStatus = "closed"  // nobody logged in
	WindowIdle    WindowStatus = "idle"    // staff present, no ticket
	WindowCalling WindowStatus = "calling" // a ticket called, citizen not yet at the window
	WindowServing WindowStatus = "serving"
	WindowPaused  WindowStatus = "paused"
)

// Window is one service window.
type Window struct {
	ID          string       `json:"id"`
	Name        string       `json:"name"`
	Services    []string     `json:"services"`
	Status      WindowStatus `json:"status"`
	Staff       string       `json:"staff,omitempty"`
	PauseReason string       `json:"pause_reason,omitempty"`
	Current     *Ticket      `json:"current,omitempty"`
	Parked      []uint64     `json:"parked,omitempty"`
}

// Service is one service (事项) with its ticket prefix.
type Service struct {
	ID              string    `json:"id"`
	Name            string    `json:"name"`
	NameEN          string    `json:"name_en,omitempty"`
	Prefix          string    `json:"prefix"`
	First           int       `json:"first"`
	Last            int       `json:"last"`
	ExpectedMinutes float64   `json:"expected_minutes"`
	Channels        []Channel `json:"channels"`
	Issuing         bool      `json:"issuing"`
	NotIssuingWhy   string    `json:"not_issuing_reason,omitempty"`
	IssueFrom       string    `json:"issue_from"`  // HH:MM
	IssueUntil      string    `json:"issue_until"` // HH:MM, the cut-off
}

// QueueStatus is the waiting line of one service.
type QueueStatus struct {
	Service            string          `json:"service"`
	Waiting            map[Channel]int `json:"waiting"`
	Total              int             `json:"total"`
	LongestWaitSeconds int             `json:"longest_wait_seconds"`
}

// Queues is the answer of GET /api/v1/queues.
type Queues struct {
	At       time.Time     `json:"at"`
	Services []QueueStatus `json:"services"`
}

// EventType names a state change on the event stream.
type EventType string

// Event types. Devices must ignore types they do not know.
const (
	EvIssued          EventType = "ticket.issued"
	EvCalled          EventType = "ticket.called"
	EvRecalled        EventType = "ticket.recalled"
	EvNoShow          EventType = "ticket.no_show"
	EvRequeued        EventType = "ticket.requeued"
	EvStarted         EventType = "ticket.started"
	EvFinished        EventType = "ticket.finished"
	EvTransferred     EventType = "ticket.transferred"
	EvParked          EventType = "ticket.parked"
	EvTakenBack       EventType = "ticket.taken_back"
	EvCancelled       EventType = "ticket.cancelled"
	EvChannelChanged  EventType = "ticket.channel_changed"
	EvWindowPaused    EventType = "window.paused"
	EvWindowResumed   EventType = "window.resumed"
	EvStaffLoggedIn   EventType = "window.logged_in"
	EvStaffLoggedOut  EventType = "window.logged_out"
	EvStaffHandedOver EventType = "window.handed_over"
	EvDayRolled       EventType = "hall.day_rolled"
)

// EventTicket identifies the ticket an event is about.
type EventTicket struct {
	ID      uint64  `json:"id"`
	Number  string  `json:"number"`
	Service string  `json:"service"`
	Channel Channel `json:"channel"`
}

// Event is one record of the event stream (GET /api/v1/events), sent as a
// server-sent event whose id is Seq. Seq increases by one for every state
// change, so a client that reconnects with ?since=Seq misses nothing.
type Event struct {
	Seq    uint64       `json:"seq"`
	Type   EventType    `json:"type"`
	At     time.Time    `json:"at"`
	Ticket *EventTicket `json:"ticket,omitempty"`
	Window string       `json:"window,omitempty"`
	Staff  string       `json:"staff,omitempty"`
	// Calls counts the calls of the ticket so far (called, recalled).
	Calls      int    `json:"calls,omitempty"`
	Reason     string `json:"reason,omitempty"`
	Outcome    string `json:"outcome,omitempty"`
	CaseNumber string `json:"case_number,omitempty"`
	ToService  string `json:"to_service,omitempty"`
	ToWindow   string `json:"to_window,omitempty"`
	NewTicket  uint64 `json:"new_ticket,omitempty"`
	Day        string `json:"day,omitempty"`
}

// ErrorBody is the error object of every failed request.
type ErrorBody struct {
	Code      string `json:"code"`
	Message   string `json:"message"`              // Chinese, shown to staff and citizens
	MessageEN string `json:"message_en,omitempty"` // English
}

// Error is the JSON shape of every error answer: {"error":{"code":...,"message":...}}.
type Error struct {
	Error ErrorBody `json:"error"`
}
