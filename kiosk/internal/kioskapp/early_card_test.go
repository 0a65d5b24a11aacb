package kioskapp_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"
	"time"

	"hallq/controller/controllertest"
	"hallq/drivers/escpos"
	"hallq/drivers/idcard"
	"hallq/drivers/idcard/idcardtest"
	"hallq/drivers/serialport"
	"hallq/kiosk/internal/flow"
	"hallq/kiosk/internal/kioskapp"
	"hallq/kiosk/internal/kioskapp/kioskapptest"
	"hallq/kiosk/internal/link"
)

// TestCardAtStart: a card already on the reader when the kiosk starts is
// read before the kiosk knows the hall's hours. The clock is 03:00, outside
// the kiosk's built-in hours (08:30-16:30) but inside the demo hall's
// (00:00-24:00), and the controller answers slowly, so the card reaches
// the kiosk while it still believes the hall is closed. It must count once
// the hall is known: the citizen gets the menu, not the closed or welcome
// page with the card forgotten.
func TestCardAtStart(t *testing.T) {
	base := time.Date(2026, 11, 23, 3, 0, 0, 0, cst)
	t0 := time.Now()
	now := func() time.Time { return base.Add(time.Since(t0)) }
	ctrl := controllertest.Start(t, &controllertest.Options{Clock: now})
	// A slow controller: the kiosk's first requests take 300 ms.
	target, _ := url.Parse(ctrl.URL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.FlushInterval = -1
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/events" {
			time.Sleep(300 * time.Millisecond)
		}
		proxy.ServeHTTP(w, r)
	}))
	defer slow.Close()

	devs, err := kioskapptest.Start(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(devs.Close)
	cport, err := serialport.New(devs.CardPath, &serialport.Opts{Baud: 115200})
	if err != nil {
		t.Fatal(err)
	}
	defer cport.Close()
	reader, err := idcard.New(cport, &idcard.Opts{PollInterval: 20 * time.Millisecond, Now: now, Bauds: []int{115200}})
	if err != nil {
		t.Fatal(err)
	}
	pport, err := serialport.New(devs.PrinterPath, &serialport.Opts{Baud: 115200})
	if err != nil {
		t.Fatal(err)
	}
	printer, err := escpos.New(pport, &escpos.Opts{Profile: escpos.Generic80, ReplyTimeout: 500 * time.Millisecond, ASB: true})
	if err != nil {
		t.Fatal(err)
	}
	defer printer.Halt()
	lk, err := link.New(slow.URL, ctrl.Token, nil)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var screens []string
	k, err := kioskapp.New(kioskapp.Config{Device: "k", Controller: slow.URL, Token: ctrl.Token, Headless: true,
		Printer:  kioskapp.PrinterConfig{Profile: escpos.Generic80.Name, Poll: 200 * time.Millisecond},
		BusyFile: "-", FirstFrameFile: "-"},
		kioskapp.Deps{Reader: reader, Printer: printer, Link: lk, Now: now, Render: func(s flow.State) {
			mu.Lock()
			defer mu.Unlock()
			if n := len(screens); n == 0 || screens[n-1] != s.Screen.String() {
				screens = append(screens, s.Screen.String())
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	devs.Card.PlaceCard(idcardtest.Sample(idcardtest.Adult, now()))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- k.Run(ctx) }()
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("kiosk did not stop")
		}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s := k.State()
		if (s.Screen == flow.ScreenServices || s.Screen == flow.ScreenGroups) && len(s.Services)+len(s.Groups) > 0 {
			break
		}
		if time.Now().After(deadline) {
			mu.Lock()
			t.Fatalf("the card placed at start never led to the menu: screen %v notice %q; screens %v", s.Screen, s.Notice, screens)
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	t.Logf("screens %v", screens)
	mu.Unlock()
}
