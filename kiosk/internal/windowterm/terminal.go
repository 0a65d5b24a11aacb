package windowterm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"hallq/controller/hallproto"
	"hallq/drivers/keypad"
	"hallq/drivers/ledsign"
	"hallq/kiosk/internal/link"
)

// Controller is what the terminal needs from the controller link
// (*link.Client).
type Controller interface {
	Do(ctx context.Context, method, path string, in, out any) error
}

// Texts are the sign's texts; GET /api/v1/hall overrides them when the
// controller has them.
type Texts struct {
	Idle, Paused, Empty, Offline string
}

// DefaultTexts are used until the controller says otherwise.
var DefaultTexts = Texts{Idle: "欢迎光临", Paused: "暂停服务", Empty: "无人等候", Offline: "离线"}

// Options configure a Terminal. Zero fields take DefaultOptions' values.
type Options struct {
	Window string // required: the window this terminal serves
	Device string // device id for status reports; default "window-<Window>"
	// Debounce: the same key again within this time is chatter.
	Debounce time.Duration
	// Stale: a key press older than this when its turn comes is dropped.
	Stale time.Duration
	// ActionTimeout bounds one action, retries included.
	ActionTimeout time.Duration
	// TransferWait: how long a transfer key waits for digits and confirm.
	TransferWait time.Duration
	// SignRetry: how often an unanswered sign display is sent again.
	SignRetry time.Duration
	// StatusEvery: how often the device status is reported when nothing
	// changes.
	StatusEvery time.Duration
	// ProbeEvery: how often an offline terminal checks the controller.
	ProbeEvery time.Duration
	// AcceptFor: how long after finish the evaluator stays armed (the
	// controller's /api/v1/evaluations/config overrides it).
	AcceptFor time.Duration
	// BusyFile exists while an action is in progress; "" for none.
	BusyFile string
	Texts    Texts
	Version  string
	Clock    func() time.Time
	Logger   *slog.Logger
	// Blink is the number of blinks of a new call on the sign.
	Blink uint8
	// NoFollow: do not follow the controller's event stream (by default
	// the terminal follows it, so that changes made elsewhere, a pause
	// from the console, a call from hallctl, new sign texts, reach the
	// sign).
	NoFollow bool
	// OnSign, when set, is called after every display sent to the sign
	// (tests and the benchmark).
	OnSign func(d Display, err error)
}

// DefaultOptions are the defaults of zero fields.
var DefaultOptions = Options{Debounce: time.Second, Stale: 2 * time.Second, ActionTimeout: 3 * time.Second,
	TransferWait: 10 * time.Second, SignRetry: 5 * time.Second, StatusEvery: 30 * time.Second,
	ProbeEvery: 2 * time.Second, AcceptFor: 10 * time.Minute, Texts: DefaultTexts, Blink: 3}

// Display is what the sign should show: a call, or a text.
type Display struct {
	Call bool
	Text string // the ticket number for a call, else the text
}

func (d Display) String() string {
	if d.Call {
		return "call " + d.Text
	}
	return "text " + d.Text
}

// State is a snapshot of the terminal, for a status display and tests.
type State struct {
	Window     string
	Online     bool // the controller answered the last request
	SignOnline bool
	Paused     bool
	Current    string // ticket number being called or served
	Armed      string // ticket number the evaluator is armed for
	Display    Display
	LastError  string // Chinese, shown on a status display
}

type armed struct {
	ticket uint64
	number string
	caseNo string
	until  time.Time
}

// Terminal is one window's terminal.
type Terminal struct {
	ctl     Controller
	sign    ledsign.Sign
	sources []keypad.Source
	o       Options
	lg      *slog.Logger
	path    string // /api/v1/windows/<window>/

	mu          sync.Mutex
	online      bool
	paused      bool
	current     *hallproto.Ticket
	armed       *armed
	transferTil time.Time
	lastKind    keypad.Kind
	lastAt      time.Time
	display     Display
	shownOK     bool
	lastSent    time.Time
	lastErr     string
	reported    string
	acting      int // key presses being handled: events leave the sign to them
	reportedAt  time.Time
	texts       Texts
	services    map[string]string // the window's services: id -> name, for the touch screen
	order       []string
	queues      map[string]int // waiting per service
	staff       string
	windowName  string
}

// New builds a terminal for one window from opened devices. sign may be
// nil (a window without a sign); sources may be empty (a touch screen
// calls Press).
func New(ctl Controller, sign ledsign.Sign, sources []keypad.Source, o *Options) (*Terminal, error) {
	opts := DefaultOptions
	if o != nil {
		opts = *o
	}
	d := DefaultOptions
	if opts.Window == "" {
		return nil, fmt.Errorf("%w: window is required", ErrConfig)
	}
	if opts.Device == "" {
		opts.Device = "window-" + opts.Window
	}
	for _, p := range []struct {
		v *time.Duration
		d time.Duration
	}{{&opts.Debounce, d.Debounce}, {&opts.Stale, d.Stale},
		{&opts.ActionTimeout, d.ActionTimeout}, {&opts.TransferWait, d.TransferWait}, {&opts.SignRetry, d.SignRetry},
		{&opts.StatusEvery, d.StatusEvery}, {&opts.ProbeEvery, d.ProbeEvery}, {&opts.AcceptFor, d.AcceptFor}} {
		if *p.v <= 0 {
			*p.v = p.d
		}
	}
	if opts.Texts.Idle == "" {
		opts.Texts.Idle = d.Texts.Idle
	}
	if opts.Texts.Paused == "" {
		opts.Texts.Paused = d.Texts.Paused
	}
	if opts.Texts.Empty == "" {
		opts.Texts.Empty = d.Texts.Empty
	}
	if opts.Texts.Offline == "" {
		opts.Texts.Offline = d.Texts.Offline
	}
	if opts.Blink == 0 {
		opts.Blink = d.Blink
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	t := &Terminal{ctl: ctl, sign: sign, sources: sources, o: opts, lg: opts.Logger.With("window", opts.Window),
		path: "/api/v1/windows/" + url.PathEscape(opts.Window) + "/", online: true, texts: opts.Texts,
		display: Display{Text: opts.Texts.Idle}}
	return t, nil
}

func (t *Terminal) String() string { return "windowterm(window " + t.o.Window + ")" }

// State returns a snapshot.
func (t *Terminal) State() State {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := State{Window: t.o.Window, Online: t.online, Paused: t.paused, Display: t.display, LastError: t.lastErr,
		SignOnline: t.sign == nil || t.sign.Online()}
	if t.current != nil {
		s.Current = t.current.Number
	}
	if t.armed != nil {
		s.Armed = t.armed.number
	}
	return s
}

// Run syncs with the controller, then handles key presses until ctx ends.
// It returns nil when ctx ends.
func (t *Terminal) Run(ctx context.Context) error {
	t.Sync(ctx)
	events := make(chan keypad.Event, 64)
	var wg sync.WaitGroup
	for _, s := range t.sources {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t.read(ctx, s, events)
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		t.maintain(ctx)
	}()
	if f, ok := t.ctl.(follower); ok && !t.o.NoFollow {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f.Follow(ctx, link.SinceNow, func(e hallproto.Event) { t.onEvent(ctx, e) })
		}()
	}
	defer wg.Wait()
	for {
		select {
		case <-ctx.Done():
			return nil
		case e := <-events:
			if err := t.Press(ctx, e); err != nil && !errors.Is(err, ErrIgnored) {
				t.lg.Info("key", "kind", e.Kind.String(), "err", err)
			}
		}
	}
}

// read forwards a source's events; a full queue drops the press rather
// than block (a stuck key must not stall the bus).
func (t *Terminal) read(ctx context.Context, s keypad.Source, out chan<- keypad.Event) {
	fails := 0
	for ctx.Err() == nil {
		e, err := s.Next(ctx)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, io.EOF) {
				return
			}
			fails++
			t.lg.Warn("keypad", "source", s.String(), "err", err)
			wait := min(time.Duration(fails)*200*time.Millisecond, 5*time.Second)
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
			continue
		}
		fails = 0
		select {
		case out <- e:
		default:
			t.lg.Warn("keypad queue full: press dropped", "kind", e.Kind.String())
		}
	}
}

// Sync reads the window's state, the hall's sign texts and the evaluation
// window from the controller and shows the state on the sign.
func (t *Terminal) Sync(ctx context.Context) {
	cctx, cancel := context.WithTimeout(ctx, t.o.ActionTimeout)
	defer cancel()
	var info hallproto.HallInfo
	if err := t.ctl.Do(cctx, http.MethodGet, "/api/v1/hall", nil, &info); err == nil {
		t.mu.Lock()
		if info.SignIdle != "" {
			t.texts.Idle = info.SignIdle
		}
		if info.SignPaused != "" {
			t.texts.Paused = info.SignPaused
		}
		if info.SignEmpty != "" {
			t.texts.Empty = info.SignEmpty
		}
		t.mu.Unlock()
	}
	var ec hallproto.EvaluationConfig
	if err := t.ctl.Do(cctx, http.MethodGet, "/api/v1/evaluations/config", nil, &ec); err == nil && ec.AcceptSeconds > 0 {
		t.mu.Lock()
		t.o.AcceptFor = time.Duration(ec.AcceptSeconds) * time.Second
		t.mu.Unlock()
	}
	var ws []hallproto.Window
	err := t.ctl.Do(cctx, http.MethodGet, "/api/v1/windows", nil, &ws)
	t.mu.Lock()
	if err != nil {
		t.noteErr(err)
	} else {
		t.online = true
		for _, w := range ws {
			if w.ID != t.o.Window {
				continue
			}
			t.paused = w.Status == hallproto.WindowPaused
			t.current = w.Current
			t.staff, t.windowName, t.order = w.Staff, w.Name, w.Services
		}
	}
	d := t.stateDisplay()
	resend := d != t.display || !t.shownOK || t.lastSent.IsZero()
	t.mu.Unlock()
	if resend {
		t.show(ctx, d)
	}
}

// stateDisplay is what the sign shows for the state; t.mu held.
func (t *Terminal) stateDisplay() Display {
	switch {
	case !t.online:
		return Display{Text: t.texts.Offline}
	case t.paused:
		return Display{Text: t.texts.Paused}
	case t.current != nil && (t.current.Status == hallproto.Called || t.current.Status == hallproto.Serving):
		return Display{Call: true, Text: t.current.Number}
	}
	return Display{Text: t.texts.Idle}
}

// show sends d to the sign and remembers it for retries.
func (t *Terminal) show(ctx context.Context, d Display) {
	t.mu.Lock()
	t.display, t.lastSent = d, t.o.Clock()
	t.mu.Unlock()
	if t.sign == nil {
		return
	}
	sctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	var err error
	if d.Call {
		err = t.sign.ShowCall(sctx, ledsign.Call{Ticket: d.Text, Window: t.o.Window, Blink: t.o.Blink})
	} else {
		err = t.sign.ShowText(sctx, ledsign.Text{Encoding: ledsign.UTF8, Text: d.Text})
	}
	t.mu.Lock()
	t.shownOK = err == nil
	t.mu.Unlock()
	if t.o.OnSign != nil {
		t.o.OnSign(d, err)
	}
	if err != nil {
		t.lg.Warn("sign", "display", d.String(), "err", err)
	}
}

// noteErr records a controller failure; t.mu held.
func (t *Terminal) noteErr(err error) {
	if errors.Is(err, link.ErrUnreachable) || errors.Is(err, context.DeadlineExceeded) {
		t.online = false
		t.lastErr = t.texts.Offline
		return
	}
	var ae *link.APIError
	if errors.As(err, &ae) {
		if ae.Status >= 500 {
			t.online = false
			t.lastErr = t.texts.Offline
			return
		}
		t.lastErr = ae.Message
	}
}

// busyCount counts actions in progress per busy file: the terminals of a
// shared bus run in one process and share the file.
var busyCount = struct {
	sync.Mutex
	n map[string]int
}{n: map[string]int{}}

// busy marks an action in progress for the firmware agent (no update
// reboot in the middle of it).
func (t *Terminal) busy(on bool) {
	path := t.o.BusyFile
	if path == "" {
		return
	}
	busyCount.Lock()
	defer busyCount.Unlock()
	if on {
		if busyCount.n[path]++; busyCount.n[path] == 1 {
			os.MkdirAll(filepath.Dir(path), 0o755)
			if f, err := os.Create(path); err == nil {
				f.Close()
			}
		}
		return
	}
	if busyCount.n[path]--; busyCount.n[path] <= 0 {
		delete(busyCount.n, path)
		os.Remove(path)
	}
}

// Press handles one key press. It returns nil when the action was done,
// ErrIgnored (wrapped) when the key meant nothing now, and otherwise the
// reason it was refused (ErrOffline, ErrRefused).
func (t *Terminal) Press(ctx context.Context, e keypad.Event) error {
	now := t.o.Clock()
	if e.Time.IsZero() {
		e.Time = now
	}
	if e.Window != "" && e.Window != t.o.Window {
		return fmt.Errorf("%w: a key of window %s", ErrIgnored, e.Window)
	}
	if now.Sub(e.Time) > t.o.Stale {
		return fmt.Errorf("%w: %s pressed %v ago", ErrIgnored, e.Kind, now.Sub(e.Time).Round(time.Millisecond))
	}
	t.mu.Lock()
	if e.Kind != keypad.KindDigit && e.Kind == t.lastKind && e.Time.Sub(t.lastAt) < t.o.Debounce && !e.Time.Before(t.lastAt) {
		t.mu.Unlock()
		return fmt.Errorf("%w: %s again after %v (chatter)", ErrIgnored, e.Kind, e.Time.Sub(t.lastAt).Round(time.Millisecond))
	}
	t.lastKind, t.lastAt = e.Kind, e.Time
	transfer := !t.transferTil.IsZero() && now.Before(t.transferTil)
	t.acting++
	t.mu.Unlock()
	defer func() {
		t.mu.Lock()
		t.acting--
		t.mu.Unlock()
	}()

	switch e.Kind {
	case keypad.KindDigit:
		return nil // collected by the keypad driver into the confirm's Number
	case keypad.KindRate:
		return t.rate(ctx, e.Rating)
	case keypad.KindTransfer:
		t.mu.Lock()
		t.transferTil = now.Add(t.o.TransferWait)
		t.mu.Unlock()
		return nil
	case keypad.KindConfirm:
		t.mu.Lock()
		t.transferTil = time.Time{}
		t.mu.Unlock()
		if transfer {
			if e.Number == "" {
				return fmt.Errorf("%w: transfer without a window number", ErrIgnored)
			}
			return t.act(ctx, hallproto.ActTransfer, hallproto.ActionRequest{ToWindow: trimZeros(e.Number)})
		}
		if e.Number != "" {
			return fmt.Errorf("%w: digits %s without transfer", ErrIgnored, e.Number)
		}
		return t.act(ctx, hallproto.ActStart, hallproto.ActionRequest{})
	case keypad.KindCallNext:
		if t.hasCurrent() {
			// The sign goes straight to the next call: showing the idle
			// text in between would cost a sign exchange (~50 ms at 9600
			// baud) before the call.
			if err := t.actQuiet(ctx, hallproto.ActFinish, hallproto.ActionRequest{Outcome: "done"}, true); err != nil {
				return err
			}
		}
		return t.act(ctx, hallproto.ActCall, hallproto.ActionRequest{})
	case keypad.KindRecall:
		return t.act(ctx, hallproto.ActRecall, hallproto.ActionRequest{})
	case keypad.KindNoShow:
		return t.act(ctx, hallproto.ActNoShow, hallproto.ActionRequest{})
	case keypad.KindPause:
		t.mu.Lock()
		paused := t.paused
		t.mu.Unlock()
		if paused {
			return t.act(ctx, hallproto.ActResume, hallproto.ActionRequest{})
		}
		return t.act(ctx, hallproto.ActPause, hallproto.ActionRequest{})
	case keypad.KindResume:
		return t.act(ctx, hallproto.ActResume, hallproto.ActionRequest{})
	case keypad.KindFinish, keypad.KindAskRating:
		if !t.hasCurrent() {
			if e.Kind == keypad.KindAskRating && t.rearm(now) {
				return nil
			}
			return fmt.Errorf("%w: %s with no current ticket", ErrIgnored, e.Kind)
		}
		return t.act(ctx, hallproto.ActFinish, hallproto.ActionRequest{Outcome: "done"})
	}
	return fmt.Errorf("%w: kind %s", ErrIgnored, e.Kind)
}

func trimZeros(s string) string {
	for len(s) > 1 && s[0] == '0' {
		s = s[1:]
	}
	return s
}

func (t *Terminal) hasCurrent() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.current != nil && (t.current.Status == hallproto.Called || t.current.Status == hallproto.Serving)
}

// rearm extends the evaluator's window for the last finished service, when
// staff ask again for a rating.
func (t *Terminal) rearm(now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.armed == nil || now.After(t.armed.until) {
		return false
	}
	return true
}

// act sends one window action and updates the state and the sign.
func (t *Terminal) act(ctx context.Context, a hallproto.WindowAction, req hallproto.ActionRequest) error {
	return t.actQuiet(ctx, a, req, false)
}

// actQuiet is act; quiet leaves the sign alone after a success (another
// action follows at once).
func (t *Terminal) actQuiet(ctx context.Context, a hallproto.WindowAction, req hallproto.ActionRequest, quiet bool) error {
	t.busy(true)
	defer t.busy(false)
	req.RequestID = link.NewRequestID()
	cctx, cancel := context.WithTimeout(ctx, t.o.ActionTimeout)
	defer cancel()
	var err error
	var tk hallproto.Ticket
	var w hallproto.Window
	switch a {
	case hallproto.ActPause, hallproto.ActResume:
		err = t.ctl.Do(cctx, http.MethodPost, t.path+string(a), &req, &w)
	default:
		err = t.ctl.Do(cctx, http.MethodPost, t.path+string(a), &req, &tk)
	}
	now := t.o.Clock()
	t.mu.Lock()
	wasOnline := t.online
	if err != nil {
		t.noteErr(err)
		var ae *link.APIError
		isAPI := errors.As(err, &ae) && ae.Status < 500
		if isAPI {
			// The controller's view wins: resync state it disagrees with.
			switch ae.Code {
			case "window_paused":
				t.paused = true
			case "window_not_paused":
				t.paused = false
			case "no_current_ticket":
				t.current = nil
			}
		}
		d := t.stateDisplay()
		changed := d != t.display || wasOnline != t.online
		t.mu.Unlock()
		if changed {
			t.show(ctx, d)
		}
		if isAPI {
			return fmt.Errorf("%w: %s %s: %s", ErrRefused, a, ae.Code, ae.Message)
		}
		return fmt.Errorf("%w: %s: %w", ErrOffline, a, err)
	}
	t.online, t.lastErr = true, ""
	var d Display
	switch a {
	case hallproto.ActCall:
		if tk.ID == 0 { // 204: nobody waiting
			t.current = nil
			d = Display{Text: t.texts.Empty}
		} else {
			t.current = &tk
			d = Display{Call: true, Text: tk.Number}
		}
	case hallproto.ActRecall, hallproto.ActStart:
		t.current = &tk
		d = Display{Call: true, Text: tk.Number}
	case hallproto.ActFinish:
		t.current = nil
		t.armed = &armed{ticket: tk.ID, number: tk.Number, caseNo: tk.CaseNumber, until: now.Add(t.o.AcceptFor)}
		d = Display{Text: t.texts.Idle}
	case hallproto.ActNoShow, hallproto.ActTransfer:
		t.current = nil
		d = Display{Text: t.texts.Idle}
	case hallproto.ActPause:
		t.paused = true
		d = Display{Text: t.texts.Paused}
	case hallproto.ActResume:
		t.paused = false
		t.current = w.Current
		d = t.stateDisplay()
	default: // confirm, revoke: the current ticket with its new channel
		if tk.ID != 0 && t.current != nil && t.current.ID == tk.ID {
			t.current = &tk
		}
		d = t.stateDisplay()
	}
	same := d == t.display && a != hallproto.ActRecall && a != hallproto.ActCall
	t.mu.Unlock()
	if quiet {
		return nil
	}
	if !same || !wasOnline {
		t.show(ctx, d)
	}
	return nil
}

// rate sends the citizen's rating for the armed service.
func (t *Terminal) rate(ctx context.Context, r keypad.Rating) error {
	now := t.o.Clock()
	t.mu.Lock()
	a := t.armed
	if a != nil && now.After(a.until) {
		t.armed, a = nil, nil
	}
	t.mu.Unlock()
	if a == nil {
		return fmt.Errorf("%w: rating %d with nothing served", ErrIgnored, r)
	}
	if !r.Valid() {
		return fmt.Errorf("%w: rating %d", ErrIgnored, r)
	}
	req := hallproto.EvaluationRequest{RequestID: link.NewRequestID(), Ticket: a.ticket, Window: t.o.Window,
		Rating: int(r), CaseNumber: a.caseNo}
	if r.Bad() {
		req.Reason = hallproto.ReasonPending
	}
	t.busy(true)
	defer t.busy(false)
	cctx, cancel := context.WithTimeout(ctx, t.o.ActionTimeout)
	defer cancel()
	var ev hallproto.Evaluation
	err := t.ctl.Do(cctx, http.MethodPost, "/api/v1/evaluations", &req, &ev)
	t.mu.Lock()
	defer t.mu.Unlock()
	if err != nil {
		t.noteErr(err)
		var ae *link.APIError
		if errors.As(err, &ae) && ae.Status < 500 {
			// Rated already, too late, or not this window's: the evaluator
			// is done with this service either way.
			t.armed = nil
			return fmt.Errorf("%w: rating: %s: %s", ErrRefused, ae.Code, ae.Message)
		}
		return fmt.Errorf("%w: rating: %w", ErrOffline, err)
	}
	t.online, t.armed = true, nil
	return nil
}

// maintain re-sends an unanswered display, refreshes the current call,
// probes an unreachable controller and reports the device status.
func (t *Terminal) maintain(ctx context.Context) {
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	var lastProbe time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		now := t.o.Clock()
		t.mu.Lock()
		online, shownOK, lastSent, d := t.online, t.shownOK, t.lastSent, t.display
		t.mu.Unlock()
		if !online && now.Sub(lastProbe) >= t.o.ProbeEvery {
			lastProbe = now
			t.Sync(ctx)
			continue
		}
		if t.sign != nil {
			if !shownOK || !t.sign.Online() {
				if now.Sub(lastSent) >= t.o.SignRetry {
					t.show(ctx, d)
				}
			} else if dev, ok := t.sign.(interface {
				Refresh(context.Context) (bool, error)
			}); ok {
				rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
				dev.Refresh(rctx)
				cancel()
			}
		}
		t.report(ctx, now)
	}
}

// report posts the device status when it changed or every StatusEvery.
func (t *Terminal) report(ctx context.Context, now time.Time) {
	st := hallproto.DeviceStatus{Device: t.o.Device, Role: hallproto.RoleWindow, Window: t.o.Window,
		State: hallproto.DeviceOK, Version: t.o.Version, At: now}
	if t.sign != nil && !t.sign.Online() {
		st.State, st.Problems = hallproto.DeviceDegraded, []string{hallproto.ProblemSignOffline}
	}
	key := string(st.State)
	t.mu.Lock()
	online := t.online
	due := key != t.reported || now.Sub(t.reportedAt) >= t.o.StatusEvery
	t.mu.Unlock()
	if !online || !due {
		return
	}
	cctx, cancel := context.WithTimeout(ctx, t.o.ActionTimeout)
	defer cancel()
	err := t.ctl.Do(cctx, http.MethodPost, "/api/v1/devices/status", &st, nil)
	t.mu.Lock()
	defer t.mu.Unlock()
	// A controller without the status endpoint (404) is not retried each
	// tick; the next report is due after StatusEvery.
	t.reported, t.reportedAt = key, now
	if err != nil {
		t.lg.Debug("device status", "err", err)
		var ae *link.APIError
		if !errors.As(err, &ae) {
			t.reported = "" // unreachable: report again once back
		}
	} else if st.State != hallproto.DeviceOK {
		t.lg.Warn("device status reported", "state", st.State, "problems", st.Problems)
	}
}

// follower is the event stream of *link.Client.
type follower interface {
	Follow(ctx context.Context, since uint64, fn func(hallproto.Event)) error
}

// onEvent applies a change made elsewhere (or the echo of the terminal's
// own action, which changes nothing) and updates the sign when what it
// should show changed.
func (t *Terminal) onEvent(ctx context.Context, e hallproto.Event) {
	if e.Type == hallproto.EvConfigChanged {
		t.Sync(ctx) // new sign texts
		return
	}
	now := t.o.Clock()
	t.mu.Lock()
	if e.Type == hallproto.EvDayRolled {
		t.current, t.armed = nil, nil
	}
	if e.Window != t.o.Window {
		t.mu.Unlock()
		return
	}
	cur := t.current
	isCurrent := e.Ticket != nil && cur != nil && cur.ID == e.Ticket.ID
	switch e.Type {
	case hallproto.EvCalled, hallproto.EvRecalled, hallproto.EvTakenBack:
		if e.Ticket != nil && !isCurrent {
			t.current = &hallproto.Ticket{ID: e.Ticket.ID, Number: e.Ticket.Number, Service: e.Ticket.Service,
				Status: hallproto.Called, Window: e.Window, Staff: e.Staff}
		}
	case hallproto.EvStarted:
		if e.Ticket != nil && !isCurrent {
			t.current = &hallproto.Ticket{ID: e.Ticket.ID, Number: e.Ticket.Number, Service: e.Ticket.Service,
				Window: e.Window, Staff: e.Staff}
		}
		if t.current != nil {
			c := *t.current
			c.Status = hallproto.Serving
			t.current = &c
		}
	case hallproto.EvFinished:
		if isCurrent {
			t.current = nil
		}
		if e.Ticket != nil && (t.armed == nil || t.armed.ticket != e.Ticket.ID) {
			t.armed = &armed{ticket: e.Ticket.ID, number: e.Ticket.Number, caseNo: e.CaseNumber, until: now.Add(t.o.AcceptFor)}
		}
	case hallproto.EvNoShow, hallproto.EvTransferred, hallproto.EvCancelled, hallproto.EvParked:
		if isCurrent {
			t.current = nil
		}
	case hallproto.EvWindowPaused:
		t.paused = true
	case hallproto.EvWindowResumed:
		t.paused = false
	case hallproto.EvStaffLoggedOut:
		t.current, t.paused, t.staff = nil, false, ""
	case hallproto.EvStaffLoggedIn, hallproto.EvStaffHandedOver:
		t.staff = e.Staff
	default:
		t.mu.Unlock()
		return
	}
	d := t.stateDisplay()
	changed := d != t.display && t.acting == 0
	t.mu.Unlock()
	if changed {
		t.show(ctx, d)
	}
}
