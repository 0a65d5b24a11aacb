package booking

import (
	"fmt"
	"strings"
)

// Error is a refused booking request: an HTTP status, a stable code and the
// messages (Chinese for citizens and staff, English for logs and tools).
type Error struct {
	Status    int
	Code      string
	Message   string
	MessageEN string
}

func (e *Error) Error() string { return "booking: " + e.Code + ": " + e.MessageEN }

// Is matches on the code, so a detailed error still equals its sentinel.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// with details a sentinel. args holds the Chinese format's arguments, then
// the English format's; when it holds only as many as the Chinese format
// needs, both formats use them.
func (e *Error) with(zh, en string, args ...any) *Error {
	n := strings.Count(zh, "%") - 2*strings.Count(zh, "%%")
	zhArgs, enArgs := args, args
	if len(args) > n {
		zhArgs, enArgs = args[:n], args[n:]
	}
	return &Error{Status: e.Status, Code: e.Code, Message: fmt.Sprintf(zh, zhArgs...), MessageEN: fmt.Sprintf(en, enArgs...)}
}

// Sentinel errors; compare with errors.Is. The codes are the API's.
var (
	ErrInvalid          = &Error{400, "invalid", "输入有误", "invalid input"}
	ErrBadIDCard        = &Error{400, "bad_idcard", "身份证信息有误", "ID card data invalid"}
	ErrBadDate          = &Error{400, "bad_date", "日期格式应为 YYYY-MM-DD", "date must be YYYY-MM-DD"}
	ErrBadSlot          = &Error{400, "bad_slot", "没有该预约时段", "no such slot"}
	ErrUnknownService   = &Error{404, "unknown_service", "该业务不可预约", "the service cannot be booked"}
	ErrNotWorkday       = &Error{409, "not_workday", "该日不是工作日", "the date is not a working day"}
	ErrOutOfWindow      = &Error{409, "out_of_booking_window", "该日期不在可预约范围内", "the date is outside the booking window"}
	ErrSlotFull         = &Error{409, "slot_full", "该时段已约满，请选择其他时段", "the slot is full"}
	ErrOnePerDay        = &Error{409, "already_booked", "您当天已有预约，每人每天限约一次", "one booking per person per day"}
	ErrBlocked          = &Error{409, "booking_blocked", "因多次预约未到，暂停预约", "booking blocked after repeated no-shows"}
	ErrNotFound         = &Error{404, "no_such_appointment", "没有该预约", "no such appointment"}
	ErrCancelTooLate    = &Error{409, "cancel_too_late", "距预约时间不足规定时限，不能取消", "too late to cancel"}
	ErrWrongState       = &Error{409, "appointment_state", "预约状态不允许此操作", "the appointment's state does not allow this"}
	ErrNoAppointment    = &Error{404, "no_appointment", "未查询到您今天的预约", "no appointment today for this person"}
	ErrEarly            = &Error{409, "appointment_early", "预约时间未到，请稍后再来签到", "too early for the appointment"}
	ErrLapsed           = &Error{409, "appointment_lapsed", "已超过预约时间30分钟，预约失效，可取普通号", "more than 30 minutes late: the appointment has lapsed; take a normal ticket"}
	ErrAlreadyCheckedIn = &Error{409, "already_checked_in", "您今天的预约已签到", "the appointment is already checked in"}
	ErrRequestReused    = &Error{409, "request_id_reused", "request_id 已用于其他请求", "request_id was used for a different request"}
	ErrForbidden        = &Error{403, "forbidden", "无权进行此操作", "this caller may not do this"}
	ErrUnavailable      = &Error{503, "store_unavailable", "系统暂时无法保存，请稍后重试", "the store cannot write now; retry"}
)
