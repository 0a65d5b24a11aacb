package kioskapp_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"hallq/controller/controllertest"
	"hallq/controller/hallproto"
	"hallq/drivers/escpos"
	"hallq/drivers/escpos/escpostest"
	"hallq/drivers/idcard/idcardtest"
	"hallq/kiosk/internal/flow"
	"hallq/kiosk/internal/kioskapp"
	"hallq/kiosk/internal/kioskapp/kioskapptest"
	"hallq/kiosk/internal/link"
)

var cst = time.FixedZone("CST", 8*3600)

// hallClock runs from Monday 2026-11-23 10:00 in the hall's zone, inside
// the demo hall's issue hours, at the real pace.
func hallClock() func() time.Time {
	base := time.Date(2026, 11, 23, 10, 0, 0, 0, cst)
	start := time.Now()
	return func() time.Time { return base.Add(time.Since(start)) }
}

// rig is a real controller, emulated devices on ptys and a kiosk joined
// to them by the real drivers and link.
type rig struct {
	ctrl   *controllertest.Controller
	devs   *kioskapptest.Devices
	k      *kioskapp.Kiosk
	link   *link.Client
	now    func() time.Time
	cfg    kioskapp.Config
	errc   chan error
	cancel context.CancelFunc

	mu     sync.Mutex
	frames int
}

type rigOpts struct {
	devs    *kioskapptest.Opts
	render  func(flow.State)
	profile string
	baud    int
	attach  func(*kioskapp.Kiosk)
	poll    time.Duration // card reader find period (50 ms)
}

func newRig(t testing.TB, o *rigOpts) *rig {
	t.Helper()
	if o == nil {
		o = &rigOpts{}
	}
	now := hallClock()
	r := &rig{now: now, errc: make(chan error, 1)}
	r.ctrl = controllertest.Start(t, &controllertest.Options{Clock: now})
	prof := escpos.Generic80
	if o.profile != "" {
		prof = escpos.Profiles[o.profile]
	}
	devs, reader, printer := openDevices(t, now, devOpts{devs: o.devs, profile: prof, baud: o.baud, poll: o.poll})
	r.devs = devs
	var err error
	r.link, err = link.New(r.ctrl.URL, r.ctrl.Token, &link.Opts{MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, MaxTries: 3})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	r.cfg = kioskapp.Config{
		Device: "kiosk-test", Controller: r.ctrl.URL, Token: r.ctrl.Token, Headless: true,
		Printer:        kioskapp.PrinterConfig{Profile: prof.Name, Poll: 200 * time.Millisecond},
		BusyFile:       filepath.Join(dir, "busy"),
		FirstFrameFile: filepath.Join(dir, "first-frame"),
		Footer:         "请留意叫号",
		Version:        "test",
	}
	r.k, err = kioskapp.New(r.cfg, kioskapp.Deps{Reader: reader, Printer: printer, Link: r.link, Now: now, Render: o.render})
	if err != nil {
		t.Fatal(err)
	}
	if o.attach != nil {
		o.attach(r.k)
	}
	_, r.cancel = r.runKiosk(t, nil)
	r.waitReady(t)
	return r
}

// runKiosk runs r.k until the test ends; stop, when set, runs first then.
func (r *rig) runKiosk(t testing.TB, stop func()) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	go func() { r.errc <- r.k.Run(ctx) }()
	t.Cleanup(func() {
		if stop != nil {
			stop()
		}
		cancel()
		select {
		case <-r.errc:
		case <-time.After(10 * time.Second):
			t.Error("kiosk did not stop")
		}
	})
	return ctx, cancel
}

// waitReady waits until the services are in and the printer checked.
func (r *rig) waitReady(t testing.TB) {
	t.Helper()
	r.wait(t, "services loaded", func(s flow.State) bool {
		return s.Screen == flow.ScreenAttract && s.Banner.ZH == ""
	}, 10*time.Second)
	r.waitServices(t)
}

// waitServices waits until the kiosk's menu knows the controller's
// services (the attract screen looks the same before).
func (r *rig) waitServices(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		r.k.Send(flow.Start{})
		r.k.Send(flow.NoIDCard{})
		time.Sleep(20 * time.Millisecond)
		s := r.k.State()
		r.k.Send(flow.StartOver{})
		if len(s.Services) > 0 || len(s.Groups) > 0 {
			r.wait(t, "attract", func(s flow.State) bool { return s.Screen == flow.ScreenAttract }, 5*time.Second)
			return
		}
	}
	t.Fatal("the kiosk never got the controller's services")
}

func (r *rig) wait(t testing.TB, what string, ok func(flow.State) bool, d time.Duration) flow.State {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		s := r.k.State()
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("timeout waiting for %s; screen %v message %q notice %q banner %q", what, s.Screen, s.Message, s.Notice, s.Banner)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// choose walks the menu to service and picks the channel (by channel id,
// "" for the recommended or first enabled one), then confirms.
func (r *rig) choose(t testing.TB, service string, ch hallproto.Channel) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		s := r.k.State()
		switch s.Screen {
		case flow.ScreenGroups:
			for _, g := range s.Groups {
				r.k.Send(flow.ChooseGroup{ID: g.ID})
				time.Sleep(10 * time.Millisecond)
				if st := r.k.State(); st.Screen == flow.ScreenServices && hasItem(st.Services, service) {
					break
				}
				r.k.Send(flow.Back{})
			}
		case flow.ScreenServices:
			r.k.Send(flow.ChooseService{ID: service})
		case flow.ScreenChannel:
			idx := -1
			for i, o := range s.Channels {
				if !o.Enabled || o.Category != "" {
					continue
				}
				if (ch != "" && o.Channel == ch) || (ch == "" && (o.Recommended || idx < 0)) {
					idx = i
				}
			}
			if idx < 0 {
				t.Fatalf("no channel %q among %+v", ch, s.Channels)
			}
			r.k.Send(flow.ChooseChannel{Index: idx})
		case flow.ScreenConfirm:
			r.k.Send(flow.Confirm{})
			return
		case flow.ScreenMessage:
			t.Fatalf("message on the way to %s: %v", service, s.Message)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("never reached the confirm screen: %v", r.k.State().Screen)
}

func hasItem(items []flow.Item, id string) bool {
	for _, it := range items {
		if it.ID == id {
			return true
		}
	}
	return false
}

// get reads the controller with the admin token.
func (r *rig) get(t testing.TB, path string, out any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.link.Do(ctx, http.MethodGet, path, nil, out); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

// TestCardToTicket: an elderly citizen places an ID card, chooses a
// service; the kiosk issues through the real controller and prints on the
// emulated printer: the bytes decode to the ticket's number and Chinese
// text, the love channel was offered by age, the name is masked, and the
// controller's queue has the ticket.
func TestCardToTicket(t *testing.T) {
	r := newRig(t, nil)
	t0 := time.Now()
	r.k.Send(flow.Start{})
	r.wait(t, "identify", func(s flow.State) bool { return s.Screen == flow.ScreenIdentify }, 5*time.Second)
	if _, err := os.Stat(r.cfg.BusyFile); err != nil {
		t.Errorf("busy file not touched during the session: %v", err)
	}
	r.devs.Card.PlaceCard(idcardtest.Sample(idcardtest.Elder, r.now()))
	st := r.wait(t, "menu", func(s flow.State) bool {
		return s.Screen == flow.ScreenGroups || s.Screen == flow.ScreenServices
	}, 10*time.Second)
	if st.Person == nil || !st.Person.Love || st.Person.MaskedName != "王*英" || !st.LargeText {
		t.Errorf("person %+v large %v: want the love channel by age, masked name, large text", st.Person, st.LargeText)
	}
	t.Logf("menu at %v", time.Since(t0))
	r.choose(t, "social", hallproto.Love)
	t.Logf("confirmed at %v", time.Since(t0))
	done := r.wait(t, "done", func(s flow.State) bool { return s.Screen == flow.ScreenDone }, 15*time.Second)
	if done.Ticket == nil || !strings.HasPrefix(done.Ticket.Number, "A") {
		t.Fatalf("done ticket %+v", done.Ticket)
	}
	num := done.Ticket.Number
	tickets := r.devs.Printer.Tickets()
	if len(tickets) != 1 {
		t.Fatalf("printed %d tickets", len(tickets))
	}
	for _, want := range []string{num, "社保医保", "爱心通道", "姓名：王*英", "前面还有 0 人等候", "请留意叫号", "[qr store \"" + r.ctrl.URL + "/m/t/"} {
		if !strings.Contains(tickets[0], want) {
			t.Errorf("printed ticket lacks %q:\n%s", want, tickets[0])
		}
	}
	// The QR code opens the ticket's status page on the controller, with
	// the controller's check value.
	if i := strings.Index(tickets[0], "[qr store \""); i >= 0 {
		u := tickets[0][i+len("[qr store \""):]
		u = u[:strings.Index(u, "\"")]
		if !strings.Contains(u, "?k=") || strings.HasSuffix(u, "?k=") {
			t.Errorf("status url %q has no check", u)
		}
		resp, err := http.Get(u)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Errorf("status page %s: %v %v", u, err, resp)
		}
		if resp != nil {
			resp.Body.Close()
		}
	}
	if strings.Contains(tickets[0], "王秀英") {
		t.Error("full name printed")
	}
	var got hallproto.Ticket
	r.get(t, fmt.Sprintf("/api/v1/tickets/%d", done.Ticket.ID), &got)
	if got.Number != num || got.Status != hallproto.Waiting || got.Channel != hallproto.Love || got.Service != "social" {
		t.Errorf("controller has %+v", got)
	}
	var q hallproto.Queues
	r.get(t, "/api/v1/queues", &q)
	for _, s := range q.Services {
		if s.Service == "social" && s.Waiting[hallproto.Love] != 1 {
			t.Errorf("social queue %+v", s)
		}
	}
	// The session ends: no personal data left, busy file gone.
	r.devs.Card.RemoveCard()
	r.k.Send(flow.StartOver{})
	end := r.wait(t, "attract", func(s flow.State) bool { return s.Screen == flow.ScreenAttract }, 5*time.Second)
	if end.Person != nil || end.Ticket != nil {
		t.Errorf("state keeps the citizen after the session: %+v %+v", end.Person, end.Ticket)
	}
	if _, err := os.Stat(r.cfg.BusyFile); !os.IsNotExist(err) {
		t.Errorf("busy file after the session: %v", err)
	}
	_, png, err := r.k.LastTicket()
	if err != nil || len(png) < 1000 {
		t.Errorf("ticket preview: %d bytes, %v", len(png), err)
	}
}

// TestPlainTicketAndPrinterFaults: the "no ID card" path issues a plain
// ticket; with the paper out the kiosk stops offering tickets and says
// why, and issues again when the paper is back.
func TestPlainTicketAndPrinterFaults(t *testing.T) {
	r := newRig(t, nil)
	r.k.Send(flow.Start{})
	r.k.Send(flow.NoIDCard{})
	r.choose(t, "household", "")
	done := r.wait(t, "done", func(s flow.State) bool { return s.Screen == flow.ScreenDone }, 15*time.Second)
	if !strings.HasPrefix(done.Ticket.Number, "B") || done.Ticket.MaskedName != "" {
		t.Errorf("ticket %+v", done.Ticket)
	}
	if tk := r.devs.Printer.Tickets(); len(tk) != 1 || !strings.Contains(tk[0], done.Ticket.Number) || strings.Contains(tk[0], "姓名") {
		t.Errorf("printed %q", tk)
	}
	r.k.Send(flow.StartOver{})

	r.devs.Printer.SetPaper(escpostest.PaperOut)
	st := r.wait(t, "paper end banner", func(s flow.State) bool { return s.Banner.ZH != "" }, 5*time.Second)
	if !strings.Contains(st.Banner.ZH+st.Banner.EN, "纸") {
		t.Errorf("banner %v does not say the paper is out", st.Banner)
	}
	r.devs.Printer.SetPaper(escpostest.PaperOK)
	r.wait(t, "banner gone", func(s flow.State) bool { return s.Banner.ZH == "" }, 5*time.Second)
}
