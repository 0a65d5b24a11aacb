// Package keypad turns window callers (呼叫器), evaluation keypads (评价器)
// and keyboard-like keypads into one normalised Event: which window, what
// the staff member or citizen asked for (call next, recall, pause, rate ...),
// the rating for 好差评, and when.
//
// Adapters (protocols.md section 4):
//   - Bus: the wired RS-485 bus shared by all windows, frames
//     FF 68 L L 68 ADDR FUNC DATA.. SUM 16, echoed by the host as the ack.
//   - Evdev: USB keypads that emulate a keyboard, read from
//     /dev/input/eventN with the device grabbed so keys do not reach the UI;
//     key codes mapped by configuration (DigitRatings and OrderedRatings give
//     the five levels for 5-key evaluators).
//
// Every adapter is a Source. keypadtest emulates the RS-485 bus.
package keypad

import (
	"context"
	"fmt"
	"time"
)

// Kind is what a key press asks for.
type Kind uint8

// Kinds of events.
const (
	KindNone      Kind = iota
	KindCallNext       // 叫号
	KindRecall         // 重呼
	KindNoShow         // 弃号 / cancel the current ticket
	KindPause          // 暂停
	KindResume         // 恢复
	KindTransfer       // 转移 (digits and confirm follow)
	KindFinish         // 办结
	KindRate           // a citizen's rating; see Event.Rating
	KindAskRating      // staff asks the citizen to rate
	KindDigit          // 0-9, see Event.Digit
	KindConfirm        // ends a digit entry, see Event.Number
)

var kindNames = [...]string{"none", "call-next", "recall", "no-show", "pause", "resume", "transfer", "finish",
	"rate", "ask-rating", "digit", "confirm"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// ParseKind maps the names String returns (as used in configuration) back.
func ParseKind(s string) (Kind, error) {
	for i, n := range kindNames {
		if n == s && i != 0 {
			return Kind(i), nil
		}
	}
	return KindNone, fmt.Errorf("%w: kind %q", ErrConfig, s)
}

// Rating is one of the national five 好差评 levels.
type Rating uint8

// The five levels.
const (
	VeryDissatisfied Rating = 1 // 非常不满意
	Dissatisfied     Rating = 2 // 不满意
	Neutral          Rating = 3 // 基本满意
	Satisfied        Rating = 4 // 满意
	VerySatisfied    Rating = 5 // 非常满意
)

var ratingNames = [...]string{"", "非常不满意", "不满意", "基本满意", "满意", "非常满意"}

// Valid reports whether r is 1..5.
func (r Rating) Valid() bool { return r >= 1 && r <= 5 }

// Bad reports a bad review (1 or 2) that needs a reason and a follow-up.
func (r Rating) Bad() bool { return r == 1 || r == 2 }

// String returns the level's Chinese name, as shown to citizens.
func (r Rating) String() string {
	if r.Valid() {
		return ratingNames[r]
	}
	return fmt.Sprintf("无效评价(%d)", uint8(r))
}

// Event is one normalised key press.
type Event struct {
	Time   time.Time
	Device string // adapter and address: "rs485:3", "evdev:/dev/input/event2"
	Window string // the window the device serves, from configuration
	Kind   Kind
	Key    uint16 // raw code: bus key byte or evdev KEY_* code
	Digit  int8   // 0-9 for KindDigit, else -1
	Number string // digits entered before a KindConfirm ("12")
	Rating Rating // 1..5 for KindRate
}

func (e Event) String() string {
	s := fmt.Sprintf("%s window %q %s", e.Device, e.Window, e.Kind)
	switch e.Kind {
	case KindRate:
		s += " " + e.Rating.String()
	case KindDigit:
		s += fmt.Sprintf(" %d", e.Digit)
	case KindConfirm:
		s += " " + e.Number
	}
	return s
}

// Source is any adapter that produces events.
type Source interface {
	// Next blocks until an event, ctx is done, or the device fails.
	Next(ctx context.Context) (Event, error)
	String() string
	Halt() error
}

// Clock supplies event times; tests inject a fake.
type Clock interface{ Now() time.Time }

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

// digits collects a digit entry for KindConfirm.
type digits struct{ b []byte }

// apply fills e.Number/e.Digit and keeps the entry; bounded so a stuck
// key cannot grow it.
func (d *digits) apply(e *Event) {
	switch e.Kind {
	case KindDigit:
		if len(d.b) < 8 {
			d.b = append(d.b, '0'+byte(e.Digit))
		}
	case KindConfirm:
		e.Number = string(d.b)
		d.b = d.b[:0]
	default:
		d.b = d.b[:0]
	}
}
