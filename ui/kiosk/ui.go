package kioskui

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"reflect"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	fynetheme "fyne.io/fyne/v2/theme"

	"hallq/ui/theme"
)

// UI renders Views. Create it with New, put Content in a window, then call
// Show on fyne's goroutine (from an Action handler, or inside fyne.Do when
// the flow runs elsewhere).
type UI struct {
	th *theme.Theme
	ts texts

	mu       sync.Mutex
	onAction func(Action)
	repaint  func()
	inAction bool // a tap handler is running: the driver paints after it

	root    *fyne.Container
	body    *fyne.Container
	screens [numScreens]screen

	hallZh, hallEn, clock *canvas.Text
	startOver, large      *button
	footer                *fyne.Container
	corner                *button
	cornerTaps            []time.Time
	now                   func() time.Time

	cur  View
	have bool
}

// screen is one of the kiosk's screens, built once and updated in place.
type screen interface {
	object() fyne.CanvasObject
	update(v *View)
}

// New returns a UI drawing with th. When a fyne app exists it is switched
// to th, so stock widgets and container padding follow large-text mode.
func New(th *theme.Theme) *UI {
	u := &UI{th: th, now: time.Now}
	u.ts.base = th.TextSize()
	u.ts.emit = u.emit
	u.ts.font = th.FontResource()
	if a := fyne.CurrentApp(); a != nil {
		a.Settings().SetTheme(th)
	}
	ts := &u.ts

	u.hallZh = ts.newText("", sizeHeader, theme.OnPrimary, true)
	u.hallEn = ts.newText("", sizeSmall, theme.OnPrimary, false)
	u.clock = ts.newText("", sizeHeader, theme.OnPrimary, false)
	u.corner = ts.newButton(T{}, styleHidden, 3, 1.6, u.cornerTapped)
	header := container.NewStack(
		canvas.NewRectangle(theme.Header),
		container.NewPadded(container.NewBorder(nil, nil,
			container.New(tight{}, u.hallZh, u.hallEn),
			container.NewHBox(container.NewCenter(u.clock), u.corner))),
	)

	u.startOver = ts.newButton(T{"重新开始", "Start over"}, styleSecondary, 6, 1.8, act(StartOver{}))
	u.large = ts.newButton(T{"大字", "Large text"}, styleSecondary, 6, 1.8, act(ToggleLargeText{}))
	u.footer = container.NewBorder(nil, nil, u.startOver, u.large)
	footer := container.NewStack(canvas.NewRectangle(theme.Surface), container.NewPadded(u.footer))

	u.screens = [numScreens]screen{
		ScreenAttract:    newAttract(u),
		ScreenIdentify:   newIdentify(u),
		ScreenMenu:       newMenu(u),
		ScreenChannel:    newChannel(u),
		ScreenConfirm:    newConfirm(u),
		ScreenPrinting:   newPrinting(u),
		ScreenDone:       newDone(u),
		ScreenError:      newError(u),
		ScreenCheckIn:    newCheckIn(u),
		ScreenAfterHours: newAfterHours(u),
		ScreenCapture:    newCapture(u),
		ScreenPIN:        newPIN(u),
		ScreenService:    newService(u),
	}
	objs := make([]fyne.CanvasObject, len(u.screens))
	for i, s := range u.screens {
		objs[i] = s.object()
		objs[i].Hide()
	}
	u.body = container.NewStack(objs...)
	// The window's background is the theme's: no full-screen rectangle
	// here, since every painted pixel costs time in the software painter.
	u.root = container.NewBorder(header, footer, nil, nil, container.NewPadded(u.body))
	u.Show(View{Screen: ScreenAttract})
	return u
}

// Content is the object to put in the window.
func (u *UI) Content() fyne.CanvasObject { return u.root }

// OnAction sets the function taps are reported to. It runs on fyne's
// goroutine and must not block: hand the action to the flow.
func (u *UI) OnAction(f func(Action)) {
	u.mu.Lock()
	u.onAction = f
	u.mu.Unlock()
}

// OnRepaint sets a function Show calls after changing the screen outside a
// tap handler, e.g. screen.Driver.Refresh: fyne's embedded driver paints
// only after input events, so a View shown from fyne.Do would otherwise
// wait for the next touch.
func (u *UI) OnRepaint(f func()) {
	u.mu.Lock()
	u.repaint = f
	u.mu.Unlock()
}

func (u *UI) emit(a Action) {
	u.mu.Lock()
	f := u.onAction
	u.mu.Unlock()
	if f != nil {
		u.inAction = true
		defer func() { u.inAction = false }()
		f(a)
	}
}

// Locate returns where (in the window, fyne units) the button that would
// send a is, when it is shown and enabled. Tests and demos use it to tap
// the real screen; the technician's hidden corner is not found.
func (u *UI) Locate(a Action) (fyne.Position, bool) {
	return locate(u.root, fyne.Position{}, a)
}

func locate(o fyne.CanvasObject, off fyne.Position, a Action) (fyne.Position, bool) {
	if !o.Visible() {
		return fyne.Position{}, false
	}
	pos := off.Add(o.Position())
	switch o := o.(type) {
	case *button:
		if o.enabled && o.style != styleHidden && o.act != nil && o.act() == a {
			return pos.Add(fyne.NewPos(o.Size().Width/2, o.Size().Height/2)), true
		}
	case *fyne.Container:
		for _, c := range o.Objects {
			if p, ok := locate(c, pos, a); ok {
				return p, true
			}
		}
	}
	return fyne.Position{}, false
}

func act(a Action) func() Action { return func() Action { return a } }

// Current is the View shown.
func (u *UI) Current() View { return u.cur }

// Show displays v. Showing the View already shown does nothing; otherwise
// only the widgets of v's screen are updated, in place.
func (u *UI) Show(v View) {
	if u.have && sameView(&u.cur, &v) {
		return
	}
	if v.Screen < 0 || v.Screen >= numScreens {
		v = View{Screen: ScreenError, Hall: v.Hall, LargeText: v.LargeText, Error: ErrorView{
			Title:  T{"系统错误", "System error"},
			Detail: T{"请联系工作人员", "Please ask a member of staff"},
			Code:   fmt.Sprintf("bad_screen_%d", int(v.Screen)),
		}}
	}
	rescale := u.th.SetLarge(v.LargeText)
	if rescale {
		u.ts.rescale(u.th.TextSize())
	}
	setText(u.hallZh, orDefault(v.Hall, T{"政务服务大厅", "Government Service Hall"}).Zh)
	setText(u.hallEn, orDefault(v.Hall, T{"政务服务大厅", "Government Service Hall"}).En)
	setText(u.clock, v.Clock)
	if v.LargeText {
		u.large.set(T{"标准字", "Normal text"}, "", styleSecondary, true)
	} else {
		u.large.set(T{"大字", "Large text"}, "", styleSecondary, true)
	}
	if so := v.Screen != ScreenAttract && !v.HideStartOver; so != u.startOver.Visible() {
		show(u.startOver, so)
		u.footer.Refresh()
	}
	u.screens[v.Screen].update(&v)
	if !u.have || u.cur.Screen != v.Screen {
		for i, s := range u.screens {
			if Screen(i) == v.Screen {
				s.object().Show()
			} else {
				s.object().Hide()
			}
		}
	}
	if rescale {
		u.root.Refresh()
	} else {
		u.body.Refresh()
	}
	u.cur, u.have = v, true
	if !u.inAction {
		u.mu.Lock()
		f := u.repaint
		u.mu.Unlock()
		if f != nil {
			f()
		}
	}
}

// cornerTapped counts taps on the header's right corner; five within
// three seconds open the technician's PIN pad.
func (u *UI) cornerTapped() Action {
	now := u.now()
	keep := u.cornerTaps[:0]
	for _, t := range u.cornerTaps {
		if now.Sub(t) < 3*time.Second {
			keep = append(keep, t)
		}
	}
	u.cornerTaps = append(keep, now)
	if len(u.cornerTaps) >= 5 {
		u.cornerTaps = u.cornerTaps[:0]
		return ServiceEntry{}
	}
	return nil
}

// sameView compares two Views; images compare by identity, so a new
// preview frame always repaints and an unchanged one costs nothing.
func sameView(a, b *View) bool {
	ai := [...]image.Image{a.Done.QR, a.AfterHours.BookingQR, a.Capture.Image}
	bi := [...]image.Image{b.Done.QR, b.AfterHours.BookingQR, b.Capture.Image}
	if ai != bi {
		return false
	}
	x, y := *a, *b
	x.Done.QR, x.AfterHours.BookingQR, x.Capture.Image = nil, nil, nil
	y.Done.QR, y.AfterHours.BookingQR, y.Capture.Image = nil, nil, nil
	return reflect.DeepEqual(x, y)
}

func orDefault(t, def T) T {
	if t.Zh == "" && t.En == "" {
		return def
	}
	return t
}

// pair is a Chinese line over its English translation.
type pair struct{ zh, en *canvas.Text }

func (ts *texts) newPair(role float32, c color.Color, bold bool) pair {
	p := pair{ts.newText("", role, c, bold), ts.newText("", role*0.6, c, false)}
	p.zh.Alignment, p.en.Alignment = fyne.TextAlignCenter, fyne.TextAlignCenter
	if role*0.6 < sizeEn {
		ts.all[len(ts.all)-1].role = sizeEn
		p.en.TextSize = ts.base * sizeEn
	}
	return p
}

func (p pair) set(t T) {
	setText(p.zh, t.Zh)
	setText(p.en, t.En)
}

func (p pair) color(c color.Color) {
	setColor(p.zh, c)
	setColor(p.en, c)
}

// box stacks the two lines without padding: they read as one item.
func (p pair) box() fyne.CanvasObject { return container.New(tight{}, p.zh, p.en) }

// skip reports whether o takes no room: hidden, or a text with nothing in
// it (an English line left empty, a name when there is no card).
func skip(o fyne.CanvasObject) bool {
	if t, ok := o.(*canvas.Text); ok && t.Text == "" {
		return true
	}
	return !o.Visible()
}

// tight is a vertical layout without padding between its objects.
type tight struct{}

func (tight) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	y := float32(0)
	for _, o := range objs {
		if skip(o) {
			o.Resize(fyne.Size{})
			continue
		}
		h := o.MinSize().Height
		o.Move(fyne.NewPos(0, y))
		o.Resize(fyne.NewSize(size.Width, h))
		y += h
	}
}

func (tight) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var w, h float32
	for _, o := range objs {
		if skip(o) {
			continue
		}
		m := o.MinSize()
		w = max(w, m.Width)
		h += m.Height
	}
	return fyne.NewSize(w, h)
}

// lines is a fixed-capacity list of pairs for notices, hours and status.
type lines struct {
	box   *fyne.Container
	pairs []pair
	ts    *texts
	role  float32
	c     color.Color
}

func (ts *texts) newLines(role float32, c color.Color) *lines {
	return &lines{box: container.New(tight{}), ts: ts, role: role, c: c}
}

func (l *lines) set(ts []T) {
	for len(l.pairs) < len(ts) {
		p := l.ts.newPair(l.role, l.c, false)
		p.zh.TextSize, p.en.TextSize = l.ts.base*l.role, l.ts.base*max(l.role*0.6, sizeEn)
		l.pairs = append(l.pairs, p)
	}
	var objs []fyne.CanvasObject
	for i, t := range ts {
		l.pairs[i].set(t)
		objs = append(objs, l.pairs[i].zh)
		if t.En != "" {
			objs = append(objs, l.pairs[i].en)
		}
	}
	if !sameObjects(l.box.Objects, objs) {
		l.box.Objects = objs
		l.box.Refresh()
	}
}

func sameObjects(a, b []fyne.CanvasObject) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// buttons is a grid of buttons reused between Views.
type buttons struct {
	grid *fyne.Container
	pool []*button
	ts   *texts
	act  func(i int) Action
	cols int
}

func (ts *texts) newButtons(cols int, act func(i int) Action) *buttons {
	return &buttons{grid: container.NewGridWithColumns(cols), ts: ts, act: act, cols: cols}
}

func (bs *buttons) button(i int) *button {
	for len(bs.pool) <= i {
		n := len(bs.pool)
		bs.pool = append(bs.pool, bs.ts.newButton(T{}, stylePrimary, 6, 2.6, func() Action { return bs.act(n) }))
	}
	return bs.pool[i]
}

// show lays out n buttons (set with button(i).set before or after).
func (bs *buttons) show(n int) {
	cols := bs.cols
	if n <= 4 {
		cols = min(cols, 2)
	}
	if n == 1 {
		cols = 1
	}
	objs := make([]fyne.CanvasObject, n)
	for i := range objs {
		objs[i] = bs.button(i)
	}
	if !sameObjects(bs.grid.Objects, objs) || bs.grid.Layout != nil && cols != bs.curCols() {
		bs.grid.Objects = objs
		bs.grid.Layout = layout.NewGridLayoutWithColumns(cols)
		bs.grid.Refresh()
	}
}

func (bs *buttons) curCols() int {
	n := len(bs.grid.Objects)
	switch {
	case n == 1:
		return 1
	case n <= 4:
		return min(bs.cols, 2)
	}
	return bs.cols
}

func minutes(d time.Duration) int { return int(math.Ceil(d.Minutes())) }

func waitingLine(n int) string {
	if n < 0 {
		return ""
	}
	return fmt.Sprintf("等候 %d 人 · %d waiting", n, n)
}

func reasonLine(t T) string {
	switch {
	case t.Zh != "" && t.En != "":
		return t.Zh + " · " + t.En
	case t.Zh != "":
		return t.Zh
	}
	return t.En
}

// image shows an image.Image; a new image (by identity) repaints it.
type picture struct {
	img *canvas.Image
	cur image.Image
}

func newPicture(minW, minH float32, sharp bool) *picture {
	p := &picture{img: canvas.NewImageFromImage(nil)}
	p.img.FillMode = canvas.ImageFillContain
	if sharp {
		p.img.ScaleMode = canvas.ImageScalePixels
	}
	p.img.SetMinSize(fyne.NewSize(minW, minH))
	return p
}

func (p *picture) set(img image.Image) {
	if img == p.cur {
		return
	}
	p.cur = img
	p.img.Image = img
	if img == nil {
		p.img.Hide()
	} else {
		p.img.Show()
	}
	p.img.Refresh()
}

func vbox(objs ...fyne.CanvasObject) *fyne.Container { return container.NewVBox(objs...) }

// centred stacks objs in a column centred on the screen. In large-text
// mode on a small panel (1024x600) a screen can be taller than the room
// between header and footer; the column then gives up its spacers and
// padding before anything is cut off (see fitColumn).
func centred(objs ...fyne.CanvasObject) *fyne.Container {
	return container.New(fitColumn{}, objs...)
}

// fitColumn lays its objects out as container.NewCenter(container.NewVBox)
// does when they fit. When they do not, it first drops the spacers (the
// transparent gaps of texts.spacer), then narrows the padding, so that the
// buttons at the bottom stay on the screen; only if that is not enough is
// the column cut, evenly at both ends.
type fitColumn struct{}

func isGap(o fyne.CanvasObject) bool {
	t, ok := o.(*canvas.Text)
	return ok && t.Color == color.Transparent && strings.TrimSpace(t.Text) == ""
}

// measure returns the visible objects' widest width, their heights
// without gaps, the gaps' heights, and how many paddings separate them.
func (fitColumn) measure(objs []fyne.CanvasObject) (w, content, gaps float32, n int) {
	for _, o := range objs {
		if !o.Visible() {
			continue
		}
		m := o.MinSize()
		w = max(w, m.Width)
		if isGap(o) {
			gaps += m.Height
		} else {
			content += m.Height
		}
		n++
	}
	return w, content, gaps, max(n-1, 0)
}

func (f fitColumn) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	w, content, gaps, pads := f.measure(objs)
	pad := fynetheme.Padding()
	keepGaps := true
	if content+gaps+pad*float32(pads) > size.Height {
		keepGaps = false
		pads = 0
		for _, o := range objs {
			if o.Visible() && !isGap(o) {
				pads++
			}
		}
		pads = max(pads-1, 0)
		if pads > 0 {
			pad = max(0, min(pad, (size.Height-content)/float32(pads)))
		}
	}
	total := content + pad*float32(pads)
	if keepGaps {
		total += gaps
	}
	x, y := (size.Width-w)/2, (size.Height-total)/2
	first := true
	for _, o := range objs {
		if !o.Visible() {
			continue
		}
		if !keepGaps && isGap(o) {
			o.Move(fyne.NewPos(x, y))
			o.Resize(fyne.NewSize(w, 0))
			continue
		}
		if !first {
			y += pad
		}
		first = false
		h := o.MinSize().Height
		o.Move(fyne.NewPos(x, y))
		o.Resize(fyne.NewSize(w, h))
		y += h
	}
}

// row places its objects side by side, centred across, each at its width
// and the row's full height, so that fitColumns in it centre and squeeze
// themselves in the whole room.
type row struct{}

func (row) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	w := row{}.MinSize(objs).Width
	x := (size.Width - w) / 2
	for _, o := range objs {
		if !o.Visible() {
			continue
		}
		m := o.MinSize()
		o.Move(fyne.NewPos(x, 0))
		o.Resize(fyne.NewSize(m.Width, size.Height))
		x += m.Width
	}
}

func (row) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objs {
		if o.Visible() {
			m := o.MinSize()
			s.Width += m.Width
			s.Height = max(s.Height, m.Height)
		}
	}
	return s
}

// MinSize is the column without its gaps and padding: the least it can
// be squeezed to.
func (f fitColumn) MinSize(objs []fyne.CanvasObject) fyne.Size {
	w, content, _, _ := f.measure(objs)
	return fyne.NewSize(w, content)
}

// spacer is a fixed vertical gap in units of the body text size.
func (ts *texts) spacer(role float32) fyne.CanvasObject {
	// A transparent text keeps the gap proportional in large-text mode
	// without a custom layout.
	return ts.newText(" ", role, color.Transparent, false)
}

func show(o fyne.CanvasObject, on bool) {
	if on == o.Visible() {
		return
	}
	if on {
		o.Show()
	} else {
		o.Hide()
	}
}
