package idcard

import (
	"errors"
	"fmt"

	"hallq/drivers/serialport"
)

// Sentinel errors. Every error the package returns wraps one of them, so a
// UI can call Message(err) for the Chinese text shown to the citizen.
var (
	// ErrNoCard: the module answered "no card" (SW3 80).
	ErrNoCard = errors.New("idcard: no card")
	// ErrSelectFailed: the card left the field between find and select (SW3 81).
	ErrSelectFailed = errors.New("idcard: select failed")
	// ErrReadFailed: the card moved during the read (SW3 41).
	ErrReadFailed = errors.New("idcard: read failed")
	// ErrCardAuth: the card and module failed to authenticate each other
	// (SW3 31, 32, 33, 47): a damaged or fake card.
	ErrCardAuth = errors.New("idcard: card authentication failed")
	// ErrUnknownCardType: SW3 40, or a text block with an unknown type mark.
	ErrUnknownCardType = errors.New("idcard: unknown card type")
	// ErrNoContent: SW3 91, the item (appended address) is empty.
	ErrNoContent = errors.New("idcard: no content")
	// ErrModule: the module reported a fault of its own (self-test,
	// authorisation, bad command, checksum or length of our frame).
	ErrModule = errors.New("idcard: module error")
	// ErrChecksum: a response frame failed its XOR check.
	ErrChecksum = errors.New("idcard: bad checksum")
	// ErrFrameLength: a response LEN was out of range for the command.
	ErrFrameLength = errors.New("idcard: bad frame length")
	// ErrTimeout: the module did not answer in time.
	ErrTimeout = errors.New("idcard: timeout")
	// ErrDisconnected: the reader was unplugged or its port hung up.
	ErrDisconnected = errors.New("idcard: reader disconnected")
	// ErrBadText: the text block is malformed (wrong size, bad dates).
	ErrBadText = errors.New("idcard: malformed text block")
	// ErrInvalidNumber: the ID number fails the GB 11643 check character.
	ErrInvalidNumber = errors.New("idcard: invalid id number")
	// ErrInconsistent: the ID number disagrees with the birth date or gender.
	ErrInconsistent = errors.New("idcard: id number inconsistent with card fields")
	// ErrExpired: the card's validity has ended.
	ErrExpired = errors.New("idcard: card expired")
	// ErrNoDecoder: no PhotoDecoder is configured (the licensed WLT
	// library is absent); the raw photo bytes are still in Identity.Photo.
	ErrNoDecoder = errors.New("idcard: no photo decoder")
	// ErrNoBaud: no probed baud rate got an answer.
	ErrNoBaud = errors.New("idcard: no answer at any baud rate")
)

// StatusError is a non-success SW3 from the module.
type StatusError struct {
	Cmd, Para byte
	SW3       byte
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("idcard: command %02x %02x: status %02x (%s)", e.Cmd, e.Para, e.SW3, sw3Text(e.SW3))
}

// Unwrap maps the status code onto a sentinel error.
func (e *StatusError) Unwrap() error {
	switch e.SW3 {
	case SW3NoCard:
		return ErrNoCard
	case SW3SelectFailed:
		return ErrSelectFailed
	case SW3ReadFailed:
		return ErrReadFailed
	case 0x31, 0x32, 0x33, 0x47:
		return ErrCardAuth
	case 0x40:
		return ErrUnknownCardType
	case SW3NoContent:
		return ErrNoContent
	}
	return ErrModule
}

func sw3Text(sw3 byte) string {
	switch sw3 {
	case 0x90:
		return "ok"
	case 0x9F:
		return "card found"
	case 0x10:
		return "checksum error in host frame"
	case 0x11:
		return "length error in host frame"
	case 0x21:
		return "bad command"
	case 0x23:
		return "unauthorised operation"
	case 0x24:
		return "unknown error"
	case 0x31:
		return "card failed to authenticate the module"
	case 0x32:
		return "module failed to authenticate the card"
	case 0x33:
		return "data verification error"
	case 0x40:
		return "unknown card type"
	case 0x41:
		return "read failed"
	case 0x47:
		return "challenge failed"
	case 0x60:
		return "module self-test failed"
	case 0x66:
		return "module not authorised"
	case 0x80:
		return "no card"
	case 0x81:
		return "select failed"
	case 0x91:
		return "no content"
	}
	return "unknown status"
}

// Message returns the Chinese text to show a citizen or staff member for an
// error returned by this package, or "" for nil.
func Message(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrExpired):
		return "身份证已过期，请使用有效证件"
	case errors.Is(err, ErrNoCard):
		return "请将身份证放在读卡区"
	case errors.Is(err, ErrSelectFailed), errors.Is(err, ErrReadFailed),
		errors.Is(err, ErrChecksum), errors.Is(err, ErrFrameLength), errors.Is(err, ErrBadText):
		return "请重新放置身份证"
	case errors.Is(err, ErrInvalidNumber), errors.Is(err, ErrInconsistent):
		return "身份证信息校验失败，请重新放置身份证"
	case errors.Is(err, ErrCardAuth):
		return "证件无法验证，请联系工作人员"
	case errors.Is(err, ErrUnknownCardType):
		return "不支持该证件类型，请使用居民身份证或居住证"
	case errors.Is(err, ErrDisconnected), errors.Is(err, serialport.ErrHangup):
		return "读卡器未连接，请联系工作人员"
	case errors.Is(err, ErrTimeout), errors.Is(err, ErrNoBaud):
		return "读卡器无响应，请联系工作人员"
	}
	return "读卡器故障，请联系工作人员"
}
