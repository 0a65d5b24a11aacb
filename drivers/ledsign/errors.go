package ledsign

import (
	"errors"
	"fmt"
)

// Sentinel errors. Wrapped errors keep these so callers can use errors.Is.
var (
	// ErrNoReply means the sign did not answer a request within the
	// protocol's wait (150 ms plus air time) after all retries; the sign is
	// then marked offline.
	ErrNoReply = errors.New("ledsign: no reply")
	// ErrHangup means the port reported end of file or an I/O error that
	// means the cable or adapter went away; reopening is the port's job.
	ErrHangup = errors.New("ledsign: port hung up")
	// ErrCRC is reported by the decoder when a frame's CRC-16/MODBUS does
	// not match; the decoder has already dropped one byte and resynced.
	ErrCRC = errors.New("ledsign: crc mismatch")
	// ErrVersion is reported by the decoder for a frame whose VER byte is
	// not 01.
	ErrVersion = errors.New("ledsign: unsupported protocol version")
	// ErrLength is reported for a LEN field over 512 or a payload whose
	// length does not fit the command.
	ErrLength = errors.New("ledsign: bad length")
	// ErrParam means an argument cannot be put on the wire (ticket longer
	// than 8 bytes, address out of range, ...). Nothing was sent.
	ErrParam = errors.New("ledsign: bad parameter")
	// ErrEncoding means the text cannot be encoded in the chosen encoding.
	ErrEncoding = errors.New("ledsign: text cannot be encoded")
)

// Status is the first byte of every KWS/1 reply.
type Status uint8

// Status codes of KWS/1 (protocols.md section 3).
const (
	StatusOK             Status = 0x00
	StatusUnknownCommand Status = 0x01
	StatusBadLength      Status = 0x02
	StatusBadParameter   Status = 0x03
	StatusUnsupportedChr Status = 0x04
	StatusBusy           Status = 0x05
	StatusStorage        Status = 0x06
)

var statusNames = [...]string{"ok", "unknown command", "bad length", "bad parameter", "unsupported character", "busy", "storage error"}

func (s Status) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return fmt.Sprintf("unknown status 0x%02x", uint8(s))
}

// StatusError is a reply whose status is not 00 (or that has the error
// flag set).
type StatusError struct {
	Cmd    Cmd
	Status Status
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("ledsign: %s: sign answered %s (0x%02x)", e.Cmd, e.Status, uint8(e.Status))
}

// Message returns a plain Chinese sentence for staff for an error returned
// by this package, or "" for nil.
func Message(err error) string {
	var se *StatusError
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrNoReply), errors.Is(err, ErrHangup):
		return "窗口显示屏无响应，请检查连线和电源"
	case errors.As(err, &se) && se.Status == StatusUnsupportedChr, errors.Is(err, ErrEncoding):
		return "显示屏不支持其中的文字，请修改显示内容"
	case errors.As(err, &se) && se.Status == StatusBusy:
		return "显示屏忙，请稍后再试"
	case errors.As(err, &se) && se.Status == StatusStorage:
		return "显示屏存储故障，请联系维护人员"
	case errors.Is(err, ErrParam):
		return "显示内容超出范围，请检查号码和窗口号"
	default:
		return "窗口显示屏通信故障，请联系维护人员"
	}
}
