package kioskapp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"hallq/controller/hallproto"
	"hallq/drivers/escpos"
	"hallq/drivers/idcard"
	"hallq/kiosk/internal/devscreen"
	"hallq/kiosk/internal/flow"
	"hallq/kiosk/internal/ticket"
)

// CardReader is the part of *idcard.Dev the kiosk uses.
type CardReader interface {
	Run(ctx context.Context, emit func(idcard.Event)) error
}

// Controller is the part of *link.Client the kiosk uses.
type Controller interface {
	Do(ctx context.Context, method, path string, in, out any) error
	Follow(ctx context.Context, since uint64, fn func(hallproto.Event)) error
	Online() bool
	OnState(fn func(online bool))
}

// Issuer issues tickets: online through the controller, offline from a
// leased block of numbers into a local outbox (link's offline issuer).
// offline reports a ticket issued from the lease.
type Issuer interface {
	Issue(ctx context.Context, req hallproto.IssueRequest) (t hallproto.Ticket, offline bool, err error)
	// Pending counts offline tickets not yet replayed.
	Pending() int
}

// Deps are the kiosk's devices and controller link. Nil devices are
// absent: no reader means plain tickets only, no printer means the kiosk
// does not issue.
type Deps struct {
	Reader  CardReader
	Printer ticket.Printer
	Camera  Camera
	Link    Controller
	// Issuer defaults to issuing online through Link.
	Issuer Issuer
	// Now is the clock (time.Now).
	Now func() time.Time
	// Render is called on the kiosk's goroutine after every change of
	// state, with the state to draw.
	Render func(flow.State)
	// Font draws rare name characters on tickets and the preview; nil
	// loads Config.Font or the default paths, and without any font rare
	// characters print as boxes.
	Font   *ticket.Font
	Logger *slog.Logger
}

// Kiosk joins the journey's state machine, the devices and the controller.
// Every event goes through one goroutine (Run), which calls flow.Handle
// and starts the effects; slow effects (issue, print, upload) run on
// their own goroutines and come back as events.
type Kiosk struct {
	cfg    Config
	d      Deps
	log    *slog.Logger
	layout ticket.Layout
	m      *flow.Machine
	events chan flow.Event

	mu       sync.Mutex
	state    flow.State
	lastJob  []byte // last ticket sent to the printer (demo preview)
	hall     hallproto.HallInfo
	printerS escpos.Status
	printerE error
	printing bool
	sessions int
	// serviceEN are the services' English names, for the ticket.
	serviceEN map[string]string
	// lastState and lastProblems are the flow's last device report,
	// repeated every StatusEvery.
	lastState    string
	lastProblems []string
	camStop      context.CancelFunc
	// ui redraws the attached screen from the machine's state; it runs
	// on the kiosk's goroutine.
	ui func()

	wg     sync.WaitGroup
	ctx    context.Context
	cancel context.CancelFunc
}

// New builds a kiosk; Run starts it.
func New(cfg Config, d Deps) (*Kiosk, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	if d.Link == nil {
		return nil, fmt.Errorf("%w: no controller link", ErrConfig)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Issuer == nil {
		d.Issuer = onlineIssuer{d.Link}
	}
	if d.Font == nil {
		var paths []string
		if cfg.Font != "" {
			paths = []string{cfg.Font}
		}
		if f, err := ticket.LoadFont(paths...); err == nil {
			d.Font = f
		} else {
			d.Logger.Warn("kioskapp: no font for tickets: rare characters print as boxes", "err", err)
		}
	}
	l, _ := ticket.LayoutFor(cfg.Printer.Profile)
	fc := flow.Config{
		IdleTimeout:  cfg.Timeouts.Idle,
		DoneTimeout:  cfg.Timeouts.Done,
		IssueTimeout: cfg.Timeouts.Issue,
		PrintTimeout: cfg.Timeouts.Print,
		TechPIN:      cfg.TechPIN,
		GreenPIN:     cfg.GreenPIN,
		Version:      cfg.Version,
		Location:     hallZone(""),
		NewRequestID: func(time.Time) string { return newRequestID() },
	}
	if d.Camera == nil {
		fc.Materials = []flow.Material{}
	}
	k := &Kiosk{cfg: cfg, d: d, log: d.Logger, layout: l, m: flow.New(fc), events: make(chan flow.Event, 64)}
	k.state = k.m.State()
	return k, nil
}

// Send hands an event (a touch, in headless mode) to the kiosk. It blocks
// while the queue is full, until the kiosk stops.
func (k *Kiosk) Send(ev flow.Event) {
	k.mu.Lock()
	ctx := k.ctx
	k.mu.Unlock()
	if ctx == nil {
		k.events <- ev
		return
	}
	select {
	case k.events <- ev:
	case <-ctx.Done():
	}
}

// State returns the state last rendered.
func (k *Kiosk) State() flow.State {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.state
}

// LastTicket returns the bytes of the last ticket sent to the printer and
// its PNG preview (the demo page's "printed ticket").
func (k *Kiosk) LastTicket() (job, png []byte, err error) {
	k.mu.Lock()
	job = k.lastJob
	k.mu.Unlock()
	if job == nil {
		return nil, nil, nil
	}
	png, err = ticket.PreviewPNG(job, k.layout.Profile, k.d.Font)
	return job, png, err
}

// Sessions counts the tickets printed since start.
func (k *Kiosk) Sessions() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.sessions
}

// Run serves until ctx ends. It returns ctx's error, or the first fatal
// error of a device loop.
func (k *Kiosk) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	k.mu.Lock()
	k.ctx, k.cancel = ctx, cancel
	k.mu.Unlock()
	defer func() {
		cancel()
		k.wg.Wait()
		k.setBusy(false)
	}()
	k.start(ctx)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	k.handle(flow.Tick{})
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case ev := <-k.events:
			k.handle(ev)
		case <-tick.C:
			k.handle(flow.Tick{})
		}
	}
}

// go runs f on its own goroutine, tracked so Run waits for it.
func (k *Kiosk) goFn(f func()) {
	k.wg.Add(1)
	go func() { defer k.wg.Done(); f() }()
}

// post sends an event from a worker goroutine; dropped when stopping.
func (k *Kiosk) post(ctx context.Context, ev flow.Event) {
	select {
	case k.events <- ev:
	case <-ctx.Done():
	}
}

func (k *Kiosk) handle(ev flow.Event) {
	effs := k.m.Handle(k.d.Now(), ev)
	for _, e := range effs {
		k.perform(e)
	}
	st := k.m.State()
	k.mu.Lock()
	k.state = st
	k.mu.Unlock()
	if k.d.Render != nil {
		k.d.Render(st)
	}
	k.mu.Lock()
	ui := k.ui
	k.mu.Unlock()
	if ui != nil {
		ui()
	}
}

func (k *Kiosk) perform(e flow.Effect) {
	ctx := k.ctx
	switch e := e.(type) {
	case flow.IssueTicket:
		k.goFn(func() { k.issue(ctx, e) })
	case flow.CheckInAppointment:
		k.goFn(func() { k.checkIn(ctx, e) })
	case flow.Print:
		k.goFn(func() { k.print(ctx, e) })
	case flow.UploadDocument:
		k.goFn(func() { k.upload(ctx, e) })
	case flow.StartCamera:
		k.startCamera(ctx)
	case flow.StopCamera:
		k.stopCamera()
	case flow.ReportStatus:
		k.goFn(func() { k.report(ctx, e.State, e.Problems) })
	case flow.Busy:
		k.setBusy(e.On)
	case flow.ClearPersonalData:
		// The glue keeps no card data between events: the reader's
		// Identity went into the CardPlaced event and nowhere else.
	case flow.ReadCard, flow.Beep:
		// The reader polls all the time; there is no buzzer on the
		// reference kiosk.
	}
}

// setBusy touches or removes the firmware's busy file.
func (k *Kiosk) setBusy(on bool) {
	p := k.cfg.BusyFile
	if p == "" || p == "-" {
		return
	}
	if !on {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			k.log.Warn("kioskapp: busy file", "err", err)
		}
		return
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err == nil {
		err = os.WriteFile(p, nil, 0o644)
		if err == nil {
			now := time.Now()
			err = os.Chtimes(p, now, now)
		}
		if err != nil {
			k.log.Warn("kioskapp: busy file", "err", err)
		}
	}
}

// FirstFrame writes the firmware's first-frame file (once).
func (k *Kiosk) FirstFrame() {
	if err := devscreen.WriteFirstFrame(k.cfg.FirstFrameFile); err != nil {
		k.log.Warn("kioskapp: first-frame file", "err", err)
	}
}

func hallZone(name string) *time.Location {
	if name != "" {
		if l, err := time.LoadLocation(name); err == nil {
			return l
		}
	}
	// China has one zone and no daylight saving time.
	return time.FixedZone("CST", 8*3600)
}
