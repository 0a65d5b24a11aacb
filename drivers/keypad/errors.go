package keypad

import "errors"

// Sentinel errors; wrapped errors keep them for errors.Is.
var (
	// ErrChecksum: a bus frame's byte sum does not match.
	ErrChecksum = errors.New("keypad: checksum mismatch")
	// ErrFrame: a bus frame is malformed (lengths differ, out of range,
	// no 16 end byte, no data).
	ErrFrame = errors.New("keypad: malformed frame")
	// ErrUnknownKey: a key or function code with no meaning configured.
	ErrUnknownKey = errors.New("keypad: unknown key")
	// ErrRating: an evaluator sent a level outside 1..5.
	ErrRating = errors.New("keypad: rating out of range")
	// ErrHangup: the port or input device went away.
	ErrHangup = errors.New("keypad: device hung up")
	// ErrShortEvent: an input_event record was cut short.
	ErrShortEvent = errors.New("keypad: short input event")
	// ErrGrab: EVIOCGRAB failed (another process holds the device, or it
	// is not an input device).
	ErrGrab = errors.New("keypad: cannot grab input device")
	// ErrConfig: a key map entry cannot be understood.
	ErrConfig = errors.New("keypad: bad key map")
)

// Message returns a plain Chinese sentence for staff, or "" for nil.
func Message(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrHangup):
		return "呼叫器或评价器已断开，请检查连线"
	case errors.Is(err, ErrGrab):
		return "按键设备被占用，请重新插拔后再试"
	case errors.Is(err, ErrConfig):
		return "按键配置有误，请联系维护人员"
	case errors.Is(err, ErrRating):
		return "评价无效，请重新评价"
	default:
		return "按键设备通信故障，请联系维护人员"
	}
}
