package hallproto

import "time"

// DeviceRole is what kind of device reports its status.
type DeviceRole string

// Device roles.
const (
	RoleKiosk   DeviceRole = "kiosk"
	RoleWindow  DeviceRole = "window"
	RoleDisplay DeviceRole = "display"
)

// DeviceState sums a device's health up for staff.
type DeviceState string

// Device states.
const (
	DeviceOK       DeviceState = "ok"
	DeviceOffline  DeviceState = "offline"  // the device could not reach the controller (kiosk: issuing from its lease)
	DeviceDegraded DeviceState = "degraded" // reachable, but with problems (printer paper end, sign offline, ...)
)

// Device problems. Devices may send others; consoles show unknown ones as
// they are.
const (
	ProblemPrinterPaperEnd  = "printer_paper_end"
	ProblemPrinterCoverOpen = "printer_cover_open"
	ProblemPrinterOffline   = "printer_offline"
	ProblemSignOffline      = "sign_offline"
	ProblemCameraMissing    = "camera_missing"
	ProblemCardReader       = "card_reader_offline"
	ProblemOfflineTickets   = "offline_tickets_pending"
	ProblemReplayRejected   = "offline_tickets_rejected"
)

// DeviceStatus is the body of POST /api/v1/devices/status, and one entry of
// the answer of GET /api/v1/devices/status (the latest per device).
type DeviceStatus struct {
	Device   string      `json:"device"`
	Role     DeviceRole  `json:"role"`
	Window   string      `json:"window,omitempty"` // window devices: the window they serve
	State    DeviceState `json:"state"`
	Problems []string    `json:"problems,omitempty"`
	// Pending counts offline tickets the kiosk issued from its lease and has
	// not yet replayed to the controller.
	Pending int       `json:"pending"`
	Version string    `json:"version,omitempty"`
	At      time.Time `json:"at"` // the device's clock when it sent the status
	// ReceivedAt is set by the controller (the device's clock may be off).
	ReceivedAt *time.Time `json:"received_at,omitempty"`
}
