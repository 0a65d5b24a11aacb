// Package flow is the citizen journey at the ticket kiosk as a pure state
// machine: no I/O, no goroutines, no clock of its own. The glue
// (kiosk/internal/kioskapp) feeds it Events with the current time and
// performs the Effects it returns; the UI renders State.
//
//	m := flow.New(flow.Config{...})
//	effects := m.Handle(now, flow.CardPlaced{Card: c})
//	ui.Show(m.State())
//
// Screens (State.Screen) and how the journey moves between them:
//
//	attract ⇄ closed              by the clock: issue hours (HallInfo overrides Config)
//	attract -Start-> identify     -CardReading-> reading -CardPlaced-> checking-in
//	identify -NoIDCard-> menu     (no identity: declared categories only)
//	checking-in -CheckInSucceeded-> printing        appointment ticket
//	            -no_appointment / network-> menu
//	            -appointment_early / _lapsed-> appointment -TakeNormal-> menu
//	menu = groups -ChooseGroup-> services (one level when ≤ 1 group)
//	services -ChooseService-> channel -ChooseChannel-> confirm
//	         (channel skipped when only one option exists)
//	confirm -Confirm-> issuing -IssueSucceeded-> printing -PrintDone-> done
//	issuing -IssueFailed-> message (duplicate: the held number; closed
//	        service: back to the menu; channel refused: back to channel)
//	printing -PrintFailed / timeout-> print-problem (number shown, ask staff)
//	done -StartDocuments-> material (pages bound to the ticket)
//	attract/closed -StartDocuments-> identify (card needed) -> material
//	material -> preview -Capture-> review -KeepPage-> preview
//	                                   -Retake-> preview
//	                                   -FinishDocuments-> uploading -> uploaded
//	attract -OpenTechnician-> pin -> technician (test print, card read test)
//	channel -StaffGreen-> pin -> channel with the green channel
//
// Every screen has StartOver (except while the controller, printer or
// upload is awaited: leaving then could lose a ticket) and ToggleLargeText;
// large text switches on by itself for citizens the love channel covers by
// age. Each screen times out (Config.IdleTimeout, DoneTimeout for done and
// messages, IssueTimeout and PrintTimeout for the waits) back to attract.
//
// Guarantees, tested by the fuzz test: one Confirm gives at most one
// IssueTicket; a ticket is printed at most once and only after the
// controller (or the offline lease) issued it; a ticket whose print failed
// is never issued again, its number is shown instead; when a session ends
// (ClearPersonalData) neither the Machine nor State holds the ID number or
// name, and a card photo is never kept at all. State shows only the masked
// name (张*三), masked by drivers/idcard's pure MaskName: flow imports
// drivers/idcard for its pure helpers only, never for the device.
//
// Printer: tickets are offered only after a PrinterStatus of PrinterOK, so
// the glue must send one at start and on every change; ReportStatus is
// emitted whenever the set of device problems changes.
//
// Effects: ReadCard, CheckInAppointment, IssueTicket, Print, StartCamera,
// StopCamera, UploadDocument, ReportStatus, ClearPersonalData, Busy, Beep.
// Answers carry the effect's RequestID (or Job) so stale answers are
// ignored.
package flow
