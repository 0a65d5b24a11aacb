package console_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"sync"
	"testing"
	"time"

	"hallq/controller/controllertest"
	"hallq/controller/hallproto"
	"hallq/controller/internal/console"
	"hallq/controller/internal/hallconfig"
)

// client is a browser-like caller: a cookie jar and the CSRF token.
type client struct {
	t    *testing.T
	base string
	hc   *http.Client
	csrf string
}

func newClient(t *testing.T, base string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: base, hc: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
}

// do sends a request; csrf adds the session's token.
func (c *client) do(method, path string, body any, csrf bool) (int, []byte) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if csrf {
		req.Header.Set(console.CSRFHeader, c.csrf)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func (c *client) login(user, pw string) (int, []byte) {
	c.t.Helper()
	st, b := c.do("POST", "/console/api/login", map[string]string{"user": user, "password": pw}, false)
	if st == 200 {
		var me struct{ CSRF string }
		json.Unmarshal(b, &me)
		c.csrf = me.CSRF
	}
	return st, b
}

func mustLogin(t *testing.T, base, user, pw string) *client {
	c := newClient(t, base)
	if st, b := c.login(user, pw); st != 200 {
		t.Fatalf("login %s: %d %s", user, st, b)
	}
	return c
}

func errCode(b []byte) (string, string) {
	var e hallproto.Error
	json.Unmarshal(b, &e)
	return e.Error.Code, e.Error.Message
}

// admin calls the API with the controller's admin token.
func admin(t *testing.T, ctl *controllertest.Controller, method, path string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, ctl.URL+path, rd)
	req.Header.Set("Authorization", "Bearer "+ctl.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

var reqN int
var reqMu sync.Mutex

func reqID() string {
	reqMu.Lock()
	defer reqMu.Unlock()
	reqN++
	return fmt.Sprintf("test-%d-%d", time.Now().UnixNano(), reqN)
}

func TestSignIn(t *testing.T) {
	ctl := controllertest.Start(t, nil)
	c := newClient(t, ctl.URL)
	tests := []struct {
		user, pw string
		status   int
		code     string
	}{
		{"manager", "wrong", 401, "bad_credentials"},
		{"nobody", "manager-demo", 401, "bad_credentials"},
		{"", "", 401, "bad_credentials"},
		{"manager", "manager-demo", 200, ""},
	}
	for _, tc := range tests {
		st, b := c.login(tc.user, tc.pw)
		code, msg := errCode(b)
		if st != tc.status || code != tc.code {
			t.Errorf("login %q/%q: %d %s, want %d %s", tc.user, tc.pw, st, code, tc.status, tc.code)
		}
		if st != 200 && !strings.Contains(msg, "用户名或密码错误") {
			t.Errorf("login %q: message %q is not the Chinese refusal", tc.user, msg)
		}
	}
	// The cookie is HttpOnly and SameSite=Strict.
	req, _ := http.NewRequest("POST", ctl.URL+"/console/api/login", strings.NewReader(`{"user":"manager","password":"manager-demo"}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	ck := resp.Cookies()
	if len(ck) != 1 || ck[0].Name != console.CookieName || !ck[0].HttpOnly || ck[0].SameSite != http.SameSiteStrictMode || ck[0].Secure {
		t.Fatalf("cookie %+v", ck)
	}
	if st, b := c.do("GET", "/console/api/me", nil, false); st != 200 || !strings.Contains(string(b), `"role":"manager"`) {
		t.Fatalf("me: %d %s", st, b)
	}
	// Logout ends the session for good.
	if st, _ := c.do("POST", "/console/api/logout", nil, true); st != 204 {
		t.Fatalf("logout: %d", st)
	}
	if st, _ := c.do("GET", "/console/api/me", nil, false); st != 401 {
		t.Fatalf("me after logout: %d", st)
	}
	if st, _ := c.do("GET", "/api/v1/queues", nil, false); st != 401 {
		t.Fatalf("api after logout: %d", st)
	}
}

func TestCSRFAndRoles(t *testing.T) {
	ctl := controllertest.Start(t, nil)
	if st, b := admin(t, ctl, "POST", "/api/v1/windows/2/login", map[string]any{"request_id": reqID(), "staff": "S017"}); st != 200 {
		t.Fatalf("login window: %d %s", st, b)
	}
	mgr := mustLogin(t, ctl.URL, "manager", "manager-demo")
	sup := mustLogin(t, ctl.URL, "supervisor", "supervisor-demo")
	aud := mustLogin(t, ctl.URL, "auditor", "auditor-demo")
	tech := mustLogin(t, ctl.URL, "tech", "tech-demo")
	pause := map[string]any{"window": "2", "action": "pause", "reason": "系统维护"}
	tests := []struct {
		name   string
		c      *client
		method string
		path   string
		body   any
		csrf   bool
		status int
	}{
		{"reads with the cookie", aud, "GET", "/api/v1/queues", nil, false, 200},
		{"hall info", tech, "GET", "/api/v1/hall", nil, false, 200},
		{"mutation without csrf (console)", sup, "POST", "/console/api/act", pause, false, 403},
		{"mutation without csrf (api)", mgr, "POST", "/api/v1/windows/2/pause", map[string]any{"request_id": reqID()}, false, 401},
		{"wrong csrf", mgr, "PUT", "/console/api/config", map[string]any{}, false, 403},
		{"auditor may not act", aud, "POST", "/console/api/act", pause, true, 403},
		{"auditor may not mutate the api", aud, "POST", "/api/v1/windows/2/pause", map[string]any{"request_id": reqID()}, true, 401},
		{"technician may not act", tech, "POST", "/console/api/act", pause, true, 403},
		{"technician may not use window actions", tech, "POST", "/api/v1/windows/2/pause", map[string]any{"request_id": reqID()}, true, 403},
		{"supervisor may not configure", sup, "PUT", "/console/api/config", map[string]any{"base_version": 0}, true, 403},
		{"supervisor may not read the audit log", sup, "GET", "/console/api/audit", nil, false, 403},
		{"auditor reads the audit log", aud, "GET", "/console/api/audit", nil, false, 200},
		{"supervisor pauses a window", sup, "POST", "/console/api/act", pause, true, 200},
		{"paused twice is refused with the reason", sup, "POST", "/console/api/act", pause, true, 409},
		{"manager resumes through the api", mgr, "POST", "/api/v1/windows/2/resume", map[string]any{"request_id": reqID()}, true, 200},
		{"unknown action", sup, "POST", "/console/api/act", map[string]any{"window": "2", "action": "call"}, true, 400},
		{"bad json", sup, "POST", "/console/api/act", "x", true, 400},
	}
	for _, tc := range tests {
		st, b := tc.c.do(tc.method, tc.path, tc.body, tc.csrf)
		if st != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.name, st, b, tc.status)
		}
		if st >= 400 {
			if code, msg := errCode(b); code == "" || msg == "" {
				t.Errorf("%s: error without code or message: %s", tc.name, b)
			}
		}
	}
	// Audit: the pause carries before/after, the failed one its reason;
	// the manager's direct API call is logged too.
	var entries []console.AuditEntry
	st, b := mgr.do("GET", "/console/api/audit?action=window.pause", nil, false)
	if st != 200 || json.Unmarshal(b, &entries) != nil || len(entries) != 2 {
		t.Fatalf("audit window.pause: %d %s", st, b)
	}
	ok, refused := entries[1], entries[0]
	if ok.User != "supervisor" || ok.Result != "ok" || !strings.Contains(ok.Before, "开放") || !strings.Contains(ok.After, "暂停（系统维护）") {
		t.Errorf("pause entry %+v", ok)
	}
	if refused.Result == "ok" || !strings.Contains(refused.Result, "暂停") {
		t.Errorf("refused entry %+v", refused)
	}
	st, b = mgr.do("GET", "/console/api/audit?action=api&user=manager", nil, false)
	if st != 200 || !strings.Contains(string(b), "POST /api/v1/windows/2/resume") {
		t.Fatalf("api audit: %d %s", st, b)
	}
	st, b = mgr.do("GET", "/console/api/audit?from=2020-13-01", nil, false)
	if code, _ := errCode(b); st != 400 || code != "bad_date" {
		t.Fatalf("bad date: %d %s", st, b)
	}
}

func TestSignInRateLimit(t *testing.T) {
	ctl := controllertest.Start(t, nil)
	c := newClient(t, ctl.URL)
	for i := range 5 {
		if st, _ := c.login("supervisor", fmt.Sprint("guess", i)); st != 401 {
			t.Fatalf("attempt %d: %d", i, st)
		}
	}
	st, b := c.login("supervisor", "supervisor-demo")
	code, msg := errCode(b)
	if st != 429 || code != "rate_limited" || !strings.Contains(msg, "分钟后再试") {
		t.Fatalf("after 5 failures: %d %s", st, b)
	}
}

// TestSessionExpiry: idle and absolute expiry with the controller's clock.
func TestSessionExpiry(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	ctl := controllertest.Start(t, &controllertest.Options{Clock: clock})
	c := mustLogin(t, ctl.URL, "manager", "manager-demo")
	// Active every 25 minutes: the idle limit never ends it, the absolute
	// limit (12h) does.
	start, ended := clock(), time.Duration(0)
	for range 40 {
		advance(25 * time.Minute)
		if st, _ := c.do("GET", "/console/api/me", nil, false); st != 200 {
			ended = clock().Sub(start)
			break
		}
	}
	if ended <= 12*time.Hour-25*time.Minute || ended > 12*time.Hour+25*time.Minute {
		t.Fatalf("session ended after %v, want the 12h absolute expiry", ended)
	}
	c = mustLogin(t, ctl.URL, "manager", "manager-demo")
	advance(31 * time.Minute)
	if st, _ := c.do("GET", "/console/api/me", nil, false); st != 401 {
		t.Fatalf("session outlived the idle expiry")
	}
}

type cfgReply struct {
	Current console.Version
}

func getConfig(t *testing.T, c *client) console.Version {
	st, b := c.do("GET", "/console/api/config", nil, false)
	var r cfgReply
	if st != 200 || json.Unmarshal(b, &r) != nil {
		t.Fatalf("config: %d %s", st, b)
	}
	return r.Current
}

// follow collects event types from the stream until ctx ends.
func follow(ctx context.Context, t *testing.T, url, token string, out chan<- string) {
	req, _ := http.NewRequestWithContext(ctx, "GET", url+"/api/v1/events?since=now", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if typ, ok := strings.CutPrefix(sc.Text(), "event: "); ok {
			out <- typ
		}
	}
}

func TestReconfigure(t *testing.T) {
	ctl := controllertest.Start(t, nil)
	mgr := mustLogin(t, ctl.URL, "manager", "manager-demo")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	events := make(chan string, 100)
	go follow(ctx, t, ctl.URL, ctl.Token, events)
	time.Sleep(100 * time.Millisecond)

	cur := getConfig(t, mgr)
	if cur.Version != 0 || cur.Source != "file" {
		t.Fatalf("fresh hall: %+v", cur)
	}
	// A ticket waits for tax, the only service of windows 6 and one of 5 and 8.
	if st, b := admin(t, ctl, "POST", "/api/v1/tickets", map[string]any{"request_id": reqID(), "service": "tax"}); st != 201 {
		t.Fatalf("issue: %d %s", st, b)
	}
	h := cur.Hall
	h.Services = append(h.Services, h.Services[0])
	h.Services[len(h.Services)-1].ID, h.Services[len(h.Services)-1].Name, h.Services[len(h.Services)-1].Prefix = "pass", "出入境", "F"
	h.Windows = append(h.Windows, h.Windows[0])
	h.Windows[len(h.Windows)-1].ID, h.Windows[len(h.Windows)-1].Name, h.Windows[len(h.Windows)-1].Services = "9", "9号窗口", []string{"pass"}
	texts := console.Texts{NameEN: "Demo", TicketFooter: "谢谢", SignIdle: "您好", SignPaused: "暂停", SignEmpty: "无人等候", Notices: []string{"下午两点停电检修"}}
	put := func(base int, h any, texts console.Texts) (int, []byte) {
		return mgr.do("PUT", "/console/api/config", map[string]any{"base_version": base, "hall": h, "texts": texts}, true)
	}
	st, b := put(0, h, texts)
	if st != 200 {
		t.Fatalf("apply: %d %s", st, b)
	}
	var v console.Version
	json.Unmarshal(b, &v)
	if v.Version != 1 || !strings.Contains(strings.Join(v.Summary, ";"), "新增业务 pass") || !strings.Contains(strings.Join(v.Summary, ";"), "新增窗口 9") {
		t.Fatalf("version %+v", v)
	}
	// Applied without restart: the API serves the new service, the hall info
	// the new texts, and the stream said config_changed.
	if st, b := admin(t, ctl, "GET", "/api/v1/services", nil); st != 200 || !strings.Contains(string(b), `"id":"pass"`) {
		t.Fatalf("services: %d %s", st, b)
	}
	var info hallproto.HallInfo
	if st, b := admin(t, ctl, "GET", "/api/v1/hall", nil); st != 200 || json.Unmarshal(b, &info) != nil || info.ConfigVersion != 1 || info.SignIdle != "您好" || info.Notices[0] != "下午两点停电检修" {
		t.Fatalf("hall info: %d %s", st, b)
	}
	seen := false
	for !seen {
		select {
		case typ := <-events:
			seen = typ == string(hallproto.EvConfigChanged)
		case <-ctx.Done():
			t.Fatal("no config_changed on the event stream")
		}
	}
	// Refusals, each with its Chinese reason; nothing changes.
	noTax := getConfig(t, mgr).Hall
	for i := range noTax.Windows {
		var keep []string
		for _, s := range noTax.Windows[i].Services {
			if s != "tax" {
				keep = append(keep, s)
			}
		}
		noTax.Windows[i].Services = keep
	}
	var ws = noTax.Windows[:0]
	for _, w := range noTax.Windows {
		if len(w.Services) > 0 {
			ws = append(ws, w)
		}
	}
	noTax.Windows = ws
	noWindowForTax := noTax
	noTaxSvc := noTax
	noTaxSvc.Services = nil
	for _, s := range getConfig(t, mgr).Hall.Services {
		if s.ID != "tax" {
			noTaxSvc.Services = append(noTaxSvc.Services, s)
		}
	}
	badPrefix := getConfig(t, mgr).Hall
	badPrefix.Services[1].Prefix = "A"
	badHours := getConfig(t, mgr).Hall
	badHours.Hours.Close = "25:00"
	cases := []struct {
		name   string
		base   int
		hall   any
		texts  console.Texts
		status int
		code   string
		msg    string
	}{
		{"removing the last windows of a waiting service", 1, noWindowForTax, texts, 409, "config_strands_tickets", "至少保留一个办理它的窗口"},
		{"removing a service with a queue", 1, noTaxSvc, texts, 409, "config_strands_tickets", "税务办理"},
		{"duplicate prefix", 1, badPrefix, texts, 400, "invalid", "重复"},
		{"bad hours", 1, badHours, texts, 400, "invalid", "hours.close"},
		{"sign text too long", 1, getConfig(t, mgr).Hall, console.Texts{SignIdle: strings.Repeat("欢", 17)}, 400, "invalid", "sign_idle"},
		{"stale version", 0, getConfig(t, mgr).Hall, texts, 409, "stale_version", "已被他人修改"},
		{"no change", 1, getConfig(t, mgr).Hall, texts, 400, "no_change", "没有变化"},
	}
	for _, tc := range cases {
		st, b := put(tc.base, tc.hall, tc.texts)
		code, msg := errCode(b)
		if st != tc.status || code != tc.code || !strings.Contains(msg, tc.msg) {
			t.Errorf("%s: %d %s, want %d %s %q", tc.name, st, b, tc.status, tc.code, tc.msg)
		}
	}
	if v := getConfig(t, mgr); v.Version != 1 {
		t.Fatalf("a refused change moved the version to %d", v.Version)
	}
	st, b = mgr.do("GET", "/console/api/config/versions", nil, false)
	if st != 200 || strings.Count(string(b), `"version"`) != 1 {
		t.Fatalf("versions: %d %s", st, b)
	}
	st, b = mgr.do("GET", "/console/api/audit?action=config", nil, false)
	if st != 200 || strings.Count(string(b), `"action":"config"`) != 3 || !strings.Contains(string(b), "税务办理") {
		t.Fatalf("config audit: %d %s", st, b)
	}
}

// TestRestart: the console's configuration and sessions survive a restart
// (replayed from the event log and the store); an edited file wins.
func TestRestart(t *testing.T) {
	dir := t.TempDir()
	ctl := controllertest.Start(t, &controllertest.Options{DataDir: dir})
	mgr := mustLogin(t, ctl.URL, "manager", "manager-demo")
	cur := getConfig(t, mgr)
	h := cur.Hall
	h.Windows[0].Services = append(h.Windows[0].Services, "tax")
	if st, b := mgr.do("PUT", "/console/api/config", map[string]any{"base_version": 0, "hall": h, "texts": cur.Texts}, true); st != 200 {
		t.Fatalf("apply: %d %s", st, b)
	}
	ctl.Stop()

	ctl = controllertest.Start(t, &controllertest.Options{DataDir: dir})
	// Cookies belong to the host, not the port: the jar sends the old
	// session to the restarted controller.
	mgr.base = ctl.URL
	v := getConfig(t, mgr)
	if v.Version != 1 || len(v.Hall.Windows[0].Services) != 2 {
		t.Fatalf("after restart: version %d windows[0] %v", v.Version, v.Hall.Windows[0].Services)
	}
	if st, b := admin(t, ctl, "GET", "/api/v1/windows", nil); st != 200 || !strings.Contains(string(b), `"services":["social","tax"]`) {
		t.Fatalf("windows after restart: %s", b)
	}
	ctl.Stop()

	// The file was edited: it wins, as a new version by "file".
	edited := strings.Replace(string(hallconfig.DemoYAML()), `name: "示范县政务服务中心"`, `name: "示范县政务服务中心（新）"`, 1)
	ctl = controllertest.Start(t, &controllertest.Options{DataDir: dir, ConfigYAML: edited})
	mgr.base = ctl.URL
	v = getConfig(t, mgr)
	if v.Version != 2 || v.By != "file" || v.Hall.Name != "示范县政务服务中心（新）" || len(v.Hall.Windows[0].Services) != 1 {
		t.Fatalf("edited file: %+v", v)
	}
}
