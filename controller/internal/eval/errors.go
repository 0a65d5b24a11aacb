package eval

import "fmt"

// Error is a refusal with its HTTP status, stable code and messages
// (Chinese for staff and citizens, English for logs). The sentinels below
// are *Error values; compare with errors.Is.
type Error struct {
	Status    int
	Code      string
	Message   string
	MessageEn string
}

func (e *Error) Error() string { return "eval: " + e.MessageEn }

func newErr(status int, code, zh, en string) *Error {
	return &Error{Status: status, Code: code, Message: zh, MessageEn: en}
}

// Sentinel errors.
var (
	// ErrBadRating: the rating is not 1..5.
	ErrBadRating = newErr(400, "invalid", "评价等级须为1至5", "rating must be 1 to 5")
	// ErrBadReason: a reason that is not in the configured list (nor
	// "reason pending"), or too long.
	ErrBadReason = newErr(400, "invalid", "评价原因无效", "reason not in the configured list")
	// ErrBadRequest: another invalid field (ticket 0, window missing, ...).
	ErrBadRequest = newErr(400, "invalid", "评价请求无效", "invalid evaluation request")
	// ErrUnknownTicket: no such ticket today.
	ErrUnknownTicket = newErr(404, "unknown_ticket", "没有该号票", "no such ticket today")
	// ErrNotFinishedHere: the ticket was not finished at the rating window.
	ErrNotFinishedHere = newErr(409, "not_finished_here", "该号票未在本窗口办结，不能评价", "the ticket was not finished at this window")
	// ErrExpired: the rating came later than the accepted time after finish.
	ErrExpired = newErr(409, "rating_expired", "评价时间已过", "too late to rate this service")
	// ErrAlreadyRated: the service was rated already (one rating per service).
	ErrAlreadyRated = newErr(409, "already_rated", "该次服务已评价", "this service was rated already")
	// ErrForbidden: the caller's role may not do this (a window device
	// rating at another window, a window reading follow-ups).
	ErrForbidden = newErr(403, "forbidden", "无权操作", "your role may not do this")
	// ErrRequestReused: a request id came back with a different body.
	ErrRequestReused = newErr(409, "request_id_reused", "request_id 已用于其他请求", "request_id was used for a different request")
	// ErrUnknownFollowup: no such follow-up.
	ErrUnknownFollowup = newErr(404, "not_found", "没有该回访记录", "no such follow-up")
	// ErrFollowupClosed: a closed follow-up does not change any more.
	ErrFollowupClosed = newErr(409, "followup_closed", "回访已办结，不能修改", "the follow-up is closed")
	// ErrCallbackRequired: called_back or closed without a callback result.
	ErrCallbackRequired = newErr(409, "callback_required", "请先填写回访结果", "a callback result is needed first")
	// ErrBadStatus: a status a patch may not set.
	ErrBadStatus = newErr(400, "invalid", "回访状态无效", "status must be called_back or closed")
	// ErrBadQuery: a query parameter that does not parse.
	ErrBadQuery = newErr(400, "invalid", "查询参数无效", "invalid query parameter")
)

// withDetail returns a copy of e whose English message names the detail;
// the code and Chinese message stay, errors.Is still matches e.
func withDetail(e *Error, format string, args ...any) error {
	return fmt.Errorf("%w: %s", e, fmt.Sprintf(format, args...))
}
