package docs

import (
	"errors"
	"fmt"
	"net/http"
)

// Sentinel errors; every error the package returns to a caller is an
// *Error wrapping one of them (errors.Is works).
var (
	ErrBadJSON       = errors.New("docs: malformed request")
	ErrBadRequestID  = errors.New("docs: bad request id")
	ErrBinding       = errors.New("docs: upload bound to neither or both of ticket and ID card")
	ErrMaterial      = errors.New("docs: bad material name")
	ErrNoPages       = errors.New("docs: no pages")
	ErrTooLarge      = errors.New("docs: upload too large")
	ErrBadPage       = errors.New("docs: page is not a valid JPEG")
	ErrBadIDCard     = errors.New("docs: bad ID number")
	ErrUnknownTicket = errors.New("docs: unknown ticket")
	ErrNotFound      = errors.New("docs: no such document or page")
	ErrForbidden     = errors.New("docs: not allowed")
	ErrRequestReused = errors.New("docs: request id reused for a different upload")
)

// kinds maps each sentinel to its HTTP status and error code.
var kinds = map[error]struct {
	status int
	code   string
}{
	ErrBadJSON: {400, "bad_json"}, ErrBadRequestID: {400, "bad_request_id"}, ErrBinding: {400, "bad_binding"},
	ErrMaterial: {400, "bad_material"}, ErrNoPages: {400, "no_pages"}, ErrTooLarge: {http.StatusRequestEntityTooLarge, "too_large"},
	ErrBadPage: {400, "bad_page"}, ErrBadIDCard: {400, "bad_idcard"}, ErrUnknownTicket: {404, "unknown_ticket"},
	ErrNotFound: {404, "not_found"}, ErrForbidden: {403, "forbidden"}, ErrRequestReused: {409, "request_id_reused"},
}

// Error is a refusal with a Chinese message for the kiosk's or window's
// screen and an English one for logs.
type Error struct {
	Kind      error
	Message   string // Chinese
	MessageEN string
}

func (e *Error) Error() string { return "docs: " + e.MessageEN }
func (e *Error) Unwrap() error { return e.Kind }

// Status is the HTTP status of the refusal.
func (e *Error) Status() int { return kinds[e.Kind].status }

// Code is the error code of the JSON answer.
func (e *Error) Code() string { return kinds[e.Kind].code }

func fail(kind error, zh, en string, args ...any) *Error {
	return &Error{Kind: kind, Message: zh, MessageEN: fmt.Sprintf(en, args...)}
}
