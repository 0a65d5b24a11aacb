package flow

import "hallq/controller/hallproto"

// Effect is work the glue performs for the machine. Effects come back from
// Handle in the order they must be done.
type Effect interface{ effect() }

type (
	// ReadCard arms the reader: the identify screen is up, or the
	// technician runs a card read test (Test). A reader that polls all the
	// time may ignore it.
	ReadCard struct{ Test bool }
	// IssueTicket asks the controller (or the offline lease) for a ticket:
	// POST /api/v1/tickets with hallproto.IssueRequest. The answer comes
	// back as IssueSucceeded or IssueFailed with the same RequestID; a
	// retry must reuse it.
	IssueTicket struct {
		RequestID string
		Service   string
		Channel   hallproto.Channel
		Category  string            // declared, unverified
		IDCard    *hallproto.IDCard // nil on the "no ID card" path
		Staff     string            // staff member who unlocked the green channel
	}
	// CheckInAppointment asks the controller for today's appointment of the
	// card holder (POST /api/v1/appointments/checkin). Answer:
	// CheckInSucceeded or CheckInFailed.
	CheckInAppointment struct {
		RequestID string
		IDCard    hallproto.IDCard
	}
	// Print prints a ticket. Job comes back in PrintDone or PrintFailed.
	// Test marks the technician's test print (Ticket is a sample then).
	// Offline: the waiting count is unknown, print a calm text instead.
	Print struct {
		Job     string
		Ticket  hallproto.Ticket
		Offline bool
		Test    bool
	}
	// StartCamera starts the preview of the document camera; frames come
	// back as CameraFrame, CameraBroken or CameraMissing.
	StartCamera struct{}
	// StopCamera stops it.
	StopCamera struct{}
	// UploadDocument stores captured pages on the controller, bound to the
	// ticket (TicketID) or, for a later visit, to the person (IDCard).
	// Answer: UploadDone or UploadFailed with the same RequestID.
	UploadDocument struct {
		RequestID string
		Material  string
		Pages     [][]byte // JPEG
		TicketID  uint64
		IDCard    *hallproto.IDCard
	}
	// ReportStatus tells the controller about the kiosk's devices
	// (POST /api/v1/devices/status): State "ok" or "degraded", Problems as
	// in hallproto.DeviceStatus ("printer_paper_end", ...).
	ReportStatus struct {
		State    string
		Problems []string
	}
	// ClearPersonalData: the session ended; the glue drops every copy of
	// card data, photos and pages it holds.
	ClearPersonalData struct{}
	// Busy: a citizen session is (no longer) in progress; the glue touches
	// or removes /run/hallq/busy so updates wait.
	Busy struct{ On bool }
	// Beep sounds the buzzer.
	Beep struct{ Kind BeepKind }
)

// BeepKind is the sound of a Beep.
type BeepKind int

// Beep kinds.
const (
	BeepOK    BeepKind = iota // card read, ticket printed
	BeepError                 // refused touch, failed read
)

func (ReadCard) effect()           {}
func (IssueTicket) effect()        {}
func (CheckInAppointment) effect() {}
func (Print) effect()              {}
func (StartCamera) effect()        {}
func (StopCamera) effect()         {}
func (UploadDocument) effect()     {}
func (ReportStatus) effect()       {}
func (ClearPersonalData) effect()  {}
func (Busy) effect()               {}
func (Beep) effect()               {}
