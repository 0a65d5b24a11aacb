package flow

import (
	"time"

	"hallq/controller/hallproto"
)

// Event is something that happened: a touch, a device report, an answer of
// the controller or a clock tick. Handle ignores events that make no sense
// in the current state (a stale answer, a touch on a button no longer shown).
type Event interface{ event() }

// Touch events, sent by the UI.
type (
	// Start: the citizen touched the attract screen ("点击开始").
	Start struct{}
	// NoIDCard: "无身份证取号", a plain ticket without identity.
	NoIDCard struct{}
	// ChooseGroup picks a first-level menu entry.
	ChooseGroup struct{ ID string }
	// ChooseService picks a service.
	ChooseService struct{ ID string }
	// ChooseChannel picks a channel option by its index in State.Channels.
	ChooseChannel struct{ Index int }
	// Confirm: "确认取号" on the confirm screen.
	Confirm struct{}
	// Back goes one screen back.
	Back struct{}
	// StartOver ends the session at once ("重新开始").
	StartOver struct{}
	// ToggleLargeText switches the large-text mode ("大字").
	ToggleLargeText struct{}
	// Acknowledge closes a message ("知道了 OK").
	Acknowledge struct{}
	// TakeNormal: after a lapsed or early appointment, take a normal ticket.
	TakeNormal struct{}
	// StartDocuments opens the self-service document capture; from the done
	// screen the pages are bound to the ticket just printed.
	StartDocuments struct{}
	// ChooseMaterial picks a document type by its ID.
	ChooseMaterial struct{ ID string }
	// Capture takes the current preview frame as a page.
	Capture struct{}
	// Retake throws away the page under review.
	Retake struct{}
	// KeepPage keeps the page under review and goes back to the preview
	// for another page.
	KeepPage struct{}
	// FinishDocuments keeps the page under review (if any) and uploads.
	FinishDocuments struct{}
	// OpenTechnician: the hidden gesture that opens the technician PIN pad.
	OpenTechnician struct{}
	// StaffGreen: a staff member asks for the green channel PIN pad on the
	// channel screen.
	StaffGreen struct{}
	// PINDigit appends one digit (0-9) on the PIN pad.
	PINDigit struct{ Digit int }
	// PINDelete removes the last digit.
	PINDelete struct{}
	// PINSubmit checks the PIN.
	PINSubmit struct{}
	// TechTestPrint prints a test ticket from the technician screen.
	TechTestPrint struct{}
	// TechCardTest waits for a card to check the reader.
	TechCardTest struct{}
)

// CardKind is the kind of card the reader found.
type CardKind int

// Card kinds.
const (
	ResidentCard    CardKind = iota // 居民身份证
	ResidencePermit                 // 港澳台居民居住证
	ForeignerCard                   // 外国人永久居留身份证
)

// Card holds the decoded fields of an identity card. The machine keeps it
// only for the session and clears it at the end.
type Card struct {
	Number   string
	Name     string
	Birth    time.Time // date of birth; zero: derived from an 18-digit Number
	ValidTo  time.Time // zero with NoExpiry
	NoExpiry bool
	Kind     CardKind
	Photo    []byte // raw photo bytes, if the glue passes them; never shown
}

// CardError classifies a failed read.
type CardError int

// Card errors; Message in CardFailed overrides the default text.
const (
	CardUnreadable  CardError = iota // moved, bad frame: 请重新放置身份证
	CardPulled                       // removed during the read
	CardFake                         // authentication failed: damaged or fake
	CardExpired                      // validity ended
	CardInvalid                      // check character or fields inconsistent
	CardUnsupported                  // unknown card type
	CardReaderFault                  // module fault, timeout
)

// Device events, sent by the glue.
type (
	// CardReading: a card is in the field and being read.
	CardReading struct{}
	// CardPlaced: a card was read.
	CardPlaced struct{ Card Card }
	// CardFailed: a card was seen but could not be used.
	CardFailed struct {
		Err     CardError
		Message string // optional Chinese text from the driver
	}
	// CardRemoved: the card left the field.
	CardRemoved struct{}
	// ReaderState: the reader is (un)plugged.
	ReaderState struct{ Online bool }
	// StaffCard: a staff token card was presented; it unlocks the green
	// channel for this session. The glue checks the token.
	StaffCard struct{ Staff string }
	// CameraFrame is one preview frame (JPEG).
	CameraFrame struct{ JPEG []byte }
	// CameraBroken: a frame could not be decoded or was empty.
	CameraBroken struct{}
	// CameraMissing: the document camera is not there.
	CameraMissing struct{}
	// PrinterStatus is the printer's state, checked before tickets are
	// offered and after each print.
	PrinterStatus struct{ State PrinterState }
	// PrintDone: the last byte of the job reached the printer and it
	// reported no fault.
	PrintDone struct{ Job string }
	// PrintFailed: the job did not print completely.
	PrintFailed struct {
		Job   string
		State PrinterState // why; PrinterOK when unknown
	}
	// Tick is the clock; the glue sends one about every second.
	Tick struct{}
)

// PrinterState is what the printer reports.
type PrinterState int

// Printer states.
const (
	PrinterOK PrinterState = iota
	PrinterPaperEnd
	PrinterCoverOpen
	PrinterOffline
	PrinterUnknown // not checked yet
)

// Controller events, sent by the glue.
type (
	// ServicesUpdated is the controller's service list (GET /api/v1/services).
	ServicesUpdated struct{ Services []hallproto.Service }
	// QueuesUpdated carries the waiting counts (GET /api/v1/queues).
	QueuesUpdated struct{ Queues hallproto.Queues }
	// HallInfo is the hall's name and hours (GET /api/v1/hall). Empty
	// fields keep the configured values.
	HallInfo struct {
		Name                         Text
		IssueFrom, IssueUntil, Close string
		Location                     *time.Location
		BookingURL                   string
	}
	// IssueSucceeded answers IssueTicket. Offline: issued from the offline
	// lease, so the waiting count is unknown.
	IssueSucceeded struct {
		RequestID string
		Ticket    hallproto.Ticket
		Offline   bool
	}
	// IssueFailed answers IssueTicket with the controller's error
	// (hallproto.ErrorBody). Network: no answer at all. Existing is the
	// number of the waiting ticket for "duplicate_ticket" (parsed from the
	// message when empty).
	IssueFailed struct {
		RequestID string
		Code      string
		Message   string
		MessageEN string
		Network   bool
		Existing  string
	}
	// CheckInSucceeded answers CheckInAppointment: the appointment's ticket.
	CheckInSucceeded struct {
		RequestID string
		Ticket    hallproto.Ticket
	}
	// CheckInFailed answers CheckInAppointment: "no_appointment",
	// "appointment_early" (ComeBackAt: when check-in opens; parsed from the
	// message when zero), "appointment_lapsed", or any other error.
	CheckInFailed struct {
		RequestID  string
		Code       string
		Message    string
		MessageEN  string
		ComeBackAt time.Time
		Network    bool
	}
	// UploadDone answers UploadDocument.
	UploadDone struct{ RequestID string }
	// UploadFailed answers UploadDocument.
	UploadFailed struct {
		RequestID string
		Message   string
	}
	// LinkState: the controller is (un)reachable; Pending offline tickets
	// wait to be replayed. The citizen is told nothing.
	LinkState struct {
		Online  bool
		Pending int
	}
)

func (Start) event()            {}
func (NoIDCard) event()         {}
func (ChooseGroup) event()      {}
func (ChooseService) event()    {}
func (ChooseChannel) event()    {}
func (Confirm) event()          {}
func (Back) event()             {}
func (StartOver) event()        {}
func (ToggleLargeText) event()  {}
func (Acknowledge) event()      {}
func (TakeNormal) event()       {}
func (StartDocuments) event()   {}
func (ChooseMaterial) event()   {}
func (Capture) event()          {}
func (Retake) event()           {}
func (KeepPage) event()         {}
func (FinishDocuments) event()  {}
func (OpenTechnician) event()   {}
func (StaffGreen) event()       {}
func (PINDigit) event()         {}
func (PINDelete) event()        {}
func (PINSubmit) event()        {}
func (TechTestPrint) event()    {}
func (TechCardTest) event()     {}
func (CardReading) event()      {}
func (CardPlaced) event()       {}
func (CardFailed) event()       {}
func (CardRemoved) event()      {}
func (ReaderState) event()      {}
func (StaffCard) event()        {}
func (CameraFrame) event()      {}
func (CameraBroken) event()     {}
func (CameraMissing) event()    {}
func (PrinterStatus) event()    {}
func (PrintDone) event()        {}
func (PrintFailed) event()      {}
func (Tick) event()             {}
func (ServicesUpdated) event()  {}
func (QueuesUpdated) event()    {}
func (HallInfo) event()         {}
func (IssueSucceeded) event()   {}
func (IssueFailed) event()      {}
func (CheckInSucceeded) event() {}
func (CheckInFailed) event()    {}
func (UploadDone) event()       {}
func (UploadFailed) event()     {}
func (LinkState) event()        {}
