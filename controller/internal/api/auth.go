package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/http"
	"strings"
)

// Role is what a token may do.
type Role string

// Roles. A window device acts for the staff member logged in at its window.
const (
	RoleKiosk   Role = "kiosk"   // issue tickets
	RoleWindow  Role = "window"  // window actions at its own window
	RoleDisplay Role = "display" // read and follow events
	RoleStaff   Role = "staff"   // window actions at any window, green channel
	RoleAdmin   Role = "admin"   // everything

	// Console roles without a device counterpart. The console signs hall
	// managers in as RoleAdmin and window supervisors as RoleStaff (their
	// Name is the console user), so every API accepts them as it is.
	RoleTechnician Role = "technician" // devices; reads the hall
	RoleAuditor    Role = "auditor"    // reads everything, changes nothing
)

// MayManage: configuration and other hall-wide changes.
func (p Principal) MayManage() bool { return p.Role == RoleAdmin }

// MaySupervise: actions on any window or ticket (pause, transfer, cancel,
// green channel) and appointments.
func (p Principal) MaySupervise() bool {
	return p.MayManage() || p.Role == RoleStaff
}

// MayReadRecords: hall records (device status, reports, evaluations) for
// supervisors and the console's read-only roles (technician, auditor).
func (p Principal) MayReadRecords() bool {
	return p.MaySupervise() || p.Role == RoleAuditor || p.Role == RoleTechnician
}

// ReadOnly reports a role that may read but change nothing.
func (p Principal) ReadOnly() bool { return p.Role == RoleAuditor || p.Role == RoleDisplay }

// Token is one configured bearer token.
type Token struct {
	Token  string `yaml:"token" json:"token"`
	Role   Role   `yaml:"role" json:"role"`
	Window string `yaml:"window" json:"window"` // for RoleWindow
	Name   string `yaml:"name" json:"name"`     // device or staff id, for logs
}

// Principal is an authenticated caller.
type Principal struct {
	Role   Role
	Window string
	Name   string
}

// Tokens checks bearer tokens in constant time per token.
type Tokens struct {
	list []tokenEntry
}

type tokenEntry struct {
	sum [32]byte
	p   Principal
}

// NewTokens validates a token list.
func NewTokens(ts []Token) (*Tokens, error) {
	out := &Tokens{}
	seen := map[string]bool{}
	for i, t := range ts {
		switch t.Role {
		case RoleKiosk, RoleDisplay, RoleStaff, RoleAdmin:
		case RoleWindow:
			if t.Window == "" {
				return nil, fmt.Errorf("api: tokens[%d]: a window token names its window", i)
			}
		default:
			return nil, fmt.Errorf("api: tokens[%d]: unknown role %q", i, t.Role)
		}
		if len(t.Token) < 16 {
			return nil, fmt.Errorf("api: tokens[%d] (%s): token shorter than 16 characters", i, t.Name)
		}
		if seen[t.Token] {
			return nil, fmt.Errorf("api: tokens[%d] (%s): duplicate token", i, t.Name)
		}
		seen[t.Token] = true
		out.list = append(out.list, tokenEntry{sha256.Sum256([]byte(t.Token)), Principal{t.Role, t.Window, t.Name}})
	}
	return out, nil
}

// IsAdmin reports whether a request carries an admin token (for handlers
// mounted beside the API, such as the fleet service).
func (ts *Tokens) IsAdmin(r *http.Request) bool {
	p, ok := ts.authenticate(r)
	return ok && p.Role == RoleAdmin
}

// Authenticator resolves a request to a caller. The API tries the bearer
// tokens first, then Options.Authenticators in order (the console's session
// cookies), so packages mounted beside the API share one notion of a caller.
type Authenticator func(r *http.Request) (Principal, bool)

// Authenticate is the token check as an Authenticator.
func (ts *Tokens) Authenticate(r *http.Request) (Principal, bool) { return ts.authenticate(r) }

// Chain tries each authenticator in order.
func Chain(as ...Authenticator) Authenticator {
	return func(r *http.Request) (Principal, bool) {
		for _, a := range as {
			if a == nil {
				continue
			}
			if p, ok := a(r); ok {
				return p, true
			}
		}
		return Principal{}, false
	}
}

func (ts *Tokens) authenticate(r *http.Request) (Principal, bool) {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || tok == "" {
		return Principal{}, false
	}
	sum := sha256.Sum256([]byte(tok))
	var found Principal
	hit := 0
	for _, e := range ts.list {
		if subtle.ConstantTimeCompare(sum[:], e.sum[:]) == 1 {
			found, hit = e.p, 1
		}
	}
	return found, hit == 1
}

// mayIssue: kiosks, staff and admins issue tickets.
func (p Principal) mayIssue() bool {
	return p.Role == RoleKiosk || p.Role == RoleStaff || p.Role == RoleAdmin || p.Role == RoleWindow
}

// staffPower: may grant the green channel when issuing.
func (p Principal) staffPower() bool {
	return p.MaySupervise() || p.Role == RoleWindow
}

// mayAct: window actions at window w.
func (p Principal) mayAct(w string) bool {
	switch p.Role {
	case RoleStaff, RoleAdmin:
		return true
	case RoleWindow:
		return p.Window == w
	}
	return false
}
