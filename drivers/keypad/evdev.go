package keypad

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Linux input event types and values used here (linux/input-event-codes.h).
const (
	EvSyn = 0x00
	EvKey = 0x01

	keyRelease = 0
	keyPress   = 1
	keyRepeat  = 2
)

// eviocgrab is _IOW('E', 0x90, int).
const eviocgrab = 0x40044590

// InputEvent is one struct input_event.
type InputEvent struct {
	Time  time.Time // kernel timestamp
	Type  uint16
	Code  uint16
	Value int32
}

// EventSize64 and EventSize32 are sizeof(struct input_event) with a 64-bit
// and a 32-bit time_t-sized timeval (arm64/amd64 vs 32-bit ARM).
const (
	EventSize64 = 24
	EventSize32 = 16
)

// NativeEventSize is the record size of this build's kernel ABI.
const NativeEventSize = EventSize32 + (strconv.IntSize/64)*(EventSize64-EventSize32)

// DecodeInputEvent decodes one little-endian input_event record of size
// EventSize64 or EventSize32.
func DecodeInputEvent(b []byte, size int) (InputEvent, error) {
	if size != EventSize64 && size != EventSize32 {
		return InputEvent{}, fmt.Errorf("%w: record size %d", ErrShortEvent, size)
	}
	if len(b) < size {
		return InputEvent{}, fmt.Errorf("%w: %d of %d bytes", ErrShortEvent, len(b), size)
	}
	var sec, usec int64
	if size == EventSize64 {
		sec = int64(binary.LittleEndian.Uint64(b[0:]))
		usec = int64(binary.LittleEndian.Uint64(b[8:]))
	} else {
		sec = int64(int32(binary.LittleEndian.Uint32(b[0:])))
		usec = int64(int32(binary.LittleEndian.Uint32(b[4:])))
	}
	t := size - 8
	ev := InputEvent{Type: binary.LittleEndian.Uint16(b[t:]), Code: binary.LittleEndian.Uint16(b[t+2:]),
		Value: int32(binary.LittleEndian.Uint32(b[t+4:]))}
	if sec != 0 || usec != 0 {
		ev.Time = time.Unix(sec, usec*1000)
	}
	return ev, nil
}

// AppendInputEvent encodes ev as a record of size bytes (for recordings
// and tests).
func AppendInputEvent(dst []byte, ev InputEvent, size int) []byte {
	var sec, usec int64
	if !ev.Time.IsZero() {
		sec, usec = ev.Time.Unix(), int64(ev.Time.Nanosecond()/1000)
	}
	if size == EventSize32 {
		dst = binary.LittleEndian.AppendUint32(dst, uint32(sec))
		dst = binary.LittleEndian.AppendUint32(dst, uint32(usec))
	} else {
		dst = binary.LittleEndian.AppendUint64(dst, uint64(sec))
		dst = binary.LittleEndian.AppendUint64(dst, uint64(usec))
	}
	dst = binary.LittleEndian.AppendUint16(dst, ev.Type)
	dst = binary.LittleEndian.AppendUint16(dst, ev.Code)
	return binary.LittleEndian.AppendUint32(dst, uint32(ev.Value))
}

// Binding is what one key means.
type Binding struct {
	Kind   Kind
	Rating Rating // KindRate
	Digit  int8   // KindDigit
}

// KeyMap maps evdev key codes to bindings.
type KeyMap map[uint16]Binding

// Key codes by name, for configuration (linux/input-event-codes.h).
var keyCodes = map[string]uint16{
	"KEY_ESC": 1, "KEY_1": 2, "KEY_2": 3, "KEY_3": 4, "KEY_4": 5, "KEY_5": 6, "KEY_6": 7, "KEY_7": 8,
	"KEY_8": 9, "KEY_9": 10, "KEY_0": 11, "KEY_MINUS": 12, "KEY_EQUAL": 13, "KEY_BACKSPACE": 14, "KEY_TAB": 15,
	"KEY_Q": 16, "KEY_W": 17, "KEY_E": 18, "KEY_R": 19, "KEY_T": 20, "KEY_Y": 21, "KEY_U": 22, "KEY_I": 23,
	"KEY_O": 24, "KEY_P": 25, "KEY_ENTER": 28, "KEY_A": 30, "KEY_S": 31, "KEY_D": 32, "KEY_F": 33, "KEY_G": 34,
	"KEY_H": 35, "KEY_J": 36, "KEY_K": 37, "KEY_L": 38, "KEY_Z": 44, "KEY_X": 45, "KEY_C": 46, "KEY_V": 47,
	"KEY_B": 48, "KEY_N": 49, "KEY_M": 50, "KEY_KPASTERISK": 55, "KEY_SPACE": 57,
	"KEY_F1": 59, "KEY_F2": 60, "KEY_F3": 61, "KEY_F4": 62, "KEY_F5": 63, "KEY_F6": 64, "KEY_F7": 65,
	"KEY_F8": 66, "KEY_F9": 67, "KEY_F10": 68, "KEY_NUMLOCK": 69, "KEY_KP7": 71, "KEY_KP8": 72, "KEY_KP9": 73,
	"KEY_KPMINUS": 74, "KEY_KP4": 75, "KEY_KP5": 76, "KEY_KP6": 77, "KEY_KPPLUS": 78, "KEY_KP1": 79,
	"KEY_KP2": 80, "KEY_KP3": 81, "KEY_KP0": 82, "KEY_KPDOT": 83, "KEY_F11": 87, "KEY_F12": 88,
	"KEY_KPENTER": 96, "KEY_KPSLASH": 98, "KEY_DELETE": 111,
}

// KeyCode returns the code of a KEY_* name, or of "code:N".
func KeyCode(name string) (uint16, error) {
	if c, ok := keyCodes[strings.ToUpper(name)]; ok {
		return c, nil
	}
	if n, ok := strings.CutPrefix(name, "code:"); ok {
		v, err := strconv.ParseUint(n, 10, 16)
		if err == nil {
			return uint16(v), nil
		}
	}
	return 0, fmt.Errorf("%w: key %q", ErrConfig, name)
}

// ParseKeyMap reads configuration of the form {"KEY_F1": "call-next",
// "KEY_KP5": "rate:5", "KEY_1": "digit:1"}.
func ParseKeyMap(cfg map[string]string) (KeyMap, error) {
	m := KeyMap{}
	for name, what := range cfg {
		code, err := KeyCode(name)
		if err != nil {
			return nil, err
		}
		b := Binding{Digit: -1}
		kind, arg, hasArg := strings.Cut(what, ":")
		if b.Kind, err = ParseKind(kind); err != nil {
			return nil, err
		}
		switch b.Kind {
		case KindRate, KindDigit:
			v, err := strconv.Atoi(arg)
			if !hasArg || err != nil {
				return nil, fmt.Errorf("%w: %s needs a number: %q", ErrConfig, kind, what)
			}
			if b.Kind == KindRate {
				if b.Rating = Rating(v); v < 1 || v > 5 {
					return nil, fmt.Errorf("%w: rating %d not 1..5", ErrConfig, v)
				}
			} else if v < 0 || v > 9 {
				return nil, fmt.Errorf("%w: digit %d", ErrConfig, v)
			} else {
				b.Digit = int8(v)
			}
		default:
			if hasArg {
				return nil, fmt.Errorf("%w: %q takes no argument", ErrConfig, what)
			}
		}
		m[code] = b
	}
	return m, nil
}

// DigitRatings is the key map of 5-key evaluators whose keys type the level
// itself: 5 (or keypad 5) = 非常满意 ... 1 = 非常不满意.
func DigitRatings() KeyMap {
	m := KeyMap{}
	for r := Rating(1); r <= 5; r++ {
		m[keyCodes["KEY_"+strconv.Itoa(int(r))]] = Binding{Kind: KindRate, Rating: r, Digit: -1}
		m[keyCodes["KEY_KP"+strconv.Itoa(int(r))]] = Binding{Kind: KindRate, Rating: r, Digit: -1}
	}
	return m
}

// OrderedRatings is the key map of 5-key evaluators labelled from best to
// worst: keys[0] is 非常满意 (5), keys[4] is 非常不满意 (1).
func OrderedRatings(keys [5]uint16) KeyMap {
	m := KeyMap{}
	for i, k := range keys {
		m[k] = Binding{Kind: KindRate, Rating: Rating(5 - i), Digit: -1}
	}
	return m
}

// EvdevOpts configures an Evdev.
type EvdevOpts struct {
	Keys      KeyMap
	Window    string
	EventSize int  // 0 = NativeEventSize
	Grab      bool // EVIOCGRAB so keys do not reach the UI (Open only)
	// OnError sees unmapped keys, which Next skips.
	OnError func(error)
	Clock   Clock // used when the kernel timestamp is zero
}

// Evdev is a keyboard-like keypad read through Linux evdev.
type Evdev struct {
	r      io.Reader
	name   string
	opts   EvdevOpts
	buf    []byte
	n      int
	digits digits
}

var _ Source = (*Evdev)(nil)

// OpenEvdev opens /dev/input/eventN and, if opts.Grab, grabs it.
func OpenEvdev(path string, opts *EvdevOpts) (*Evdev, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("keypad: open %s: %w", path, err)
	}
	if opts != nil && opts.Grab {
		if err := grab(f, true); err != nil {
			f.Close()
			return nil, fmt.Errorf("keypad: %s: %w: %w", path, ErrGrab, err)
		}
	}
	return NewEvdev(f, path, opts), nil
}

func grab(f *os.File, on bool) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	v := 0
	if on {
		v = 1
	}
	var ierr error
	if err := rc.Control(func(fd uintptr) { ierr = unix.IoctlSetInt(int(fd), eviocgrab, v) }); err != nil {
		return err
	}
	return ierr
}

// NewEvdev reads input_event records from r (an event device, a pipe, or a
// recording file); name identifies it in events.
func NewEvdev(r io.Reader, name string, opts *EvdevOpts) *Evdev {
	o := EvdevOpts{}
	if opts != nil {
		o = *opts
	}
	if o.EventSize != EventSize32 && o.EventSize != EventSize64 {
		o.EventSize = NativeEventSize
	}
	if o.Clock == nil {
		o.Clock = realClock{}
	}
	return &Evdev{r: r, name: name, opts: o, buf: make([]byte, 64*o.EventSize)}
}

func (d *Evdev) String() string { return "keypad.Evdev(" + d.name + ")" }

// Halt releases the grab and closes the device if Evdev opened it.
func (d *Evdev) Halt() error {
	if f, ok := d.r.(*os.File); ok {
		if d.opts.Grab {
			_ = grab(f, false)
		}
		return f.Close()
	}
	return nil
}

// Next returns the next mapped key press. Releases, auto-repeat and
// unmapped keys are skipped. A recording ends with io.EOF.
func (d *Evdev) Next(ctx context.Context) (Event, error) {
	dl, hasDL := d.r.(interface{ SetReadDeadline(time.Time) error })
	for {
		for d.n >= d.opts.EventSize {
			ev, _ := DecodeInputEvent(d.buf[:d.n], d.opts.EventSize)
			copy(d.buf, d.buf[d.opts.EventSize:d.n])
			d.n -= d.opts.EventSize
			if e, ok := d.event(ev); ok {
				return e, nil
			}
		}
		if err := ctx.Err(); err != nil {
			return Event{}, err
		}
		if hasDL {
			_ = dl.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		}
		n, err := d.r.Read(d.buf[d.n:])
		d.n += n
		if n > 0 {
			continue
		}
		switch {
		case err == nil, errors.Is(err, os.ErrDeadlineExceeded):
		case errors.Is(err, io.EOF):
			if d.n > 0 {
				return Event{}, fmt.Errorf("keypad: %s: %w: %d trailing bytes", d.name, ErrShortEvent, d.n)
			}
			return Event{}, io.EOF
		case errors.Is(err, syscall.ENODEV), errors.Is(err, os.ErrClosed), errors.Is(err, syscall.EIO):
			return Event{}, fmt.Errorf("keypad: %s: %w: %w", d.name, ErrHangup, err)
		default:
			return Event{}, fmt.Errorf("keypad: %s: read: %w", d.name, err)
		}
	}
}

func (d *Evdev) event(ev InputEvent) (Event, bool) {
	if ev.Type != EvKey || ev.Value != keyPress {
		return Event{}, false
	}
	b, ok := d.opts.Keys[ev.Code]
	if !ok {
		if d.opts.OnError != nil {
			d.opts.OnError(fmt.Errorf("%w: evdev code %d on %s", ErrUnknownKey, ev.Code, d.name))
		}
		return Event{}, false
	}
	e := Event{Time: ev.Time, Device: "evdev:" + d.name, Window: d.opts.Window, Kind: b.Kind, Key: ev.Code,
		Digit: -1, Rating: b.Rating}
	if e.Time.IsZero() {
		e.Time = d.opts.Clock.Now()
	}
	if b.Kind == KindDigit {
		e.Digit = b.Digit
	}
	d.digits.apply(&e)
	return e, true
}
