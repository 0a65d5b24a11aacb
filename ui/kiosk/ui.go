package kioskui

import (
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"

	"hallq/ui/theme"
)

// UI renders Views. Create it with New, put Content in a window, then call
// Show (on fyne's goroutine: from an Action handler or inside fyne.Do).
type UI struct {
	th *theme.Theme

	mu       sync.Mutex
	onAction func(Action)

	root *fyne.Container
	cur  View
	have bool
}

// New returns a UI drawing with th.
func New(th *theme.Theme) *UI {
	u := &UI{th: th}
	u.root = container.NewStack(canvas.NewRectangle(theme.Background))
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

func (u *UI) emit(a Action) {
	u.mu.Lock()
	f := u.onAction
	u.mu.Unlock()
	if f != nil {
		f(a)
	}
}

// Show displays v. Showing the View already shown does nothing; otherwise
// the widgets of v's screen are updated in place.
func (u *UI) Show(v View) {
	u.cur, u.have = v, true
}
