package windowterm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"hallq/controller/hallproto"
	"hallq/drivers/keypad"
	"hallq/drivers/ledsign"
	"hallq/kiosk/internal/link"
)

// fakeCtl is a controller with a queue of numbers for one window.
type fakeCtl struct {
	mu       sync.Mutex
	offline  bool
	waiting  []string
	nextID   uint64
	current  *hallproto.Ticket
	paused   bool
	requests []string // "POST /api/v1/windows/3/call"
	bodies   []json.RawMessage
	statuses []hallproto.DeviceStatus
	refuse   map[string]*link.APIError // by action path suffix
	busySeen bool
	busyFile string
}

func (f *fakeCtl) Do(ctx context.Context, method, path string, in, out any) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.busyFile != "" {
		if _, err := os.Stat(f.busyFile); err == nil {
			f.busySeen = true
		}
	}
	if f.offline {
		return fmt.Errorf("%w: %s %s: connection refused", link.ErrUnreachable, method, path)
	}
	b, _ := json.Marshal(in)
	if method == "POST" {
		f.requests = append(f.requests, method+" "+path)
		f.bodies = append(f.bodies, b)
	}
	set := func(v any) {
		if out != nil {
			b, _ := json.Marshal(v)
			json.Unmarshal(b, out)
		}
	}
	for suffix, e := range f.refuse {
		if strings.HasSuffix(path, suffix) {
			return e
		}
	}
	switch {
	case path == "/api/v1/windows":
		set([]hallproto.Window{{ID: "3", Status: hallproto.WindowIdle, Current: f.current}})
	case path == "/api/v1/hall":
		set(hallproto.HallInfo{SignIdle: "欢迎光临!", SignPaused: "暂停服务", SignEmpty: "无人等候"})
	case path == "/api/v1/evaluations/config":
		set(hallproto.EvaluationConfig{AcceptSeconds: 300})
	case path == "/api/v1/devices/status":
		var st hallproto.DeviceStatus
		json.Unmarshal(b, &st)
		f.statuses = append(f.statuses, st)
	case path == "/api/v1/evaluations":
		var q hallproto.EvaluationRequest
		json.Unmarshal(b, &q)
		set(hallproto.Evaluation{ID: 1, Ticket: q.Ticket, Rating: q.Rating})
	case strings.HasSuffix(path, "/call"):
		if f.current != nil {
			return &link.APIError{Status: 409, Code: "window_busy", Message: "窗口正在办理"}
		}
		if len(f.waiting) == 0 {
			return nil // 204
		}
		f.nextID++
		f.current = &hallproto.Ticket{ID: f.nextID, Number: f.waiting[0], Status: hallproto.Called, Window: "3"}
		f.waiting = f.waiting[1:]
		set(f.current)
	case strings.HasSuffix(path, "/recall"), strings.HasSuffix(path, "/start"):
		if f.current == nil {
			return &link.APIError{Status: 409, Code: "no_current_ticket", Message: "当前没有号票"}
		}
		set(f.current)
	case strings.HasSuffix(path, "/finish"), strings.HasSuffix(path, "/no-show"), strings.HasSuffix(path, "/transfer"):
		if f.current == nil {
			return &link.APIError{Status: 409, Code: "no_current_ticket", Message: "当前没有号票"}
		}
		t := *f.current
		t.Status = hallproto.Done
		f.current = nil
		set(t)
	case strings.HasSuffix(path, "/pause"):
		f.paused = true
		set(hallproto.Window{ID: "3", Status: hallproto.WindowPaused})
	case strings.HasSuffix(path, "/resume"):
		f.paused = false
		set(hallproto.Window{ID: "3", Status: hallproto.WindowIdle, Current: f.current})
	default:
		return &link.APIError{Status: 404, Code: "not_found"}
	}
	return nil
}

func (f *fakeCtl) posts() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, r := range f.requests {
		if strings.Contains(r, "/windows/") || strings.HasSuffix(r, "/evaluations") {
			out = append(out, r[strings.LastIndex(r, "/")+1:])
		}
	}
	return out
}

// fakeSign records what it was asked to show.
type fakeSign struct {
	mu      sync.Mutex
	offline bool
	shown   []string
}

func (s *fakeSign) record(v string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.offline {
		return ledsign.ErrNoReply
	}
	s.shown = append(s.shown, v)
	return nil
}
func (s *fakeSign) ShowCall(_ context.Context, c ledsign.Call) error {
	r, _ := c.Render()
	return s.record(r)
}
func (s *fakeSign) ShowText(_ context.Context, t ledsign.Text) error { return s.record(t.Text) }
func (s *fakeSign) SetIdle(_ context.Context, t ledsign.Text) error  { return nil }
func (s *fakeSign) Clear(context.Context, uint8) error               { return nil }
func (s *fakeSign) SetBrightness(context.Context, uint8) error       { return nil }
func (s *fakeSign) Online() bool                                     { s.mu.Lock(); defer s.mu.Unlock(); return !s.offline }
func (s *fakeSign) String() string                                   { return "fake sign" }
func (s *fakeSign) Halt() error                                      { return nil }
func (s *fakeSign) last() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.shown) == 0 {
		return ""
	}
	return s.shown[len(s.shown)-1]
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type rig struct {
	term  *Terminal
	ctl   *fakeCtl
	sign  *fakeSign
	clock *clock
}

func newRig(t *testing.T, waiting ...string) *rig {
	t.Helper()
	c := &clock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	ctl := &fakeCtl{waiting: waiting, busyFile: filepath.Join(t.TempDir(), "busy")}
	sign := &fakeSign{}
	term, err := New(ctl, sign, nil, &Options{Window: "3", Clock: c.now, BusyFile: ctl.busyFile})
	if err != nil {
		t.Fatal(err)
	}
	term.Sync(context.Background())
	return &rig{term: term, ctl: ctl, sign: sign, clock: c}
}

// press presses a key now and lets a little time pass, as a person does.
func (r *rig) press(k keypad.Kind) error {
	err := r.term.Press(context.Background(), keypad.Event{Time: r.clock.now(), Kind: k, Window: "3", Digit: -1})
	r.clock.add(1500 * time.Millisecond)
	return err
}

func TestKeysDriveTheSign(t *testing.T) {
	r := newRig(t, "A023", "A024")
	if got := r.sign.last(); got != "欢迎光临!" {
		t.Fatalf("idle text from GET /api/v1/hall: %q", got)
	}
	steps := []struct {
		kind  keypad.Kind
		sign  string
		posts []string
		err   error
	}{
		{keypad.KindCallNext, "请A023号到3号窗口", []string{"call"}, nil},
		{keypad.KindRecall, "请A023号到3号窗口", []string{"call", "recall"}, nil},
		{keypad.KindConfirm, "请A023号到3号窗口", []string{"call", "recall", "start"}, nil},
		// call-next while serving: finish (arming the evaluator), then call.
		{keypad.KindCallNext, "请A024号到3号窗口", []string{"call", "recall", "start", "finish", "call"}, nil},
		{keypad.KindNoShow, "欢迎光临!", []string{"call", "recall", "start", "finish", "call", "no-show"}, nil},
		{keypad.KindCallNext, "无人等候", []string{"call", "recall", "start", "finish", "call", "no-show", "call"}, nil},
		{keypad.KindPause, "暂停服务", []string{"call", "recall", "start", "finish", "call", "no-show", "call", "pause"}, nil},
		{keypad.KindPause, "欢迎光临!", []string{"call", "recall", "start", "finish", "call", "no-show", "call", "pause", "resume"}, nil},
	}
	for i, s := range steps {
		err := r.press(s.kind)
		if !errors.Is(err, s.err) {
			t.Fatalf("step %d %s: %v", i, s.kind, err)
		}
		if got := r.sign.last(); got != s.sign {
			t.Fatalf("step %d %s: sign %q, want %q", i, s.kind, got, s.sign)
		}
		if got := strings.Join(r.ctl.posts(), ","); got != strings.Join(s.posts, ",") {
			t.Fatalf("step %d %s: posts %s, want %s", i, s.kind, got, strings.Join(s.posts, ","))
		}
	}
	if !r.ctl.busySeen {
		t.Fatal("the busy file was never there during an action")
	}
	if _, err := os.Stat(r.ctl.busyFile); !os.IsNotExist(err) {
		t.Fatal("the busy file outlived the action")
	}
	// Every request had its own request id.
	ids := map[string]bool{}
	for _, b := range r.ctl.bodies {
		var v struct {
			RequestID string `json:"request_id"`
		}
		json.Unmarshal(b, &v)
		if v.RequestID == "" || ids[v.RequestID] {
			t.Fatalf("request id missing or reused: %s", b)
		}
		ids[v.RequestID] = true
	}
}

func TestChatterCallsOnce(t *testing.T) {
	r := newRig(t, "A023", "A024")
	at := r.clock.now()
	for i := range 5 { // five frames within 400 ms: one press
		err := r.term.Press(context.Background(), keypad.Event{Time: at.Add(time.Duration(i) * 100 * time.Millisecond), Kind: keypad.KindCallNext, Digit: -1})
		if i > 0 && !errors.Is(err, ErrIgnored) {
			t.Fatalf("frame %d: %v", i, err)
		}
	}
	if got := r.ctl.posts(); len(got) != 1 {
		t.Fatalf("chatter sent %v", got)
	}
}

func TestRatingFlow(t *testing.T) {
	r := newRig(t, "A023")
	rate := func(n keypad.Rating) error {
		err := r.term.Press(context.Background(), keypad.Event{Time: r.clock.now(), Kind: keypad.KindRate, Rating: n, Digit: -1})
		r.clock.add(1500 * time.Millisecond)
		return err
	}
	if err := rate(5); !errors.Is(err, ErrIgnored) {
		t.Fatalf("rating with nothing served: %v", err)
	}
	r.press(keypad.KindCallNext)
	if err := rate(4); !errors.Is(err, ErrIgnored) {
		t.Fatalf("rating while still serving: %v", err)
	}
	if err := r.press(keypad.KindAskRating); err != nil {
		t.Fatal(err)
	}
	if st := r.term.State(); st.Armed != "A023" || st.Current != "" {
		t.Fatalf("state after ask-rating: %+v", st)
	}
	if err := rate(2); err != nil {
		t.Fatal(err)
	}
	if err := rate(1); !errors.Is(err, ErrIgnored) {
		t.Fatalf("a second rating was sent: %v", err)
	}
	var q hallproto.EvaluationRequest
	json.Unmarshal(r.ctl.bodies[len(r.ctl.bodies)-1], &q)
	if q.Rating != 2 || q.Reason != hallproto.ReasonPending || q.Ticket != 1 || q.Window != "3" {
		t.Fatalf("evaluation request %+v", q)
	}
	// Armed, then too late: the evaluator is disarmed after accept_seconds.
	r.ctl.waiting = []string{"A025"}
	r.press(keypad.KindCallNext)
	r.press(keypad.KindFinish)
	r.clock.add(301 * time.Second)
	if err := rate(5); !errors.Is(err, ErrIgnored) {
		t.Fatalf("late rating: %v", err)
	}
}

func TestOfflineRefusesAndNeverReplays(t *testing.T) {
	r := newRig(t, "A023", "A024", "A025")
	r.ctl.mu.Lock()
	r.ctl.offline = true
	r.ctl.mu.Unlock()
	for range 3 {
		if err := r.press(keypad.KindCallNext); !errors.Is(err, ErrOffline) {
			t.Fatalf("offline press: %v", err)
		}
	}
	if got := r.sign.last(); got != "离线" {
		t.Fatalf("sign %q, want 离线", got)
	}
	if st := r.term.State(); st.Online || st.LastError != "离线" {
		t.Fatalf("state %+v", st)
	}
	// Presses queued while the controller hung are stale by their turn.
	old := r.clock.now().Add(-3 * time.Second)
	if err := r.term.Press(context.Background(), keypad.Event{Time: old, Kind: keypad.KindRecall, Digit: -1}); !errors.Is(err, ErrIgnored) {
		t.Fatalf("stale press: %v", err)
	}
	r.ctl.mu.Lock()
	r.ctl.offline = false
	r.ctl.mu.Unlock()
	r.term.Sync(context.Background()) // what the prober does
	if got := r.sign.last(); got != "欢迎光临!" {
		t.Fatalf("sign after reconnect %q", got)
	}
	if got := r.ctl.posts(); len(got) != 0 {
		t.Fatalf("refused presses were replayed: %v", got)
	}
	if err := r.press(keypad.KindCallNext); err != nil {
		t.Fatal(err)
	}
	if got := r.ctl.posts(); len(got) != 1 || r.sign.last() != "请A023号到3号窗口" {
		t.Fatalf("after reconnect: %v %q", got, r.sign.last())
	}
}

func TestTransferWithDigits(t *testing.T) {
	r := newRig(t, "A023")
	r.press(keypad.KindCallNext)
	r.press(keypad.KindTransfer)
	if err := r.term.Press(context.Background(), keypad.Event{Time: r.clock.now(), Kind: keypad.KindConfirm, Number: "08", Digit: -1}); err != nil {
		t.Fatal(err)
	}
	var q hallproto.ActionRequest
	json.Unmarshal(r.ctl.bodies[len(r.ctl.bodies)-1], &q)
	if got := r.ctl.posts(); got[len(got)-1] != "transfer" || q.ToWindow != "8" {
		t.Fatalf("transfer: %v %+v", got, q)
	}
	if r.sign.last() != "欢迎光临!" {
		t.Fatalf("sign after transfer %q", r.sign.last())
	}
}

func TestRefusalKeepsState(t *testing.T) {
	r := newRig(t, "A023")
	r.ctl.refuse = map[string]*link.APIError{"/call": {Status: 409, Code: "window_paused", Message: "窗口已暂停服务"}}
	err := r.press(keypad.KindCallNext)
	if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "窗口已暂停服务") {
		t.Fatalf("refusal: %v", err)
	}
	if st := r.term.State(); !st.Paused || !st.Online || st.LastError != "窗口已暂停服务" || r.sign.last() != "暂停服务" {
		t.Fatalf("state after window_paused: %+v sign %q", st, r.sign.last())
	}
}

func TestSignOfflineIsReportedAndRetried(t *testing.T) {
	c := &clock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	ctl := &fakeCtl{waiting: []string{"A023"}}
	sign := &fakeSign{offline: true}
	term, err := New(ctl, sign, nil, &Options{Window: "3", SignRetry: 50 * time.Millisecond, StatusEvery: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	_ = c
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- term.Run(ctx) }()
	waitFor(t, func() bool {
		ctl.mu.Lock()
		defer ctl.mu.Unlock()
		return len(ctl.statuses) > 0
	})
	ctl.mu.Lock()
	st := ctl.statuses[0]
	ctl.mu.Unlock()
	if st.State != hallproto.DeviceDegraded || len(st.Problems) != 1 || st.Problems[0] != hallproto.ProblemSignOffline || st.Role != hallproto.RoleWindow {
		t.Fatalf("status %+v", st)
	}
	if err := term.Press(ctx, keypad.Event{Kind: keypad.KindCallNext, Digit: -1}); err != nil {
		t.Fatalf("a key with the sign offline still acts: %v", err)
	}
	sign.mu.Lock()
	sign.offline = false
	sign.mu.Unlock()
	waitFor(t, func() bool { return sign.last() == "请A023号到3号窗口" })
	waitFor(t, func() bool {
		ctl.mu.Lock()
		defer ctl.mu.Unlock()
		return ctl.statuses[len(ctl.statuses)-1].State == hallproto.DeviceOK
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(4 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 4 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestConfig(t *testing.T) {
	good := `controller: http://127.0.0.1:8080
token: window-3-token-0123456789
window: "3"
input: {kind: rs485, port: /dev/ttyS1, caller_addr: 3, evaluator_addr: 103}
sign: {port: /dev/ttyS2, addr: 3}
`
	if _, err := ParseConfig([]byte(good)); err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct{ from, to, want string }{
		"unknown key":  {"window:", "windw:", "windw"},
		"no window":    {`window: "3"`, `window: ""`, "window is required"},
		"bad kind":     {"kind: rs485", "kind: usb", "input.kind"},
		"no caller":    {"caller_addr: 3,", "", "caller_addr"},
		"sign addr":    {"addr: 3}", "addr: 0}", "sign.addr"},
		"no token":     {"token: window-3-token-0123456789", "", "token"},
		"gpio kind":    {"{kind: rs485, port: /dev/ttyS1, caller_addr: 3, evaluator_addr: 103}", "{kind: gpio, gpio: {GPIO17: call-nxt}}", "call-nxt"},
		"evdev keymap": {"{kind: rs485, port: /dev/ttyS1, caller_addr: 3, evaluator_addr: 103}", "{kind: evdev, evdev: /dev/input/event0, evdev_keys: {KEY_NOPE: call-next}}", "evdev_keys"},
		"both forms":   {"sign: {port: /dev/ttyS2, addr: 3}", "sign: {port: /dev/ttyS2, addr: 3}\nwindows: [{window: \"4\", caller_addr: 4}]", "not both"},
		"shared addr": {`window: "3"
input: {kind: rs485, port: /dev/ttyS1, caller_addr: 3, evaluator_addr: 103}
sign: {port: /dev/ttyS2, addr: 3}`, `input: {kind: rs485, port: /dev/ttyS1}
windows: [{window: "3", caller_addr: 3}, {window: "4", caller_addr: 3}]`, "bus address 3"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := ParseConfig([]byte(strings.Replace(good, c.from, c.to, 1)))
			if err == nil || !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an ErrConfig naming %q", err, c.want)
			}
		})
	}
}

func TestMainChecksTheExample(t *testing.T) {
	var out strings.Builder
	if err := Main(context.Background(), []string{"-config", "../../cmd/window/window.example.yaml", "-check"}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "ok (window 3, input rs485)") {
		t.Fatalf("output %q", out.String())
	}
	if err := Main(context.Background(), []string{"-config", "/nonexistent.yaml"}, &out); err == nil {
		t.Fatal("missing config accepted")
	}
}

func FuzzParseConfig(f *testing.F) {
	b, err := os.ReadFile("../../cmd/window/window.example.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte("controller: http://x\ntoken: t\ninput: {kind: rs485, port: p}\nwindows: [{window: \"1\", caller_addr: 1}]\n"))
	f.Add([]byte("windows: [{}]"))
	f.Add([]byte("input: {kind: gpio, gpio: {GPIO17: call-next}}"))
	f.Add([]byte("{"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseConfig(b)
		if err != nil {
			if !errors.Is(err, ErrConfig) {
				t.Fatalf("error without ErrConfig: %v", err)
			}
			return
		}
		if len(c.entries()) == 0 || c.entries()[0].Window == "" {
			t.Fatalf("accepted a configuration without a window: %+v", c)
		}
	})
}
