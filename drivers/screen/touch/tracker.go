package touch

import (
	"fmt"
	"time"
)

// Kind is what happened to a contact.
type Kind uint8

// Kinds of touch events.
const (
	Down Kind = iota + 1
	Move
	Up
)

func (k Kind) String() string {
	switch k {
	case Down:
		return "down"
	case Move:
		return "move"
	case Up:
		return "up"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Event is one contact going down, moving or lifting, in screen pixels
// (0 <= X < width, 0 <= Y < height). ID is the multi-touch slot, 0 for
// single-touch panels; it is stable from Down to Up.
type Event struct {
	Kind Kind
	ID   int
	X, Y float32
	Time time.Time // kernel timestamp of the report
}

func (e Event) String() string {
	return fmt.Sprintf("%v id=%d (%.1f,%.1f)", e.Kind, e.ID, e.X, e.Y)
}

// Calibration maps raw panel coordinates onto the screen. Min and Max are
// the raw values at the screen's edges, in the device's own axes (before
// SwapXY). SwapXY exchanges the axes after normalising; InvertX and
// InvertY then mirror the (swapped) screen axes. Rotation is applied last.
type Calibration struct {
	MinX, MaxX int32
	MinY, MaxY int32
	SwapXY     bool
	InvertX    bool
	InvertY    bool
}

func (c Calibration) valid() bool { return c.MaxX > c.MinX && c.MaxY > c.MinY }

// contact is one multi-touch slot. Positions persist across contacts
// because evdev only sends values that changed.
type contact struct {
	tid      int32 // tracking id, -1 when no finger
	x, y     int32
	dirty    bool
	down     bool  // a Down was reported and no Up yet
	downTID  int32 // tracking id the Down was reported for
	lastX    float32
	lastY    float32
	haveXY   bool // a position was ever received for this slot
	protoAOn bool // seen in the current protocol A frame
}

// tracker turns input events into touch events. It is a pure state machine
// so replayed recordings and fuzzing exercise exactly what a device does.
type tracker struct {
	cal      Calibration
	rot      int
	w, h     int
	slots    []contact
	cur      int // current slot, -1 when the device chose one out of range
	mt       bool
	protoA   bool
	aFrame   [][2]int32 // protocol A contacts in this report
	aX, aY   int32
	aHave    bool
	st       contact // single-touch state, reported as ID 0
	stTouch  bool
	dropping bool
	out      []Event
}

func newTracker(cal Calibration, rot, w, h, maxSlots int) *tracker {
	t := &tracker{cal: cal, rot: rot, w: w, h: h, slots: make([]contact, maxSlots)}
	for i := range t.slots {
		t.slots[i].tid = -1
	}
	t.st.tid = -1
	return t
}

// feed consumes one input event; completed touch events are appended to
// t.out at each SYN_REPORT.
func (t *tracker) feed(e InputEvent) {
	if t.dropping {
		// The kernel's buffer overflowed; everything up to the next
		// report is an incomplete picture.
		if e.Type == EvSyn && e.Code == SynReport {
			t.dropping = false
			t.resync(e.Time)
		}
		return
	}
	switch e.Type {
	case EvSyn:
		switch e.Code {
		case SynReport:
			t.report(e.Time)
		case SynMTReport:
			t.protoA, t.mt = true, true
			if t.aHave && len(t.aFrame) < len(t.slots) {
				t.aFrame = append(t.aFrame, [2]int32{t.aX, t.aY})
			}
			t.aHave = false
		case SynDropped:
			t.dropping = true
		}
	case EvKey:
		if e.Code == BtnTouch {
			t.stTouch = e.Value != 0
			t.st.dirty = true
		}
	case EvAbs:
		t.abs(e.Code, e.Value)
	}
}

func (t *tracker) abs(code uint16, v int32) {
	switch code {
	case AbsX:
		t.st.x, t.st.haveXY, t.st.dirty = v, true, true
	case AbsY:
		t.st.y, t.st.haveXY, t.st.dirty = v, true, true
	case AbsMTSlot:
		t.mt = true
		if v >= 0 && int(v) < len(t.slots) {
			t.cur = int(v)
		} else {
			t.cur = -1 // ignore this slot's data rather than misattribute it
		}
	case AbsMTTrackingID, AbsMTPositionX, AbsMTPositionY:
		t.mt = true
		// Positions are also kept for protocol A, which a device only
		// reveals at its first SYN_MT_REPORT, after the first contact.
		switch code {
		case AbsMTPositionX:
			t.aX, t.aHave = v, true
		case AbsMTPositionY:
			t.aY, t.aHave = v, true
		}
		if t.protoA {
			return
		}
		if t.cur < 0 {
			return
		}
		c := &t.slots[t.cur]
		switch code {
		case AbsMTTrackingID:
			c.tid = v
			if v < -1 {
				c.tid = -1
			}
		case AbsMTPositionX:
			c.x, c.haveXY = v, true
		case AbsMTPositionY:
			c.y, c.haveXY = v, true
		}
		c.dirty = true
	}
}

func (t *tracker) report(ts time.Time) {
	if !t.mt {
		t.reportSingle(ts)
		return
	}
	if t.st.down {
		// The device revealed multi-touch after single-touch reports; its
		// single-touch contact would otherwise share ID 0 with slot 0.
		t.out = append(t.out, Event{Kind: Up, ID: 0, X: t.st.lastX, Y: t.st.lastY, Time: ts})
		t.st.down = false
	}
	if t.protoA {
		// Protocol A lists every contact each report, anonymously: the
		// n-th contact becomes slot n, and a slot not listed has lifted.
		for i := range t.slots {
			c := &t.slots[i]
			if i < len(t.aFrame) {
				c.x, c.y, c.haveXY = t.aFrame[i][0], t.aFrame[i][1], true
				c.tid = int32(i)
				c.dirty = true
			} else if c.tid >= 0 {
				c.tid, c.dirty = -1, true
			}
		}
		t.aFrame = t.aFrame[:0]
	}
	t.aHave = false
	for i := range t.slots {
		c := &t.slots[i]
		if !c.dirty {
			continue
		}
		c.dirty = false
		t.step(c, i, c.tid >= 0 && c.haveXY, ts)
	}
}

func (t *tracker) reportSingle(ts time.Time) {
	c := &t.st
	if !c.dirty {
		return
	}
	c.dirty = false
	if t.stTouch {
		c.tid = 0
	} else {
		c.tid = -1
	}
	t.step(c, 0, t.stTouch && c.haveXY, ts)
}

// step reports what changed for one contact. A tracking id replaced by
// another within one report is a lift and a new touch.
func (t *tracker) step(c *contact, id int, present bool, ts time.Time) {
	if c.down && (!present || c.tid != c.downTID) {
		t.out = append(t.out, Event{Kind: Up, ID: id, X: c.lastX, Y: c.lastY, Time: ts})
		c.down = false
	}
	if !present {
		return
	}
	x, y := t.toScreen(c.x, c.y)
	switch {
	case !c.down:
		c.down, c.downTID = true, c.tid
		t.out = append(t.out, Event{Kind: Down, ID: id, X: x, Y: y, Time: ts})
	case x != c.lastX || y != c.lastY:
		t.out = append(t.out, Event{Kind: Move, ID: id, X: x, Y: y, Time: ts})
	}
	c.lastX, c.lastY = x, y
}

// resync runs after SYN_DROPPED: the lost events may have lifted fingers,
// so every contact is lifted now rather than left stuck down. A finger
// still on the glass is seen again when it next lifts and touches.
func (t *tracker) resync(ts time.Time) {
	for i := range t.slots {
		c := &t.slots[i]
		c.dirty = false
		if c.down {
			t.out = append(t.out, Event{Kind: Up, ID: i, X: c.lastX, Y: c.lastY, Time: ts})
			c.down = false
		}
		c.tid = -1
	}
	if t.st.down {
		t.out = append(t.out, Event{Kind: Up, ID: 0, X: t.st.lastX, Y: t.st.lastY, Time: ts})
		t.st.down = false
	}
	t.st.dirty = false
	t.stTouch = false
	t.aFrame, t.aHave = t.aFrame[:0], false
}

// toScreen applies calibration, rotation and scaling.
func (t *tracker) toScreen(rx, ry int32) (float32, float32) {
	c := t.cal
	nx := norm(rx, c.MinX, c.MaxX)
	ny := norm(ry, c.MinY, c.MaxY)
	if c.SwapXY {
		nx, ny = ny, nx
	}
	if c.InvertX {
		nx = 1 - nx
	}
	if c.InvertY {
		ny = 1 - ny
	}
	// Clockwise rotation in screen coordinates (y grows downwards).
	switch t.rot {
	case 90:
		nx, ny = 1-ny, nx
	case 180:
		nx, ny = 1-nx, 1-ny
	case 270:
		nx, ny = ny, 1-nx
	}
	return float32(nx * float64(t.w-1)), float32(ny * float64(t.h-1))
}

// norm maps v in [lo, hi] to [0, 1], clamping: panels report a little
// beyond their nominal range at the edges.
func norm(v, lo, hi int32) float64 {
	f := (float64(v) - float64(lo)) / (float64(hi) - float64(lo))
	return max(0, min(1, f))
}
