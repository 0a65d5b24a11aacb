package kioskui

import (
	"fmt"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
)

// box is an absolute rectangle in the window.
type box struct{ x0, y0, x1, y1 float32 }

// cutOff lists the visible buttons and texts under o that do not lie wholly
// inside their area: the window for the header and footer, the room
// between them for the screens (body), so a screen's button drawn under
// the footer counts as cut off, as the citizen sees it.
func cutOff(o, body fyne.CanvasObject, off fyne.Position, area box) []string {
	if !o.Visible() {
		return nil
	}
	pos := off.Add(o.Position())
	sz := o.Size()
	label := ""
	switch x := o.(type) {
	case *button:
		if x.style != styleHidden {
			label = "button " + x.zh.Text
		}
	case *canvas.Text:
		if x.Text != "" && x.Text != " " {
			label = "text " + x.Text
		}
	}
	const slack = 0.5
	if label != "" && (pos.X < area.x0-slack || pos.Y < area.y0-slack || pos.X+sz.Width > area.x1+slack || pos.Y+sz.Height > area.y1+slack) {
		return []string{fmt.Sprintf("%s at %v size %v, area %v", label, pos, sz, area)}
	}
	if o == body {
		area = box{pos.X, pos.Y, pos.X + sz.Width, pos.Y + sz.Height}
	}
	var out []string
	if c, ok := o.(*fyne.Container); ok {
		for _, ch := range c.Objects {
			out = append(out, cutOff(ch, body, pos, area)...)
		}
	}
	return out
}

// TestFitsSmallPanel: every sample screen, in normal and large text, fits
// the smallest supported panel (1024x600): no button or text is cut off by
// the window's edge or hidden under the header or footer.
func TestFitsSmallPanel(t *testing.T) {
	u, w := newTestUI(t, goldenSize)
	for _, nv := range sampleViews() {
		for _, large := range []bool{false, true} {
			name := nv.name
			if large {
				name += "/large"
			}
			t.Run(name, func(t *testing.T) {
				v := nv.v
				v.LargeText = large
				u.Show(v)
				w.Canvas().Capture() // lays the screen out
				for _, s := range cutOff(u.Content(), u.body, fyne.Position{}, box{0, 0, goldenSize.Width, goldenSize.Height}) {
					t.Errorf("cut off: %s", s)
				}
			})
		}
	}
}

// TestFitColumn: a column that fits is laid out as Center(VBox); one that
// does not drops its gaps and padding before anything leaves the area.
func TestFitColumn(t *testing.T) {
	_, _ = newTestUI(t, goldenSize) // the theme's padding
	ts := &texts{base: 20}
	a := canvas.NewRectangle(nil)
	a.SetMinSize(fyne.NewSize(100, 100))
	b := canvas.NewRectangle(nil)
	b.SetMinSize(fyne.NewSize(50, 100))
	gap := ts.spacer(2)
	c := centred(a, gap, b)
	for _, tc := range []struct {
		h      float32
		aY, bY float32 // a at or below aY, b at or above bY
	}{
		{1000, -1, -1}, // fits: centred with the gap
		{210, 0, 110},  // no room for the gap: a, padding (10 at most), b
		{200, 0, 100},  // exactly the content: no padding
	} {
		c.Resize(fyne.NewSize(300, tc.h))
		if tc.aY < 0 {
			total := a.MinSize().Height + gap.MinSize().Height + b.MinSize().Height
			if a.Position().Y <= 0 || b.Position().Y+b.Size().Height >= tc.h || b.Position().Y-a.Position().Y-100 <= gap.MinSize().Height {
				t.Errorf("h %v: a at %v, b at %v (content %v)", tc.h, a.Position(), b.Position(), total)
			}
			continue
		}
		if a.Position().Y < tc.aY || b.Position().Y > tc.bY || b.Position().Y < 100 || b.Position().Y+100 > tc.h || gap.Size().Height != 0 {
			t.Errorf("h %v: a at %v, b at %v, gap %v", tc.h, a.Position(), b.Position(), gap.Size())
		}
		if a.Position().X != 100 || a.Size().Width != 100 {
			t.Errorf("h %v: not centred: a at %v size %v", tc.h, a.Position(), a.Size())
		}
	}
}
