package queue

import (
	"fmt"
	"strings"
)

// Kind classifies an Error so that a transport can pick a status code.
type Kind int

// Error kinds.
const (
	KindInvalid  Kind = iota + 1 // bad input: HTTP 400
	KindNotFound                 // unknown ticket, window or service: 404
	KindConflict                 // wrong state for the action: 409
)

// Error is a rejected command. The command changed nothing. Message is Chinese
// (shown to staff and citizens), MessageEN English.
type Error struct {
	Kind      Kind
	Code      string
	Message   string
	MessageEN string
}

func (e *Error) Error() string { return "queue: " + e.Code + ": " + e.MessageEN }

// Is makes errors.Is match on the code, so callers can compare with the
// sentinels below even when the message carries details.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// errf details a sentinel. args holds the Chinese format's arguments, then
// the English format's; when it holds only as many as the Chinese format
// needs, both formats use them.
func errf(base *Error, zh, en string, args ...any) *Error {
	n := strings.Count(zh, "%") - 2*strings.Count(zh, "%%")
	zhArgs, enArgs := args, args
	if len(args) > n {
		zhArgs, enArgs = args[:n], args[n:]
	}
	return &Error{Kind: base.Kind, Code: base.Code,
		Message: fmt.Sprintf(zh, zhArgs...), MessageEN: fmt.Sprintf(en, enArgs...)}
}

// Sentinel errors; compare with errors.Is.
var (
	ErrUnknownService   = &Error{KindNotFound, "unknown_service", "没有该业务", "unknown service"}
	ErrUnknownWindow    = &Error{KindNotFound, "unknown_window", "没有该窗口", "unknown window"}
	ErrUnknownTicket    = &Error{KindNotFound, "unknown_ticket", "没有该号票", "unknown ticket"}
	ErrInvalid          = &Error{KindInvalid, "invalid", "输入有误", "invalid input"}
	ErrBadIDCard        = &Error{KindInvalid, "bad_idcard", "身份证信息有误，请重新放置身份证", "the ID card data is invalid"}
	ErrChannelRefused   = &Error{KindConflict, "channel_refused", "该业务不接受此通道", "the service does not accept this channel"}
	ErrNotIssuing       = &Error{KindConflict, "not_issuing", "当前不在取号时间", "tickets are not issued now"}
	ErrDailyCap         = &Error{KindConflict, "daily_cap", "今日号源已取完", "the daily ticket cap is reached"}
	ErrNumbersExhausted = &Error{KindConflict, "numbers_exhausted", "号段已用完，请联系工作人员", "no free ticket number in the service's range"}
	ErrDuplicate        = &Error{KindConflict, "duplicate_ticket", "您已取过该业务的号，请耐心等候", "this person already holds a waiting ticket for the service"}
	ErrAppointmentEarly = &Error{KindConflict, "appointment_early", "预约时间未到，请稍后再来签到", "too early for the appointment"}
	ErrAppointmentLapse = &Error{KindConflict, "appointment_lapsed", "已超过预约时间30分钟，预约失效，可取普通号", "more than 30 minutes late: the appointment has lapsed"}
	ErrGreenNeedsStaff  = &Error{KindConflict, "green_needs_staff", "绿色通道需工作人员办理", "the green channel is granted by staff only"}
	ErrNotLoggedIn      = &Error{KindConflict, "not_logged_in", "窗口未登录", "nobody is logged in at the window"}
	ErrLoggedIn         = &Error{KindConflict, "logged_in", "窗口已有工作人员登录", "another staff member is logged in at the window"}
	ErrPaused           = &Error{KindConflict, "window_paused", "窗口已暂停服务", "the window is paused"}
	ErrNotPaused        = &Error{KindConflict, "window_not_paused", "窗口未暂停", "the window is not paused"}
	ErrBusy             = &Error{KindConflict, "window_busy", "请先处理当前号", "the window still has a current ticket"}
	ErrNoCurrent        = &Error{KindConflict, "no_current_ticket", "当前没有呼叫中的号", "the window has no current ticket"}
	ErrWrongState       = &Error{KindConflict, "wrong_state", "号票状态不允许此操作", "the ticket's state does not allow this action"}
	ErrRecallLimit      = &Error{KindConflict, "recall_limit", "重呼次数已达上限", "the recall limit is reached"}
	ErrTooFewCalls      = &Error{KindConflict, "too_few_calls", "呼叫次数不足，不能过号", "not called often enough to mark a no-show"}
	ErrNotServed        = &Error{KindConflict, "not_served_here", "该窗口不办理此业务", "the window does not serve this service"}
	ErrNothingWaiting   = &Error{KindConflict, "nothing_waiting", "当前无人等候", "nobody is waiting for this window"}
	// Offline tickets (lease.go).
	ErrLeaseUnknown    = &Error{KindNotFound, "lease_unknown", "号段租约不存在（或已不是今日租约）", "unknown lease (or not of today)"}
	ErrLeaseRange      = &Error{KindInvalid, "lease_out_of_range", "号码不在租约号段内", "the number is outside the lease"}
	ErrLeaseNumberUsed = &Error{KindConflict, "lease_number_used", "该号码已使用", "the number was already used"}
	ErrLeaseExpired    = &Error{KindConflict, "lease_expired", "号码在号段租约过期后发出", "the ticket was issued after the lease expired"}
	ErrLeaseLimit      = &Error{KindConflict, "lease_limit", "该设备的有效号段已达上限", "the device holds the most live leases allowed for the service"}
)
