package kioskapp_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"hallq/controller/controllertest"
	"hallq/controller/hallproto"
	"hallq/drivers/idcard/idcardtest"
	"hallq/kiosk/internal/flow"
	"hallq/kiosk/internal/kioskapp"
	"hallq/kiosk/internal/link"
)

// hallProxy is the hall network between the kiosk and the controller: a
// TCP relay on a fixed loopback port, so the controller can stop and come
// back on another port while the kiosk keeps its configured address.
// Without a backend it accepts and closes at once, as a host whose
// controller process is down answers with a reset.
type hallProxy struct {
	ln      net.Listener
	mu      sync.Mutex
	backend string
	conns   map[net.Conn]struct{}
	wg      sync.WaitGroup
}

func startProxy(t testing.TB, backendURL string) *hallProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &hallProxy{ln: ln, conns: map[net.Conn]struct{}{}}
	p.set(backendURL)
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.wg.Add(1)
			go func() { defer p.wg.Done(); p.relay(c) }()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		p.set("")
		p.wg.Wait()
	})
	return p
}

func (p *hallProxy) URL() string { return "http://" + p.ln.Addr().String() }

// set switches the backend (a controller URL, "" for none) and cuts every
// relayed connection, so no request or event stream outlives the switch.
func (p *hallProxy) set(backendURL string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.backend = strings.TrimPrefix(backendURL, "http://")
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

func (p *hallProxy) track(cs ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.backend == "" {
		return false
	}
	for _, c := range cs {
		p.conns[c] = struct{}{}
	}
	return true
}

func (p *hallProxy) relay(c net.Conn) {
	defer c.Close()
	p.mu.Lock()
	be := p.backend
	p.mu.Unlock()
	if be == "" {
		return
	}
	b, err := net.DialTimeout("tcp", be, time.Second)
	if err != nil {
		return
	}
	defer b.Close()
	if !p.track(c, b) {
		return
	}
	done := make(chan struct{})
	go func() { io.Copy(b, c); b.Close(); close(done) }()
	io.Copy(c, b)
	c.Close()
	<-done
}

// statusRecorder is the kiosk's controller link with every device status
// report the kiosk tried to send recorded, delivered or not: while the
// controller is down they are the only trace of what staff would see.
type statusRecorder struct {
	*link.Client
	mu      sync.Mutex
	reports []hallproto.DeviceStatus
}

func (s *statusRecorder) Do(ctx context.Context, method, path string, in, out any) error {
	if method == http.MethodPost && path == "/api/v1/devices/status" {
		var st hallproto.DeviceStatus
		b, _ := json.Marshal(in)
		if err := json.Unmarshal(b, &st); err == nil {
			s.mu.Lock()
			s.reports = append(s.reports, st)
			s.mu.Unlock()
		}
	}
	return s.Client.Do(ctx, method, path, in, out)
}

func (s *statusRecorder) find(ok func(hallproto.DeviceStatus) bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.ContainsFunc(s.reports, ok)
}

// offlineRig is a kiosk with the outbox and the lease issuer, reaching a
// restartable controller through hallProxy.
type offlineRig struct {
	*rig
	proxy  *hallProxy
	dir    string
	rec    *statusRecorder
	issuer *link.Issuer
	outbox *link.Outbox
}

const offlineDevice = "kiosk-offline"
const techPIN = "2468"

func newOfflineRig(t *testing.T) *offlineRig {
	t.Helper()
	now := hallClock()
	r := &offlineRig{rig: &rig{now: now, errc: make(chan error, 1)}, dir: t.TempDir()}
	r.ctrl = controllertest.Start(t, &controllertest.Options{DataDir: r.dir, Clock: now})
	r.proxy = startProxy(t, r.ctrl.URL)
	devs, reader, printer := openDevices(t, now, devOpts{})
	r.devs = devs
	var err error
	r.link, err = link.New(r.proxy.URL(), r.ctrl.Token, &link.Opts{MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, MaxTries: 3})
	if err != nil {
		t.Fatal(err)
	}
	r.rec = &statusRecorder{Client: r.link}
	r.outbox, err = link.OpenOutbox(filepath.Join(r.dir, "outbox.db"))
	if err != nil {
		t.Fatal(err)
	}
	r.issuer, err = link.NewIssuer(r.link, r.outbox, &link.IssuerOpts{Device: offlineDevice, Services: []string{"social", "household"},
		LeaseCount: 30, OnlineTimeout: time.Second, Every: 500 * time.Millisecond, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	kdir := t.TempDir()
	r.cfg = kioskapp.Config{
		Device: offlineDevice, Controller: r.proxy.URL(), Token: r.ctrl.Token, Headless: true,
		Printer:  kioskapp.PrinterConfig{Profile: "80mm", Poll: 500 * time.Millisecond},
		BusyFile: filepath.Join(kdir, "busy"), FirstFrameFile: filepath.Join(kdir, "first-frame"),
		TechPIN: techPIN, Version: "test",
		// StatusEvery stays at its minute: reports while the test runs
		// come from changes only.
	}
	r.k, err = kioskapp.New(r.cfg, kioskapp.Deps{Reader: reader, Printer: printer, Link: r.rec,
		Issuer: kioskapp.LeaseIssuer{Issuer: r.issuer}, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	// Registered first, so it runs after the kiosk has stopped.
	idone := make(chan struct{})
	t.Cleanup(func() {
		<-idone
		r.outbox.Close()
	})
	ctx, _ := r.runKiosk(t, nil)
	go func() { defer close(idone); r.issuer.Run(ctx) }()
	r.waitReady(t)
	return r
}

// until polls ok every 20 ms for at most d.
func until(t *testing.T, what string, d time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timeout after %v waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// takeTicket walks one citizen through the journey for social's normal
// line: with card (a sample name) or by "no ID card". It returns the
// ticket the done screen shows.
func (r *offlineRig) takeTicket(t *testing.T, card string) flow.TicketView {
	t.Helper()
	r.k.Send(flow.Start{})
	r.wait(t, "identify", func(s flow.State) bool { return s.Screen == flow.ScreenIdentify }, 5*time.Second)
	if card == "" {
		r.k.Send(flow.NoIDCard{})
	} else {
		r.devs.Card.PlaceCard(idcardtest.Sample(card, r.now()))
		st := r.wait(t, "menu after "+card, func(s flow.State) bool {
			return s.Screen == flow.ScreenGroups || s.Screen == flow.ScreenServices || s.Screen == flow.ScreenMessage
		}, 10*time.Second)
		if st.Screen == flow.ScreenMessage || st.Person == nil {
			t.Fatalf("card %s: %v person %+v", card, st.Message, st.Person)
		}
	}
	r.choose(t, "social", hallproto.Normal)
	done := r.wait(t, "done", func(s flow.State) bool {
		return s.Screen == flow.ScreenDone || s.Screen == flow.ScreenMessage || s.Screen == flow.ScreenPrintProblem
	}, 15*time.Second)
	if done.Screen != flow.ScreenDone || done.Ticket == nil {
		t.Fatalf("ticket %d with card %q: screen %v message %v", len(r.devs.Printer.Tickets()), card, done.Screen, done.Message)
	}
	if card != "" {
		r.devs.Card.RemoveCard()
	}
	r.k.Send(flow.StartOver{})
	r.wait(t, "attract", func(s flow.State) bool { return s.Screen == flow.ScreenAttract }, 5*time.Second)
	return *done.Ticket
}

var bigNumber = regexp.MustCompile(`\[size 4x4\]\n\[bold true\]\n([^\n]+)\n`)

// printedNumbers reads the big number of every ticket the emulated
// printer decoded.
func printedNumbers(t *testing.T, tickets []string) []string {
	t.Helper()
	var out []string
	for i, tk := range tickets {
		m := bigNumber.FindStringSubmatch(tk)
		if m == nil {
			t.Fatalf("printed ticket %d has no big number:\n%s", i, tk)
		}
		out = append(out, m[1])
	}
	return out
}

// openTechnician enters the PIN on the attract screen.
func (r *offlineRig) openTechnician(t *testing.T) {
	t.Helper()
	r.k.Send(flow.OpenTechnician{})
	r.wait(t, "pin pad", func(s flow.State) bool { return s.Screen == flow.ScreenPIN }, 5*time.Second)
	for _, c := range techPIN {
		r.k.Send(flow.PINDigit{Digit: int(c - '0')})
	}
	r.k.Send(flow.PINSubmit{})
	r.wait(t, "technician screen", func(s flow.State) bool { return s.Screen == flow.ScreenTechnician && s.Tech != nil }, 5*time.Second)
}

// TestOfflineKiosk is issue 4's offline test at the kiosk's level: the
// controller stops, the kiosk issues 20 tickets through the citizen
// journey from its leases (plain and with ID cards), each printed with its
// own number; staff see "offline, 20 pending" on the technician screen and
// the kiosk tries to tell the controller so; the controller comes back on
// the same data, the kiosk replays, and the window calls all 20 exactly
// once, in issue order, after the tickets taken before the outage.
func TestOfflineKiosk(t *testing.T) {
	if testing.Short() {
		t.Skip("restarts a controller; -short skips it")
	}
	start := time.Now()
	r := newOfflineRig(t)
	t.Logf("kiosk ready in %v", time.Since(start))
	until(t, "leases for social", 10*time.Second, func() bool {
		ls, err := r.outbox.Leases()
		return err == nil && slices.ContainsFunc(ls, func(l link.LeaseState) bool { return l.Lease.Service == "social" })
	})

	// Online first.
	var online []string
	for i := 0; i < 2; i++ {
		tk := r.takeTicket(t, "")
		if tk.ID == 0 || !tk.WaitingKnown {
			t.Fatalf("online ticket %+v was issued offline", tk)
		}
		online = append(online, tk.Number)
	}

	// The controller goes down.
	r.proxy.set("")
	r.ctrl.Stop()
	t.Logf("controller stopped at %v", time.Since(start))
	cardAt := map[int]string{3: idcardtest.Adult, 9: idcardtest.HongKong, 15: idcardtest.Macao}
	var offline []string
	t0 := time.Now()
	for i := 0; i < 20; i++ {
		tk := r.takeTicket(t, cardAt[i])
		if tk.WaitingKnown || tk.ID != 0 {
			t.Fatalf("ticket %d %s issued online while the controller is down: %+v", i, tk.Number, tk)
		}
		offline = append(offline, tk.Number)
	}
	t.Logf("20 offline tickets in %v", time.Since(t0))
	if n := r.issuer.Pending(); n != 20 {
		t.Fatalf("outbox holds %d tickets, want 20", n)
	}

	// Every ticket printed, each with its own number, the ones the done
	// screens showed.
	printed := printedNumbers(t, r.devs.Printer.Tickets())
	if want := append(slices.Clone(online), offline...); !slices.Equal(printed, want) {
		t.Fatalf("printed %v\nwant    %v", printed, want)
	}
	seen := map[string]bool{}
	for _, n := range printed {
		if seen[n] {
			t.Fatalf("number %s printed twice: %v", n, printed)
		}
		seen[n] = true
	}
	for _, tk := range r.devs.Printer.Tickets()[2:] {
		if strings.Contains(tk, "[qr store") {
			t.Errorf("offline ticket with a status QR code that cannot open yet:\n%s", tk)
		}
	}

	// Staff see it on the kiosk, and the kiosk tried to report it.
	r.openTechnician(t)
	st := r.wait(t, "offline, 20 pending on the technician screen", func(s flow.State) bool {
		return s.Tech != nil && !s.Tech.Online && s.Tech.Pending == 20
	}, 5*time.Second)
	t.Logf("technician screen: online %v pending %d", st.Tech.Online, st.Tech.Pending)
	until(t, "a status report saying offline, 20 pending", 5*time.Second, func() bool {
		return r.rec.find(func(s hallproto.DeviceStatus) bool {
			return s.Device == offlineDevice && s.State == "offline" && s.Pending == 20 &&
				slices.Contains(s.Problems, "offline_tickets_pending")
		})
	})

	// The controller comes back on its data directory, behind the same
	// address.
	t1 := time.Now()
	r.ctrl = controllertest.Start(t, &controllertest.Options{DataDir: r.dir, Clock: r.now})
	r.proxy.set(r.ctrl.URL)
	// Cleanups run last-in first-out: cut the kiosk off before the
	// controller stops, or its open event stream holds the controller's
	// shutdown for the full 5 s grace period.
	t.Cleanup(func() { r.proxy.set("") })
	until(t, "the replay", 10*time.Second, func() bool { return r.issuer.Pending() == 0 })
	t.Logf("replayed in %v", time.Since(t1))
	if n := r.issuer.Rejected(); n != 0 {
		t.Fatalf("the controller refused %d offline tickets", n)
	}
	r.wait(t, "online, 0 pending on the technician screen", func(s flow.State) bool {
		return s.Tech != nil && s.Tech.Online && s.Tech.Pending == 0
	}, 5*time.Second)
	until(t, "the controller's device status: ok, 0 pending", 5*time.Second, func() bool {
		var list struct {
			Devices []hallproto.DeviceStatus `json:"devices"`
		}
		r.get(t, "/api/v1/devices/status", &list)
		for _, d := range list.Devices {
			if d.Device == offlineDevice {
				return d.State == "ok" && d.Pending == 0
			}
		}
		return false
	})
	r.k.Send(flow.StartOver{})

	// The queue holds the 22 tickets once; window 1 (social only) calls
	// them in issue order.
	var q hallproto.Queues
	r.get(t, "/api/v1/queues", &q)
	for _, s := range q.Services {
		if s.Service == "social" && s.Total != 22 {
			t.Fatalf("social queue holds %d tickets, want 2 online + 20 offline", s.Total)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	act := func(action string, body hallproto.ActionRequest, out any) {
		t.Helper()
		body.RequestID = link.NewRequestID()
		if err := r.link.Do(ctx, http.MethodPost, "/api/v1/windows/1/"+action, body, out); err != nil {
			t.Fatalf("window 1 %s: %v", action, err)
		}
	}
	act("login", hallproto.ActionRequest{Staff: "S001"}, nil)
	var called []string
	for i := 0; i < 30; i++ {
		var tk hallproto.Ticket
		act("call", hallproto.ActionRequest{}, &tk)
		if tk.Number == "" {
			break // 204: nobody waits
		}
		called = append(called, tk.Number)
		act("finish", hallproto.ActionRequest{Outcome: "done"}, nil)
	}
	if want := append(slices.Clone(online), offline...); !slices.Equal(called, want) {
		t.Fatalf("window 1 called %v\nwant          %v", called, want)
	}
}
