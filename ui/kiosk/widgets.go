package kioskui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/mobile"
	"fyne.io/fyne/v2/widget"

	"hallq/ui/theme"
)

// Text roles: sizes are multiples of the theme's body size, so large-text
// mode scales every screen at once.
const (
	sizeSmall   float32 = 0.75
	sizeEn      float32 = 0.8
	sizeBody    float32 = 1
	sizeTitle   float32 = 1.5
	sizeHeader  float32 = 1.2
	sizeWelcome float32 = 2.4
	sizeNumber  float32 = 4
	sizeButton  float32 = 1.15
)

// text is a canvas.Text that knows its size role.
type text struct {
	*canvas.Text
	role float32
}

// texts registers every text the UI draws so large-text mode can resize
// them all without rebuilding the screens.
type texts struct {
	all  []text
	base float32
	font fyne.Resource
	emit func(Action)
}

func (ts *texts) newText(s string, role float32, c color.Color, bold bool) *canvas.Text {
	t := canvas.NewText(s, c)
	t.TextSize = ts.base * role
	t.TextStyle.Bold = bold
	ts.all = append(ts.all, text{t, role})
	return t
}

func (ts *texts) rescale(base float32) {
	ts.base = base
	for _, t := range ts.all {
		t.TextSize = base * t.role
	}
}

// setText changes a text only when it differs, so an unchanged View
// costs no re-measuring.
func setText(t *canvas.Text, s string) {
	if t.Text != s {
		t.Text = s
		t.Refresh()
	}
}

func setColor(t *canvas.Text, c color.Color) {
	if t.Color != c {
		t.Color = c
		t.Refresh()
	}
}

// Button styles.
type style int

const (
	stylePrimary style = iota
	styleSecondary
	styleLove
	styleGreen
	styleDanger
	styleHidden // an invisible touch target (the service corner)
)

func (s style) colors() (fill, fg color.Color) {
	switch s {
	case styleSecondary:
		return theme.Surface, theme.Foreground
	case styleLove:
		return theme.Love, theme.OnPrimary
	case styleGreen:
		return theme.Green, theme.OnPrimary
	case styleDanger:
		return theme.Danger, theme.OnPrimary
	case styleHidden:
		return color.Transparent, color.Transparent
	}
	return theme.Primary, theme.OnPrimary
}

// button is a flat touch target with a Chinese line, an English line and
// an optional third line (waiting count or the reason it is greyed). It
// is deliberately plainer than widget.Button: one square rectangle and
// three texts, which the software painter fills without a rasteriser.
type button struct {
	widget.BaseWidget
	bg          *canvas.Rectangle
	zh, en, sub *canvas.Text
	style       style
	enabled     bool
	pressed     bool
	minW, minH  float32
	// act is what a tap sends; nil from it sends nothing.
	act  func() Action
	emit func(Action)
}

var (
	_ fyne.Tappable     = (*button)(nil)
	_ mobile.Touchable  = (*button)(nil)
	_ fyne.CanvasObject = (*button)(nil)
)

func (ts *texts) newButton(label T, st style, minW, minH float32, act func() Action) *button {
	b := &button{style: st, enabled: true, minW: minW, minH: minH, act: act, emit: ts.emit}
	fill, fg := st.colors()
	b.bg = canvas.NewRectangle(fill)
	b.zh = ts.newText(label.Zh, sizeButton, fg, true)
	b.en = ts.newText(label.En, sizeEn, fg, false)
	b.sub = ts.newText("", sizeSmall, fg, false)
	for _, t := range []*canvas.Text{b.zh, b.en, b.sub} {
		t.Alignment = fyne.TextAlignCenter
	}
	b.ExtendBaseWidget(b)
	return b
}

// set updates the button in place; it refreshes only when something
// changed.
func (b *button) set(label T, sub string, st style, enabled bool) {
	changed := b.zh.Text != label.Zh || b.en.Text != label.En || b.sub.Text != sub || b.style != st || b.enabled != enabled
	if !changed {
		return
	}
	b.zh.Text, b.en.Text, b.sub.Text = label.Zh, label.En, sub
	b.style, b.enabled = st, enabled
	b.paint()
	b.Refresh()
}

func (b *button) paint() {
	fill, fg := b.style.colors()
	switch {
	case !b.enabled:
		fill, fg = theme.Disabled, theme.OnDisabled
	case b.pressed && b.style != styleHidden:
		fill = theme.Pressed
	}
	b.bg.FillColor = fill
	for _, t := range []*canvas.Text{b.zh, b.en, b.sub} {
		t.Color = fg
	}
}

func (b *button) Tapped(*fyne.PointEvent) {
	if !b.enabled || b.act == nil {
		return
	}
	if a := b.act(); a != nil && b.emit != nil {
		b.emit(a)
	}
}

// TouchDown shows the press at once: this frame is the citizen's proof
// that the kiosk heard the touch.
func (b *button) TouchDown(*mobile.TouchEvent) { b.press(true) }

// TouchUp ends the press.
func (b *button) TouchUp(*mobile.TouchEvent) { b.press(false) }

// TouchCancel ends the press when the finger slides off.
func (b *button) TouchCancel(*mobile.TouchEvent) { b.press(false) }

func (b *button) press(on bool) {
	if !b.enabled || b.pressed == on {
		return
	}
	b.pressed = on
	b.paint()
	b.Refresh()
}

func (b *button) CreateRenderer() fyne.WidgetRenderer { return &buttonRenderer{b} }

type buttonRenderer struct{ b *button }

func (r *buttonRenderer) lines() []*canvas.Text {
	ls := make([]*canvas.Text, 0, 3)
	for _, t := range []*canvas.Text{r.b.zh, r.b.en, r.b.sub} {
		if t.Text != "" {
			ls = append(ls, t)
		}
	}
	return ls
}

func (r *buttonRenderer) Layout(s fyne.Size) {
	r.b.bg.Resize(s)
	r.b.bg.Move(fyne.Position{})
	ls := r.lines()
	var h float32
	for _, t := range ls {
		h += t.MinSize().Height
	}
	y := (s.Height - h) / 2
	for _, t := range []*canvas.Text{r.b.zh, r.b.en, r.b.sub} {
		if t.Text == "" {
			t.Resize(fyne.Size{})
			continue
		}
		th := t.MinSize().Height
		t.Move(fyne.NewPos(0, y))
		t.Resize(fyne.NewSize(s.Width, th))
		y += th
	}
}

func (r *buttonRenderer) MinSize() fyne.Size {
	var w, h float32
	for _, t := range r.lines() {
		m := t.MinSize()
		w = max(w, m.Width)
		h += m.Height
	}
	pad := r.b.zh.TextSize * 0.6
	return fyne.NewSize(max(w+2*pad, r.b.minW*r.b.zh.TextSize), max(h+pad, r.b.minH*r.b.zh.TextSize))
}

func (r *buttonRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.b.bg, r.b.zh, r.b.en, r.b.sub}
}

func (r *buttonRenderer) Refresh() {
	r.b.paint()
	r.Layout(r.b.Size())
	for _, o := range r.Objects() {
		o.Refresh()
	}
}

func (r *buttonRenderer) Destroy() {}

// canvasText is fyne's text object, named once for the screens.
type canvasText = canvas.Text
