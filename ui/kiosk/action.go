package kioskui

// Action is what a tap asks the flow to do. The concrete types below are
// the only implementations.
type Action interface{ action() }

type (
	// Start leaves the attract screen to take a ticket.
	Start struct{}
	// StartOver abandons the session ("重新开始").
	StartOver struct{}
	// ToggleLargeText asks for large text on or off ("大字"); the flow
	// answers with a View whose LargeText is flipped.
	ToggleLargeText struct{}
	// NoIDCard asks for a plain ticket without an ID card.
	NoIDCard struct{}
	// ChooseService picks a menu item (a service or a group).
	ChooseService struct{ ID string }
	// ChooseChannel picks a channel.
	ChooseChannel struct{ ID string }
	// Confirm issues the ticket.
	Confirm struct{}
	// Back goes one step back.
	Back struct{}
	// Retry repeats what failed (ErrorView.Retry).
	Retry struct{}
	// TakeNormalTicket takes a normal ticket after a lapsed appointment.
	TakeNormalTicket struct{}
	// StartCapture opens document capture.
	StartCapture struct{}
	// ChooseDocType picks a material type in document capture.
	ChooseDocType struct{ ID string }
	// Capture takes a picture of the page under the camera.
	Capture struct{}
	// Retake discards the captured page.
	Retake struct{}
	// KeepPage stores the captured page.
	KeepPage struct{}
	// FinishCapture ends document capture.
	FinishCapture struct{}
	// ServiceEntry asks for the technician's PIN pad: five taps on the
	// header's right corner within three seconds, so citizens do not find
	// it by accident.
	ServiceEntry struct{}
	// PINDigit is one PIN digit, '0' to '9'.
	PINDigit struct{ Digit byte }
	// PINDelete deletes the last digit.
	PINDelete struct{}
	// PINEnter submits the PIN.
	PINEnter struct{}
	// TestPrint prints a test page.
	TestPrint struct{}
	// CardReadTest reads a card without starting a session.
	CardReadTest struct{}
	// ExitService leaves the service screen.
	ExitService struct{}
)

func (Start) action()            {}
func (StartOver) action()        {}
func (ToggleLargeText) action()  {}
func (NoIDCard) action()         {}
func (ChooseService) action()    {}
func (ChooseChannel) action()    {}
func (Confirm) action()          {}
func (Back) action()             {}
func (Retry) action()            {}
func (TakeNormalTicket) action() {}
func (StartCapture) action()     {}
func (ChooseDocType) action()    {}
func (Capture) action()          {}
func (Retake) action()           {}
func (KeepPage) action()         {}
func (FinishCapture) action()    {}
func (ServiceEntry) action()     {}
func (PINDigit) action()         {}
func (PINDelete) action()        {}
func (PINEnter) action()         {}
func (TestPrint) action()        {}
func (CardReadTest) action()     {}
func (ExitService) action()      {}

// AddPage returns to the live preview to capture another page.
type AddPage struct{}

func (AddPage) action() {}
