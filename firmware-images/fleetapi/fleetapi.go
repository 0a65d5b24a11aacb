// Package fleetapi holds the wire types and request signing of the fleet
// API between devices (the update agent, enrolment) and the hall controller
// (controller/internal/fleet), plus a small client. It lives outside the
// controller's internal tree because both sides import it.
//
// Changes:
//   - v1 (2026-11-21): tokens, enrol, checkin, report, devices, desired, bundles.
package fleetapi

import (
	"encoding/json"
	"time"
)

// Version of the fleet API.
const Version = 1

// Prefix of every fleet route.
const Prefix = "/api/v1/fleet/"

// Routes, relative to the controller's base URL.
const (
	PathTokens   = Prefix + "tokens"   // POST, admin
	PathEnrol    = Prefix + "enrol"    // POST, one-time token
	PathCheckin  = Prefix + "checkin"  // POST, device key
	PathReport   = Prefix + "report"   // POST, device key
	PathDevices  = Prefix + "devices"  // GET, admin; GET devices/{id}/events
	PathDesired  = Prefix + "desired"  // PUT, admin
	PathBundles  = Prefix + "bundles/" // GET bundles/{file}, device key or admin, Range supported
	PathBundleLs = Prefix + "bundles"  // GET, admin
)

// Error codes.
const (
	CodeBadRequest   = "bad_request"
	CodeUnauthorized = "unauthorized"
	CodeForbidden    = "forbidden"
	CodeNotFound     = "not_found"
	CodeTokenUsed    = "token_used"
	CodeTokenExpired = "token_expired"
	CodeConflict     = "conflict"
	CodeInternal     = "internal"
)

// ErrorBody is the JSON error shape {"error":{"code":"...","message":"..."}}.
type ErrorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// Roles of devices.
const (
	RoleKiosk      = "kiosk"
	RoleWindow     = "window"
	RoleDisplay    = "display"
	RoleController = "controller"
)

// ValidRole reports whether r is a known role.
func ValidRole(r string) bool {
	return r == RoleKiosk || r == RoleWindow || r == RoleDisplay || r == RoleController
}

// Settings are a device's role-specific settings.
type Settings struct {
	// Window is the window number of a window terminal.
	Window int `json:"window,omitempty"`
	// Ports maps a device function ("idcard", "printer", "ledsign",
	// "keypad") to a stable /dev/serial/by-id path.
	Ports map[string]string `json:"ports,omitempty"`
	// Extra holds further role settings.
	Extra map[string]string `json:"extra,omitempty"`
}

// TokenRequest asks for a one-time enrolment token.
type TokenRequest struct {
	Role     string   `json:"role"`
	Settings Settings `json:"settings"`
	// TTLSeconds defaults to 7 days.
	TTLSeconds int64  `json:"ttl_seconds,omitempty"`
	Note       string `json:"note,omitempty"`
}

// TokenResponse carries the token, shown once.
type TokenResponse struct {
	Token   string    `json:"token"`
	Role    string    `json:"role"`
	Expires time.Time `json:"expires"`
}

// EnrolRequest is sent once by a device with the seed's token.
type EnrolRequest struct {
	Token     string `json:"token"`
	PublicKey string `json:"public_key"` // base64 ed25519
	Hostname  string `json:"hostname"`
	Board     string `json:"board"`
	Product   string `json:"product"`
	Version   string `json:"version"`
}

// EnrolResponse tells the device who it is.
type EnrolResponse struct {
	DeviceID string   `json:"device_id"`
	Role     string   `json:"role"`
	Settings Settings `json:"settings"`
}

// Status is a device's self-description at check-in.
type Status struct {
	Version string `json:"version"`
	Epoch   uint32 `json:"security_epoch"`
	Slot    string `json:"slot"`
	Health  string `json:"health"` // ok, degraded, failing
	State   string `json:"state"`  // agent state
	Board   string `json:"board,omitempty"`
	Product string `json:"product,omitempty"`
}

// Desired is the update the controller wants a device to run.
type Desired struct {
	Version string `json:"version"`
	URL     string `json:"url"` // path of the bundle on the controller
	Size    int64  `json:"size"`
}

// CheckinResponse answers a check-in.
type CheckinResponse struct {
	Role     string   `json:"role"`
	Settings Settings `json:"settings"`
	Desired  *Desired `json:"desired,omitempty"`
}

// Event is one step of an update, reported to the controller.
type Event struct {
	Seq     int64     `json:"seq"`
	Time    time.Time `json:"time"`
	Step    string    `json:"step"`
	Version string    `json:"version,omitempty"`
	OK      bool      `json:"ok"`
	Detail  string    `json:"detail,omitempty"`
}

// Steps reported by the agent.
const (
	StepDownload   = "download"
	StepInstall    = "install"
	StepVerify     = "verify"
	StepArm        = "arm"
	StepReboot     = "reboot"
	StepTrial      = "trial"
	StepHealth     = "health"
	StepCommit     = "commit"
	StepRollback   = "rollback"
	StepRefused    = "refused"
	StepLocalOffer = "local"
)

// ReportRequest carries events.
type ReportRequest struct {
	Events []Event `json:"events"`
}

// Device is the controller's view of a device (admin listing).
type Device struct {
	ID          string    `json:"id"`
	Role        string    `json:"role"`
	Hostname    string    `json:"hostname"`
	Board       string    `json:"board,omitempty"`
	Product     string    `json:"product,omitempty"`
	Settings    Settings  `json:"settings"`
	Enrolled    time.Time `json:"enrolled"`
	LastContact time.Time `json:"last_contact"`
	Status      Status    `json:"status"`
	Desired     string    `json:"desired,omitempty"`
	Failed      []string  `json:"failed_versions,omitempty"`
	LastEvent   *Event    `json:"last_event,omitempty"`
}

// DesiredRequest sets the desired version for a role or one device.
type DesiredRequest struct {
	Role   string `json:"role,omitempty"`
	Device string `json:"device,omitempty"`
	// Bundle is a file name in the controller's bundle directory; its
	// manifest gives the version.
	Bundle string `json:"bundle"`
}

// DesiredResponse echoes the resolved desired state.
type DesiredResponse struct {
	Role    string `json:"role,omitempty"`
	Device  string `json:"device,omitempty"`
	Version string `json:"version"`
	Bundle  string `json:"bundle"`
	Product string `json:"product"`
}

// BundleInfo describes a stored bundle.
type BundleInfo struct {
	File    string `json:"file"`
	Size    int64  `json:"size"`
	Product string `json:"product"`
	Version string `json:"version"`
}

// MarshalIndent is json.MarshalIndent with the API's formatting.
func MarshalIndent(v any) ([]byte, error) { return json.MarshalIndent(v, "", "  ") }
