package console

import "errors"

// Sentinel errors. Handlers answer them with Chinese messages (see msg).
var (
	// ErrBadCredentials: unknown user or wrong password (never says which).
	ErrBadCredentials = errors.New("console: bad credentials")
	// ErrRateLimited: too many failed sign-ins from one address or for one user.
	ErrRateLimited = errors.New("console: too many sign-in attempts")
	// ErrNoSession: no valid session cookie (missing, unknown, expired).
	ErrNoSession = errors.New("console: no session")
	// ErrCSRF: a mutating request without the session's CSRF token.
	ErrCSRF = errors.New("console: missing or wrong csrf token")
	// ErrStaleVersion: a configuration change based on an older version.
	ErrStaleVersion = errors.New("console: configuration changed meanwhile")
	// ErrSettings: the console section of the configuration file is invalid.
	ErrSettings = errors.New("console: invalid settings")
)
