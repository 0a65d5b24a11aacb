package kioskapp

import (
	"errors"
	"testing"
	"time"

	"hallq/drivers/idcard"
	"hallq/kiosk/internal/flow"
	kioskui "hallq/ui/kiosk"
)

func TestCardEvent(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	id := &idcard.Identity{Type: idcard.Resident, Name: "王秀英", Number: "11010519491231002X", Birth: time.Date(1949, 12, 31, 0, 0, 0, 0, time.UTC), NoExpiry: true, Photo: []byte{1, 2}}
	for _, tc := range []struct {
		name string
		ev   idcard.Event
		want flow.Event
	}{
		{"read", idcard.Event{Kind: idcard.CardRead, Identity: id},
			flow.CardPlaced{Card: flow.Card{Number: id.Number, Name: id.Name, Birth: id.Birth, NoExpiry: true, Kind: flow.ResidentCard}}},
		{"expired", idcard.Event{Kind: idcard.CardRead, Identity: id, Err: idcard.ErrExpired},
			flow.CardFailed{Err: flow.CardExpired, Message: idcard.Message(idcard.ErrExpired)}},
		{"bad number", idcard.Event{Kind: idcard.CardRead, Identity: id, Err: idcard.ErrInvalidNumber},
			flow.CardFailed{Err: flow.CardInvalid, Message: idcard.Message(idcard.ErrInvalidNumber)}},
		{"fake", idcard.Event{Kind: idcard.CardFailed, Err: &idcard.StatusError{SW3: 0x32}},
			flow.CardFailed{Err: flow.CardFake, Message: idcard.Message(&idcard.StatusError{SW3: 0x32})}},
		{"moved", idcard.Event{Kind: idcard.CardFailed, Err: idcard.ErrReadFailed},
			flow.CardFailed{Err: flow.CardUnreadable, Message: idcard.Message(idcard.ErrReadFailed)}},
		{"pulled", idcard.Event{Kind: idcard.CardFailed, Err: idcard.ErrSelectFailed},
			flow.CardFailed{Err: flow.CardPulled, Message: idcard.Message(idcard.ErrSelectFailed)}},
		{"removed", idcard.Event{Kind: idcard.CardRemoved}, flow.CardRemoved{}},
		{"lost", idcard.Event{Kind: idcard.ReaderLost, Err: errors.New("x")}, flow.ReaderState{Online: false}},
		{"back", idcard.Event{Kind: idcard.ReaderBack}, flow.ReaderState{Online: true}},
	} {
		got := cardEvent(tc.ev, now)
		if g, ok := got.(flow.CardPlaced); ok {
			if g.Card.Photo != nil {
				t.Errorf("%s: the photo went into the journey", tc.name)
			}
			w := tc.want.(flow.CardPlaced)
			if g.Card.Number != w.Card.Number || g.Card.Name != w.Card.Name || !g.Card.Birth.Equal(w.Card.Birth) || g.Card.NoExpiry != w.Card.NoExpiry || g.Card.Kind != w.Card.Kind {
				t.Errorf("%s: %+v, want %+v", tc.name, g, w)
			}
			continue
		}
		if got != tc.want {
			t.Errorf("%s: %#v, want %#v", tc.name, got, tc.want)
		}
		if f, ok := got.(flow.CardFailed); ok && f.Message == "" {
			t.Errorf("%s: no Chinese message", tc.name)
		}
	}
}

func TestActionEvents(t *testing.T) {
	menu := kioskui.View{Screen: kioskui.ScreenMenu, Menu: kioskui.MenuView{Items: []kioskui.MenuItem{{ID: "g1", Group: true}, {ID: "social"}}}}
	for _, tc := range []struct {
		a    kioskui.Action
		want flow.Event
	}{
		{kioskui.Start{}, flow.Start{}},
		{kioskui.ChooseService{ID: "g1"}, flow.ChooseGroup{ID: "g1"}},
		{kioskui.ChooseService{ID: "social"}, flow.ChooseService{ID: "social"}},
		{kioskui.ChooseChannel{ID: "2"}, flow.ChooseChannel{Index: 2}},
		{kioskui.ChooseChannel{ID: "x"}, nil},
		{kioskui.PINDigit{Digit: '7'}, flow.PINDigit{Digit: 7}},
		{kioskui.PINDigit{Digit: 'a'}, nil},
		{kioskui.PINEnter{}, flow.PINSubmit{}},
		{kioskui.Retry{}, flow.Acknowledge{}},
		{kioskui.AddPage{}, flow.KeepPage{}},
		{kioskui.FinishCapture{}, flow.FinishDocuments{}},
		{kioskui.ExitService{}, flow.StartOver{}},
		{kioskui.TakeNormalTicket{}, flow.TakeNormal{}},
	} {
		if got := event(tc.a, menu); got != tc.want {
			t.Errorf("%#v -> %#v, want %#v", tc.a, got, tc.want)
		}
	}
}

// The view shows only the masked name and maps every screen.
func TestViewMapping(t *testing.T) {
	vw := &viewer{}
	now := time.Date(2026, 11, 23, 10, 5, 0, 0, time.UTC)
	for _, tc := range []struct {
		s    flow.State
		want kioskui.Screen
	}{
		{flow.State{Screen: flow.ScreenAttract, Banner: flow.Text{ZH: "打印机缺纸"}}, kioskui.ScreenAttract},
		{flow.State{Screen: flow.ScreenClosed, BookingURL: "http://h/book"}, kioskui.ScreenAfterHours},
		{flow.State{Screen: flow.ScreenReading}, kioskui.ScreenIdentify},
		{flow.State{Screen: flow.ScreenServices, Person: &flow.Person{MaskedName: "王*英"}, Services: []flow.Item{{ID: "a", Enabled: true}}}, kioskui.ScreenMenu},
		{flow.State{Screen: flow.ScreenChannel, Channels: []flow.ChannelOption{{Enabled: true}}}, kioskui.ScreenChannel},
		{flow.State{Screen: flow.ScreenConfirm}, kioskui.ScreenConfirm},
		{flow.State{Screen: flow.ScreenIssuing}, kioskui.ScreenPrinting},
		{flow.State{Screen: flow.ScreenDone, Ticket: &flow.TicketView{Number: "A001"}}, kioskui.ScreenDone},
		{flow.State{Screen: flow.ScreenPrintProblem, Ticket: &flow.TicketView{Number: "A001"}}, kioskui.ScreenError},
		{flow.State{Screen: flow.ScreenAppointment}, kioskui.ScreenCheckIn},
		{flow.State{Screen: flow.ScreenMaterial}, kioskui.ScreenCapture},
		{flow.State{Screen: flow.ScreenPIN, PINLength: 3}, kioskui.ScreenPIN},
		{flow.State{Screen: flow.ScreenTechnician, Tech: &flow.TechView{}}, kioskui.ScreenService},
	} {
		v := vw.View(tc.s, now)
		if v.Screen != tc.want {
			t.Errorf("%v -> %v, want %v", tc.s.Screen, v.Screen, tc.want)
		}
		switch v.Screen {
		case kioskui.ScreenAttract:
			if !v.Attract.IssuePaused || v.Attract.PausedReason.Zh != "打印机缺纸" {
				t.Errorf("attract %+v", v.Attract)
			}
		case kioskui.ScreenMenu:
			if v.Menu.Greeting != "王*英" || len(v.Menu.Items) != 1 {
				t.Errorf("menu %+v", v.Menu)
			}
		case kioskui.ScreenAfterHours:
			if v.AfterHours.BookingQR == nil {
				t.Error("no booking QR")
			}
		case kioskui.ScreenError:
			if v.Error.Detail.Zh == "" {
				t.Error("print problem without the number")
			}
		case kioskui.ScreenPIN:
			if v.PIN.Entered != 3 {
				t.Errorf("pin %+v", v.PIN)
			}
		}
	}
}
