package kioskui

import (
	"reflect"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// tapAction finds the button for a on the screen and taps the canvas
// there, as a finger would: the tap must land on that very button.
func tapAction(t *testing.T, u *UI, w fyne.Window, a Action) {
	t.Helper()
	pos, ok := u.Locate(a)
	if !ok {
		t.Fatalf("%s screen: no button for %#v", u.Current().Screen, a)
	}
	test.TapCanvas(w.Canvas(), pos)
}

// TestJourney taps through a citizen's journey with a small stand-in for
// the kiosk's flow: each action must come out of the button that shows
// it, and the screen must follow.
func TestJourney(t *testing.T) {
	u, w := newTestUI(t, goldenSize)
	base := View{Hall: hall}
	views := map[Screen]View{}
	for _, nv := range sampleViews() {
		if _, ok := views[nv.v.Screen]; !ok {
			views[nv.v.Screen] = nv.v
		}
	}
	second := views[ScreenMenu]
	second.Menu = MenuView{Title: T{"企业开办", "Business start-up"}, CanGoBack: true, Items: []MenuItem{
		{ID: "biz-reg", Name: T{"设立登记", "Registration"}, Waiting: 2},
		{ID: "biz-seal", Name: T{"刻章备案", "Company seal"}, Waiting: -1},
	}}
	large := false
	var got []Action
	u.OnAction(func(a Action) {
		got = append(got, a)
		next := u.Current()
		switch a := a.(type) {
		case Start:
			next = views[ScreenIdentify]
		case NoIDCard:
			next = views[ScreenMenu]
		case ChooseService:
			if a.ID == "biz" {
				next = second
			} else {
				next = views[ScreenChannel]
			}
		case Back:
			next = views[ScreenMenu]
		case ChooseChannel:
			next = views[ScreenConfirm]
		case Confirm:
			next = views[ScreenDone]
		case ToggleLargeText:
			large = !large
		case StartOver:
			next = base
		}
		next.LargeText = large
		u.Show(next)
	})
	u.Show(base)
	steps := []struct {
		tap  Action
		want Screen
	}{
		{Start{}, ScreenIdentify},
		{NoIDCard{}, ScreenMenu},
		{ChooseService{ID: "biz"}, ScreenMenu},
		{Back{}, ScreenMenu},
		{ChooseService{ID: "social"}, ScreenChannel},
		{ToggleLargeText{}, ScreenChannel}, // elderly citizen: large text mid-journey
		{ChooseChannel{ID: ChannelLove}, ScreenConfirm},
		{Confirm{}, ScreenDone},
		{StartOver{}, ScreenAttract},
	}
	var want []Action
	for _, s := range steps {
		tapAction(t, u, w, s.tap)
		want = append(want, s.tap)
		if cur := u.Current().Screen; cur != s.want {
			t.Fatalf("after %#v: screen %s, want %s", s.tap, cur, s.want)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("actions %#v\nwant %#v", got, want)
	}
	if !u.th.Large() {
		t.Error("large text did not stay on after the toggle")
	}
}

func TestGreyedAndHiddenButtons(t *testing.T) {
	u, w := newTestUI(t, goldenSize)
	var got []Action
	u.OnAction(func(a Action) { got = append(got, a) })
	v := View{Screen: ScreenMenu, Menu: MenuView{Items: menuItems()}}
	u.Show(v)
	if _, ok := u.Locate(ChooseService{ID: "car"}); ok {
		t.Error("a greyed service can be located")
	}
	if _, ok := u.Locate(Start{}); ok {
		t.Error("a button of a hidden screen can be located")
	}
	if _, ok := u.Locate(Back{}); ok {
		t.Error("back on the first menu level")
	}
	// Tap where the greyed item is: nothing happens.
	b := u.screens[ScreenMenu].(*menuScreen).items.button(4)
	test.Tap(b)
	if len(got) != 0 {
		t.Errorf("tapping a greyed item sent %#v", got)
	}
	// The green channel without authority is greyed the same way.
	v = View{Screen: ScreenChannel, Channel: sampleViews()[3].v.Channel}
	u.Show(v)
	if _, ok := u.Locate(ChooseChannel{ID: ChannelGreen}); ok {
		t.Error("the green channel is offered without authority")
	}
	if _, ok := u.Locate(ChooseChannel{ID: ChannelLove}); !ok {
		t.Error("the love channel is not offered")
	}
	_ = w
}

func TestServiceCorner(t *testing.T) {
	u, _ := newTestUI(t, goldenSize)
	var got []Action
	u.OnAction(func(a Action) { got = append(got, a) })
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	u.now = func() time.Time { return now }
	for i := 0; i < 4; i++ {
		test.Tap(u.corner)
		now = now.Add(500 * time.Millisecond)
	}
	if len(got) != 0 {
		t.Fatalf("four taps sent %#v", got)
	}
	now = now.Add(2 * time.Second) // the first taps are now too old
	test.Tap(u.corner)
	if len(got) != 0 {
		t.Fatalf("slow taps sent %#v", got)
	}
	for i := 0; i < 4; i++ {
		test.Tap(u.corner)
		now = now.Add(100 * time.Millisecond)
	}
	if want := []Action{ServiceEntry{}}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v, want %#v", got, want)
	}
}

func TestPINPad(t *testing.T) {
	u, w := newTestUI(t, goldenSize)
	var got []Action
	u.OnAction(func(a Action) { got = append(got, a) })
	u.Show(View{Screen: ScreenPIN})
	for _, a := range []Action{PINDigit{'1'}, PINDigit{'0'}, PINDelete{}, PINDigit{'9'}, PINEnter{}} {
		tapAction(t, u, w, a)
	}
	want := []Action{PINDigit{'1'}, PINDigit{'0'}, PINDelete{}, PINDigit{'9'}, PINEnter{}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v, want %#v", got, want)
	}
}

// TestRepaint: a View shown from outside a tap handler asks for a paint
// (fyne's embedded driver would not paint otherwise); one shown inside a
// handler, or an unchanged one, does not.
func TestRepaint(t *testing.T) {
	u, w := newTestUI(t, goldenSize)
	paints := 0
	u.OnRepaint(func() { paints++ })
	v := View{Screen: ScreenIdentify, Identify: IdentifyView{NoIDAllowed: true}}
	u.Show(v)
	if paints != 1 {
		t.Fatalf("%d paints after a new View, want 1", paints)
	}
	u.Show(v)
	if paints != 1 {
		t.Fatalf("%d paints after the same View, want still 1", paints)
	}
	u.OnAction(func(Action) { u.Show(View{Screen: ScreenMenu, Menu: MenuView{Items: menuItems()}}) })
	tapAction(t, u, w, NoIDCard{})
	if paints != 1 || u.Current().Screen != ScreenMenu {
		t.Errorf("%d paints after a View shown in a tap handler, want still 1", paints)
	}
}

func TestBadScreen(t *testing.T) {
	u, _ := newTestUI(t, goldenSize)
	u.Show(View{Screen: Screen(99)})
	if c := u.Current(); c.Screen != ScreenError || c.Error.Code != "bad_screen_99" {
		t.Errorf("unknown screen shown as %s %q, want the error screen", c.Screen, c.Error.Code)
	}
}

func BenchmarkShow(b *testing.B) {
	u, _ := newTestUI(b, fyne.NewSize(1920, 1080))
	menu := View{Screen: ScreenMenu, Menu: MenuView{Items: menuItems()}}
	done := sampleViews()[5].v
	b.Run("unchanged", func(b *testing.B) {
		u.Show(menu)
		for i := 0; i < b.N; i++ {
			u.Show(menu)
		}
	})
	b.Run("switch", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if i%2 == 0 {
				u.Show(done)
			} else {
				u.Show(menu)
			}
		}
	})
}
