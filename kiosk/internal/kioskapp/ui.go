package kioskapp

import (
	"fyne.io/fyne/v2"

	"hallq/kiosk/internal/flow"
	kioskui "hallq/ui/kiosk"
)

// AttachUI makes the kiosk draw through u and takes u's taps as touches.
// Call it before Run. Views are shown through do, which must run its
// function where fyne allows UI changes; nil means fyne.Do. (fyne's test
// driver runs fyne.Do on the caller's goroutine, so tests pass a do that
// serialises with their own reads of the widget tree.)
func (k *Kiosk) AttachUI(u *kioskui.UI, do func(func())) {
	if do == nil {
		do = fyne.Do
	}
	vw := &viewer{}
	k.mu.Lock()
	k.ui = func() {
		st := k.m.State()
		v := vw.View(st, k.d.Now().In(hallZone(k.hallTZ())))
		do(func() { u.Show(v) })
	}
	k.mu.Unlock()
	u.OnAction(func(a kioskui.Action) {
		if _, ok := a.(kioskui.KeepPage); ok && u.Current().Screen == kioskui.ScreenCapture && u.Current().Capture.Stage == kioskui.CaptureReview {
			vw.mu.Lock()
			vw.saved = true
			vw.mu.Unlock()
			a = nil
		}
		ev := event(a, u.Current())
		if _, ok := a.(kioskui.KeepPage); a == nil || ok {
			ev = flow.Tick{} // redraw with the saved stage
		}
		if ev == nil {
			return
		}
		// Never block fyne's goroutine: a full queue (64 events behind)
		// drops the tap, as an unresponsive touch screen would.
		select {
		case k.events <- ev:
		default:
			k.log.Warn("kioskapp: touch dropped, event queue full")
		}
	})
}

func (k *Kiosk) hallTZ() string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.hall.Hours.Timezone
}
