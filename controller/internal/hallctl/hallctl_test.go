package hallctl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"hallq/controller/server"
)

const devToken = "hallctl-test-token-0123456789"

type controller struct {
	addr string
	dir  string
	ctl  *server.Controller
	once sync.Once
}

// start runs a real controller on a loopback port with the demo hall.
func start(t *testing.T) *controller {
	t.Helper()
	c := &controller{dir: t.TempDir()}
	var ready string
	ctl, err := server.Start(server.Config{Listen: "127.0.0.1:0", DataDir: c.dir, DevToken: devToken,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Ready: func(a string) { ready = a }})
	if err != nil {
		t.Fatal(err)
	}
	if ready == "" {
		t.Fatal("server.Start did not call Ready")
	}
	c.ctl, c.addr = ctl, "http://"+ready
	t.Cleanup(c.stop)
	return c
}

func (c *controller) stop() {
	c.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c.ctl.Shutdown(ctx)
	})
}

// hallctl runs one command line against addr with the dev token.
func hallctl(t *testing.T, addr string, args ...string) (string, string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var out, errb bytes.Buffer
	env := map[string]string{"HALLQ_ADDR": addr, "HALLQ_TOKEN": devToken}
	err := run(ctx, args, &out, &errb, func(k string) string { return env[k] })
	return out.String(), errb.String(), err
}

// must runs a command that has to succeed and returns its output.
func must(t *testing.T, addr string, args ...string) string {
	t.Helper()
	out, errs, err := hallctl(t, addr, args...)
	if err != nil {
		t.Fatalf("hallctl %s: %v\nstderr: %s", strings.Join(args, " "), err, errs)
	}
	return out
}

func contains(t *testing.T, what, out string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("%s: output lacks %q:\n%s", what, w, out)
		}
	}
}

var idRE = regexp.MustCompile(`id (\d+)`)

func TestOperatorFlow(t *testing.T) {
	c := start(t)
	out := must(t, c.addr, "issue", "social")
	contains(t, "issue", out, "A001", "社保医保", "普通/normal", "前面还有 0 人")
	m := idRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("issue printed no id: %s", out)
	}
	id := m[1]
	// Flags after the service, as operators type them.
	out = must(t, c.addr, "issue", "household", "-channel", "love", "-category", "pregnant")
	contains(t, "issue love", out, "B001", "户籍证件", "爱心通道/love")

	out = must(t, c.addr, "login", "1", "S001")
	contains(t, "login", out, "窗口 1 login", "空闲/idle", "staff S001")
	out = must(t, c.addr, "call", "1")
	contains(t, "call", out, "A001", "已呼叫/called", "第 1 次呼叫")
	out = must(t, c.addr, "act", "1", "start")
	contains(t, "start", out, "A001", "办理中/serving")
	out = must(t, c.addr, "act", "1", "finish", "-outcome", "done", "-case", "SB-0001")
	contains(t, "finish", out, "A001", "已办结/done")
	out = must(t, c.addr, "ticket", id)
	contains(t, "ticket", out, "A001", "已办结/done", "SB-0001", "S001")
	out = must(t, c.addr, "call", "1")
	contains(t, "empty call", out, "无人等候")
	out = must(t, c.addr, "windows")
	contains(t, "windows", out, "1号窗口", "空闲/idle", "S001", "8号综合窗口", "未登录/closed")

	// A wrong state is refused with both messages and changes nothing.
	_, _, err := hallctl(t, c.addr, "act", "1", "finish")
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != 409 || ae.Code != "no_current_ticket" {
		t.Fatalf("finish without a ticket: %v, want 409 no_current_ticket", err)
	}
	contains(t, "error text", err.Error(), "当前没有呼叫中的号", "the window has no current ticket")
}

// TestEveryAction runs each window action once through hallctl act against
// a real controller, in an order the state machine allows.
func TestEveryAction(t *testing.T) {
	c := start(t)
	must(t, c.addr, "issue", "social")                          // id 1, A001
	must(t, c.addr, "issue", "social", "-category", "pregnant") // id 2, A002, love
	must(t, c.addr, "issue", "social")                          // id 3, A003
	steps := []struct {
		args []string
		want []string
	}{
		{[]string{"login", "1", "S001"}, []string{"空闲/idle", "S001"}},
		{[]string{"act", "1", "call", "-ticket", "1"}, []string{"A001", "已呼叫/called"}},
		{[]string{"act", "1", "recall"}, []string{"A001", "第 2 次呼叫"}},
		{[]string{"act", "1", "no-show"}, []string{"A001", "过号/no_show"}},
		{[]string{"act", "1", "requeue", "-ticket", "1", "-behind", "0"}, []string{"A001", "等候中/waiting"}},
		{[]string{"act", "1", "confirm", "-ticket", "2"}, []string{"A002", "爱心通道/love"}},
		{[]string{"ticket", "2"}, []string{"已核验 verified"}},
		{[]string{"act", "1", "revoke", "-ticket", "2", "-reason", "证件不符"}, []string{"A002", "普通/normal"}},
		{[]string{"act", "1", "grant-green", "-ticket", "3", "-reason", "特事特办"}, []string{"A003", "绿色通道/green"}},
		{[]string{"call", "1"}, []string{"A003", "已呼叫/called"}}, // green goes first
		{[]string{"act", "1", "start"}, []string{"A003", "办理中/serving"}},
		{[]string{"act", "1", "park"}, []string{"A003", "挂起/parked"}},
		{[]string{"act", "1", "hand-over", "-staff", "S002"}, []string{"staff S002"}},
		{[]string{"act", "1", "take-back"}, []string{"A003"}},
		{[]string{"act", "1", "transfer", "-to-window", "8"}, []string{"A003", "等候中/waiting", "new ticket id"}},
		{[]string{"act", "1", "pause", "-reason", "午休"}, []string{"暂停/paused（午休）"}},
		{[]string{"act", "1", "resume"}, []string{"空闲/idle"}},
		{[]string{"act", "1", "cancel", "-ticket", "1", "-reason", "群众放弃"}, []string{"A001", "已作废/cancelled"}},
		{[]string{"act", "1", "logout"}, []string{"未登录/closed"}},
	}
	for _, st := range steps {
		out := must(t, c.addr, st.args...)
		contains(t, strings.Join(st.args, " "), out, st.want...)
	}
	// -json prints the wire type.
	out := must(t, c.addr, "ticket", "2", "-json")
	contains(t, "ticket -json", out, `"number": "A002"`, `"channel": "normal"`)
}

func TestQueuesTable(t *testing.T) {
	c := start(t)
	for _, a := range [][]string{{"social"}, {"social"}, {"property"}, {"household", "-category", "disabled"}} {
		must(t, c.addr, append([]string{"issue"}, a...)...)
	}
	out := must(t, c.addr, "queues")
	contains(t, "queues", out, "社保医保", "不动产登记", "户籍证件", "业务", "合计")
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if !strings.HasPrefix(l, "at ") {
			lines = append(lines, l)
		}
	}
	if len(lines) != 2+5+1 {
		t.Fatalf("want 2 header lines, 5 services and a sum, got %d:\n%s", len(lines), out)
	}
	// The numbers are right-aligned: every line has the same display width
	// although the Chinese names have different byte lengths.
	w := displayWidth(lines[0])
	for _, l := range lines {
		if displayWidth(l) != w {
			t.Errorf("misaligned (%d columns, want %d): %q", displayWidth(l), w, l)
		}
	}
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) > 0 && f[0] == "社保医保" {
			if f[2] != "2" || f[6] != "2" {
				t.Errorf("social row %q: want 2 normal, total 2", l)
			}
		}
		if len(f) > 0 && f[0] == "合计" && f[6] != "4" {
			t.Errorf("sum row %q: want total 4", l)
		}
	}
}

func TestTail(t *testing.T) {
	c := start(t)
	must(t, c.addr, "issue", "social")
	must(t, c.addr, "login", "2", "S017")
	must(t, c.addr, "call", "2")
	// Everything from the start of the log: the day roll, then ours.
	out := must(t, c.addr, "tail", "-since", "0", "-n", "4")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 {
		t.Fatalf("tail -n 4 printed %d lines:\n%s", len(lines), out)
	}
	contains(t, "tail", out, "hall.day_rolled", "ticket.issued", "A001 social/normal", "window.logged_in", "ticket.called",
		"window=2", "staff=S017", "calls=1")

	// Following: a tail started now sees only what happens next. Wait until
	// the server has ended the first stream, start the second, and act only
	// once it is subscribed.
	hub := c.ctl.Engine().Hub()
	deadline := time.Now().Add(5 * time.Second)
	for hub.Subscribers() != 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	done := make(chan struct{})
	var fout string
	var ferr error
	go func() {
		defer close(done)
		fout, _, ferr = hallctl(t, c.addr, "tail", "-n", "2")
	}()
	for hub.Subscribers() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	must(t, c.addr, "act", "2", "start")
	must(t, c.addr, "act", "2", "pause", "-reason", "午休")
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("tail did not end after 2 events")
	}
	if ferr != nil {
		t.Fatal(ferr)
	}
	lines = strings.Split(strings.TrimSpace(fout), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "ticket.started") || !strings.Contains(lines[1], "window.paused") ||
		!strings.Contains(lines[1], "reason=午休") {
		t.Fatalf("following tail printed:\n%s", fout)
	}
}

// TestTailReconnects: a stream that ends is resumed from the last event
// printed, and events seen twice are printed once.
func TestTailReconnects(t *testing.T) {
	var mu sync.Mutex
	var sinces []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n := len(sinces)
		sinces = append(sinces, r.URL.Query().Get("since")+"/"+r.Header.Get("Last-Event-ID"))
		mu.Unlock()
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "retry: 10\n\n: keep-alive\n\n")
		ev := func(seq int, typ string) {
			fmt.Fprintf(w, "id: %d\nevent: %s\ndata: {\"seq\":%d,\"type\":%q,\"at\":\"2026-11-21T09:00:0%d+08:00\",\"window\":\"3\",\"future_field\":1}\n\n", seq, typ, seq, typ, seq)
		}
		switch n {
		case 0:
			ev(5, "window.logged_in")
			ev(6, "window.paused")
		default:
			ev(6, "window.paused") // a duplicate a server might resend
			ev(7, "window.some_new_type")
		}
	}))
	defer srv.Close()
	out, errs, err := hallctl(t, srv.URL, "tail", "-since", "4", "-n", "3")
	if err != nil {
		t.Fatalf("%v\n%s", err, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.Contains(lines[2], "window.some_new_type") || strings.Count(out, "window.paused") != 1 {
		t.Fatalf("tail printed:\n%s", out)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(sinces) != 2 || sinces[0] != "4/4" || sinces[1] != "6/6" {
		t.Fatalf("connections asked for since/Last-Event-ID %v, want [4/4 6/6]", sinces)
	}
}

func TestBadToken(t *testing.T) {
	c := start(t)
	var out, errb bytes.Buffer
	env := map[string]string{"HALLQ_ADDR": c.addr, "HALLQ_TOKEN": devToken}
	err := run(context.Background(), []string{"-token", "not-the-right-token-at-all", "issue", "social"}, &out, &errb,
		func(k string) string { return env[k] })
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != 401 || ae.Code != "unauthorized" {
		t.Fatalf("bad token: %v, want 401 unauthorized", err)
	}
	contains(t, "bad token", err.Error(), "未授权", "missing or invalid bearer token")
	// No token at all is caught before any request.
	err = run(context.Background(), []string{"queues"}, &out, &errb, func(string) string { return "" })
	if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), "HALLQ_TOKEN") {
		t.Fatalf("no token: %v", err)
	}
	// Nothing was issued.
	if got := must(t, c.addr, "queues"); !strings.Contains(got, "合计") || regexp.MustCompile(`合计\s+all\s+0\s+0\s+0\s+0\s+0`).FindString(got) == "" {
		t.Fatalf("queues after a refused issue:\n%s", got)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"frobnicate"},
		{"issue"},
		{"issue", "a", "b"},
		{"act", "1", "dance"},
		{"ticket", "abc"},
		{"issue", "social", "-appointment-at", "tomorrow"},
		{"db"},
		{"db", "vacuum", "-data", "/nonexistent"},
		{"config"},
		{"call", "1", "-nosuchflag"},
		{"simulate", "-bogus"},
		{"plan", "-bogus"},
	} {
		_, _, err := hallctl(t, "http://127.0.0.1:1", args...)
		if !errors.Is(err, ErrUsage) {
			t.Errorf("hallctl %q: %v, want a usage error", args, err)
		}
	}
	out := must(t, "http://127.0.0.1:1", "help")
	contains(t, "help", out, "issue", "tail", "db", "simulate")
}

// TestRetryKeepsRequestID: a 503 is retried with the same body, so the
// controller recognises the request id and never acts twice.
func TestRetryKeepsRequestID(t *testing.T) {
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies = append(bodies, string(b))
		if len(bodies) == 1 {
			w.WriteHeader(503)
			fmt.Fprint(w, `{"error":{"code":"store_unavailable","message":"系统暂时无法保存，请稍后重试","message_en":"retry"}}`)
			return
		}
		w.WriteHeader(201)
		fmt.Fprint(w, `{"id":9,"number":"A009","service":"social","service_name":"社保医保","channel":"normal","status":"waiting"}`)
	}))
	defer srv.Close()
	cl := NewClient(srv.URL, devToken)
	cl.Sleep = func(context.Context, time.Duration) error { return nil }
	c := &cli{stdout: io.Discard, stderr: io.Discard, getenv: func(string) string { return "" }, client: cl}
	var out bytes.Buffer
	c.stdout = &out
	if err := runIssue(context.Background(), c, []string{"social"}); err != nil {
		t.Fatal(err)
	}
	if len(bodies) != 2 || bodies[0] != bodies[1] || !strings.Contains(bodies[0], `"request_id":"hallctl-`) {
		t.Fatalf("requests: %q", bodies)
	}
	contains(t, "retried issue", out.String(), "A009")
	// Two commands never share an id.
	if NewRequestID() == NewRequestID() {
		t.Fatal("request ids repeat")
	}
}

func TestDB(t *testing.T) {
	c := start(t)
	for range 5 {
		must(t, c.addr, "issue", "tax")
	}
	// While the controller runs, the file is locked.
	_, _, err := hallctl(t, c.addr, "db", "check", "-data", c.dir)
	if !errors.Is(err, ErrDBInUse) {
		t.Fatalf("db check on a running controller: %v, want ErrDBInUse", err)
	}
	c.stop()
	out := must(t, c.addr, "db", "check", "-data", c.dir)
	contains(t, "db check", out, "ok:", "6 events (seq 1..6)")
	out = must(t, c.addr, "db", "stats", "-data", c.dir)
	contains(t, "db stats", out, "6 events")
	out = must(t, c.addr, "db", "compact", "-data", c.dir)
	contains(t, "db compact", out, "compacted", "6 events", "hallq.db.bak")
	if _, err := os.Stat(filepath.Join(c.dir, "hallq.db.bak")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(c.dir, "hallq.db.compact")); !os.IsNotExist(err) {
		t.Fatalf("the temporary copy was left behind: %v", err)
	}
	must(t, c.addr, "db", "check", "-data", c.dir)

	// The compacted file serves: a restarted controller continues numbering.
	ctl2, err := server.Start(server.Config{Listen: "127.0.0.1:0", DataDir: c.dir, DevToken: devToken,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer ctl2.Shutdown(context.Background())
	out = must(t, "http://"+ctl2.Addr(), "issue", "tax")
	contains(t, "issue after compact", out, "D006")

	// A missing database is not created.
	empty := t.TempDir()
	_, _, err = hallctl(t, c.addr, "db", "check", "-data", empty)
	if err == nil || !strings.Contains(err.Error(), "no database") {
		t.Fatalf("db check on an empty dir: %v", err)
	}
	if _, err := os.Stat(filepath.Join(empty, "hallq.db")); !os.IsNotExist(err) {
		t.Fatal("db check created a database")
	}
}

func TestDBCheckDamaged(t *testing.T) {
	c := start(t)
	must(t, c.addr, "issue", "tax")
	c.stop()
	path := filepath.Join(c.dir, "hallq.db")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Overwrite everything after the two meta pages.
	for i := 2 * 4096; i < len(b); i++ {
		b[i] = 0xA5
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err = hallctl(t, c.addr, "db", "check", "-data", c.dir)
	if err == nil {
		t.Fatal("db check passed a damaged file")
	}
	_, _, err = hallctl(t, c.addr, "db", "compact", "-data", c.dir)
	if err == nil {
		t.Fatal("db compact accepted a damaged file without -force")
	}
}

func TestConfig(t *testing.T) {
	out := must(t, "", "config", "demo")
	contains(t, "config demo", out, "示范县政务服务中心", "services:", "windows:")
	dir := t.TempDir()
	good := filepath.Join(dir, "hall.yaml")
	if err := os.WriteFile(good, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	got := must(t, "", "config", "check", good)
	contains(t, "config check", got, "ok:", "5 services", "8 windows", "warning: no tokens")
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte(strings.Replace(out, "prefix: A", "prefx: A", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := hallctl(t, "", "config", "check", bad); err == nil || !strings.Contains(err.Error(), "prefx") {
		t.Fatalf("config check of a typo: %v", err)
	}
}

// TestSimulateWired: simulate and plan reach controller/internal/sim.
func TestSimulateWired(t *testing.T) {
	out := must(t, "", "simulate", "-list")
	contains(t, "simulate -list", out, "scenarios:", "county", "policies:", "composite")
}

func TestDisplayWidth(t *testing.T) {
	for _, tc := range []struct {
		s string
		w int
	}{
		{"", 0}, {"abc", 3}, {"社保医保", 8}, {"8号综合窗口", 11}, {"（午休）", 8}, {"é", 1}, {"e\u0301", 1}, {"ＡＢ", 4},
	} {
		if got := displayWidth(tc.s); got != tc.w {
			t.Errorf("displayWidth(%q) = %d, want %d", tc.s, got, tc.w)
		}
	}
	tb := &table{right: map[int]bool{1: true}}
	tb.add("社保医保", "12")
	tb.add("tax", "3")
	var b bytes.Buffer
	tb.write(&b)
	if want := "社保医保  12\ntax        3\n"; b.String() != want {
		t.Errorf("table:\n%q\nwant\n%q", b.String(), want)
	}
}
