// Package display is the hall screen (大厅显示屏) drawn with fyne: the
// latest calls in very large type, the newest ones blinking for a few
// seconds, waiting counts per service, the hall's notices and a clock. It
// is a thin view: the device program (kiosk/internal/displayapp) turns its
// model into a Frame and calls Show on fyne's goroutine.
package display

import (
	"fmt"
	"image/color"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
)

// CallRow is one call on the screen.
type CallRow struct {
	Number     string // A023
	WindowName string // 3号窗口
	Service    string // 社保医保
	Highlight  bool   // a fresh call: blinks
}

// QueueRow is one service's waiting count.
type QueueRow struct {
	Name    string
	Prefix  string
	Waiting int
}

// Frame is everything the screen shows at one instant.
type Frame struct {
	HallName string
	Now      time.Time
	Calls    []CallRow
	Queues   []QueueRow
	Notices  []string
	// Offline: the controller is unreachable; the screen keeps the last
	// state and says so discreetly.
	Offline bool
	// BlinkOn is the blink phase of highlighted calls.
	BlinkOn bool
}

// Colours chosen for a hall TV seen from 10 m: light text on dark blue,
// the fresh call in white on red.
var (
	colBackground = color.NRGBA{0x0b, 0x1f, 0x4a, 0xff}
	colBar        = color.NRGBA{0x06, 0x12, 0x2e, 0xff}
	colRow        = color.NRGBA{0x13, 0x2f, 0x6b, 0xff}
	colHighlight  = color.NRGBA{0xc6, 0x1b, 0x1b, 0xff}
	colText       = color.NRGBA{0xff, 0xff, 0xff, 0xff}
	colNumber     = color.NRGBA{0xff, 0xd8, 0x4d, 0xff}
	colDim        = color.NRGBA{0xa8, 0xb8, 0xd8, 0xff}
	colNotice     = color.NRGBA{0xff, 0xe0, 0x82, 0xff}
	colOffline    = color.NRGBA{0xff, 0x70, 0x70, 0xff}
)

// Rows shown: six calls fill the left of a 1080-line screen at the sizes
// below; twelve services fit on the right.
const (
	CallRows  = 6
	QueueRows = 12
)

type callWidget struct {
	bg               *canvas.Rectangle
	number, window   *canvas.Text
	service, pleaseT *canvas.Text
	box              fyne.CanvasObject
}

type queueWidget struct {
	name, count *canvas.Text
	box         fyne.CanvasObject
}

// Screen is the hall screen's widget tree.
type Screen struct {
	scale   float32
	root    fyne.CanvasObject
	hall    *canvas.Text
	clock   *canvas.Text
	offline *canvas.Text
	calls   [CallRows]callWidget
	queues  [QueueRows]queueWidget
	notice  *canvas.Text
	empty   *canvas.Text
	// Containers re-laid out when their texts change size or rows
	// appear: a canvas.Text refresh alone does not move its neighbours.
	top, callList, queueList, bottom *fyne.Container
}

func text(s string, size float32, c color.Color, bold bool) *canvas.Text {
	t := canvas.NewText(s, c)
	t.TextSize = size
	t.TextStyle.Bold = bold
	return t
}

// New builds the screen for a display height in pixels (1080 for a hall
// TV); every size scales with it.
func New(height int) *Screen {
	if height <= 0 {
		height = 1080
	}
	k := float32(height) / 1080
	s := &Screen{scale: k}
	s.hall = text("", 52*k, colText, true)
	s.clock = text("", 40*k, colText, false)
	s.offline = text("", 30*k, colOffline, false)
	s.top = container.NewStack(canvas.NewRectangle(colBar),
		container.NewPadded(container.NewBorder(nil, nil, s.hall, container.NewHBox(s.offline, s.clock))))

	head := func(zh, en string) fyne.CanvasObject {
		return container.NewHBox(text(zh, 40*k, colText, true), container.NewCenter(text(en, 26*k, colDim, false)))
	}
	rows := []fyne.CanvasObject{}
	for i := range s.calls {
		c := &s.calls[i]
		c.bg = canvas.NewRectangle(colRow)
		c.bg.CornerRadius = 12 * k
		c.pleaseT = text("请", 50*k, colText, false)
		c.number = text("", 84*k, colNumber, true)
		c.window = text("", 62*k, colText, true)
		c.service = text("", 32*k, colDim, false)
		line := container.NewHBox(c.pleaseT, c.number, text("号 到", 50*k, colText, false), c.window, text("办理", 50*k, colText, false))
		c.box = container.NewStack(c.bg, container.NewPadded(container.NewBorder(nil, nil, nil,
			container.NewCenter(c.service), container.NewCenter(line))))
		c.box.Hide()
		rows = append(rows, c.box)
	}
	s.empty = text("请留意叫号", 56*k, colDim, false)
	s.callList = container.NewVBox(rows...)
	left := container.NewBorder(head("正在呼叫", "Now calling"), nil, nil, nil,
		container.NewStack(container.NewCenter(s.empty), s.callList))

	qrows := []fyne.CanvasObject{}
	for i := range s.queues {
		q := &s.queues[i]
		q.name = text("", 40*k, colText, false)
		q.count = text("", 44*k, colNumber, true)
		q.box = container.NewBorder(nil, nil, nil, q.count, q.name)
		q.box.Hide()
		qrows = append(qrows, q.box)
	}
	rightBg := canvas.NewRectangle(colRow)
	rightBg.CornerRadius = 12 * k
	s.queueList = container.NewVBox(qrows...)
	right := container.NewStack(rightBg, container.NewPadded(container.NewBorder(head("等候人数", "Waiting"), nil, nil, nil,
		s.queueList)))

	s.notice = text("", 36*k, colNotice, false)
	s.bottom = container.NewStack(canvas.NewRectangle(colBar), container.NewPadded(s.notice))

	mid := container.New(&split{left: 0.62, gap: 24 * k}, left, right)
	s.root = container.NewStack(canvas.NewRectangle(colBackground),
		container.NewBorder(s.top, s.bottom, nil, nil, container.NewPadded(mid)))
	return s
}

// Content is the screen's root object.
func (s *Screen) Content() fyne.CanvasObject { return s.root }

// weekdays in Chinese, Sunday first like time.Weekday.
var weekdays = [7]string{"星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"}

// ClockText is the clock line: 2026年11月21日 星期六 09:31:05.
func ClockText(t time.Time) string {
	return fmt.Sprintf("%d年%d月%d日 %s %s", t.Year(), int(t.Month()), t.Day(), weekdays[t.Weekday()], t.Format("15:04:05"))
}

// Show draws a frame; call it on fyne's goroutine (fyne.Do). Only what
// changed is refreshed, so the once-a-second clock costs one text.
func (s *Screen) Show(f Frame) {
	changed := false
	set := func(t *canvas.Text, v string) {
		if t.Text != v {
			t.Text = v
			t.Refresh()
			changed = true
		}
	}
	set(s.hall, f.HallName)
	topChanged := changed
	off := ""
	if f.Offline {
		off = "离线 "
	}
	set(s.offline, off)
	topChanged = topChanged || changed
	// The clock ticking keeps its width (fixed digits) and needs no
	// layout; a new date length does.
	clockWas := s.clock.Text
	set(s.clock, ClockText(f.Now))
	if topChanged || len(clockWas) != len(s.clock.Text) {
		s.top.Refresh()
	}
	changed = false
	for i := range s.calls {
		c := &s.calls[i]
		if i >= len(f.Calls) {
			if c.box.Visible() {
				c.box.Hide()
				changed = true
			}
			continue
		}
		r := f.Calls[i]
		set(c.number, r.Number)
		set(c.window, r.WindowName)
		set(c.service, r.Service)
		bg := colRow
		if r.Highlight && f.BlinkOn {
			bg = colHighlight
		}
		if c.bg.FillColor != bg {
			c.bg.FillColor = bg
			c.bg.Refresh()
		}
		if !c.box.Visible() {
			c.box.Show()
			changed = true
		}
	}
	if len(f.Calls) == 0 {
		s.empty.Show()
	} else {
		s.empty.Hide()
	}
	if changed {
		s.callList.Refresh()
	}
	changed = false
	for i := range s.queues {
		q := &s.queues[i]
		if i >= len(f.Queues) {
			if q.box.Visible() {
				q.box.Hide()
				changed = true
			}
			continue
		}
		r := f.Queues[i]
		name := r.Name
		if r.Prefix != "" {
			name = r.Prefix + "  " + name
		}
		set(q.name, name)
		set(q.count, fmt.Sprintf("%d 人", r.Waiting))
		if !q.box.Visible() {
			q.box.Show()
			changed = true
		}
	}
	if changed {
		s.queueList.Refresh()
	}
	set(s.notice, strings.Join(f.Notices, "　·　"))
}

// split lays out two objects side by side, the first taking a share of
// the width.
type split struct {
	left float32
	gap  float32
}

func (l *split) MinSize(objs []fyne.CanvasObject) fyne.Size {
	w, h := float32(0), float32(0)
	for _, o := range objs {
		m := o.MinSize()
		w += m.Width
		h = max(h, m.Height)
	}
	return fyne.NewSize(w+l.gap, h)
}

func (l *split) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	if len(objs) != 2 {
		return
	}
	lw := (size.Width - l.gap) * l.left
	objs[0].Move(fyne.NewPos(0, 0))
	objs[0].Resize(fyne.NewSize(lw, size.Height))
	objs[1].Move(fyne.NewPos(lw+l.gap, 0))
	objs[1].Resize(fyne.NewSize(size.Width-lw-l.gap, size.Height))
}

var _ fyne.Layout = (*split)(nil)
