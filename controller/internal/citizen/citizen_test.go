package citizen

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"hallq/controller/internal/api"
	"hallq/controller/internal/booking"
	"hallq/controller/internal/engine"
	"hallq/controller/internal/queue"
	"hallq/controller/internal/store"
)

var monday = time.Date(2026, 11, 23, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))

const idA = "110101199003074514"

type env struct {
	s   *Service
	h   http.Handler
	eng *engine.Engine
}

func newEnv(t testing.TB, cfg Config) *env {
	t.Helper()
	clock := func() time.Time { return monday }
	st, err := store.Open(filepath.Join(t.TempDir(), "hallq.db"), &store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	hc := queue.Config{Name: "示范县政务服务中心",
		Services: []queue.ServiceConfig{{ID: "social", Name: "社保医保", Prefix: "A"}, {ID: "tax", Name: "税务办理", Prefix: "D"}},
		Windows:  []queue.WindowConfig{{ID: "1", Name: "1号窗口", Services: []string{"social", "tax"}}},
		Hours:    queue.Hours{Timezone: "Asia/Shanghai", IssueFrom: "00:00", IssueUntil: "24:00", Close: "24:00"}}
	hc.Defaults()
	lg := slog.New(slog.DiscardHandler)
	eng, err := engine.New(hc, st, engine.Options{Clock: clock, Logger: lg})
	if err != nil {
		t.Fatal(err)
	}
	bk, err := booking.New(booking.Options{DB: st.DB(), Hall: eng, Clock: clock, Logger: lg})
	if err != nil {
		t.Fatal(err)
	}
	authn := func(r *http.Request) (api.Principal, bool) {
		if r.Header.Get("Authorization") == "Bearer kiosk" {
			return api.Principal{Role: api.RoleKiosk, Name: "kiosk-1"}, true
		}
		return api.Principal{}, false
	}
	s, err := New(Options{DB: st.DB(), Hall: eng, Booking: bk, Config: cfg, Clock: clock, Logger: lg, Authn: authn})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	for p, h := range s.Routes() {
		mux.Handle(p, h)
	}
	t.Cleanup(func() { bk.Close(); eng.Close(); st.Close() })
	return &env{s, mux, eng}
}

func (e *env) do(t *testing.T, r *http.Request) (int, string, *http.Response) {
	t.Helper()
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	b, _ := io.ReadAll(w.Result().Body)
	return w.Code, string(b), w.Result()
}

func (e *env) issue(t *testing.T, service string) *queue.Ticket {
	var tk *queue.Ticket
	rep, err := e.eng.Do(context.Background(), &engine.Command{Run: func(h *queue.Hall, now time.Time) engine.Reply {
		var err error
		tk, err = h.Issue(now, queue.IssueArgs{Service: service})
		if err != nil {
			t.Error(err)
		}
		return engine.Reply{Status: 201}
	}})
	if err != nil || rep.Status != 201 {
		t.Fatal(err)
	}
	return tk
}

func TestTicketPage(t *testing.T) {
	e := newEnv(t, Config{PublicURL: "https://zwfw.example.gov.cn"})
	e.issue(t, "social")
	tk := e.issue(t, "social")
	r := httptest.NewRequest("GET", "/api/v1/citizen/links/2", nil)
	if st, _, _ := e.do(t, r); st != 403 {
		t.Fatalf("links without a token: %d", st)
	}
	r.Header.Set("Authorization", "Bearer kiosk")
	st, body, _ := e.do(t, r)
	want := "/m/t/2?k=" + e.s.Check(tk.ID)
	if st != 200 || !strings.Contains(body, `"path":"`+want+`"`) || !strings.Contains(body, `"url":"https://zwfw.example.gov.cn`+want+`"`) {
		t.Fatalf("links: %d %s", st, body)
	}
	st, body, _ = e.do(t, httptest.NewRequest("GET", want, nil))
	if st != 200 || !strings.Contains(body, "A002") || !strings.Contains(body, "前面还有 <b>1</b> 人") || !strings.Contains(body, "等候中") {
		t.Fatalf("ticket page: %d %s", st, body)
	}
	for _, bad := range []string{"/m/t/2", "/m/t/2?k=" + e.s.Check(1), "/m/t/x?k=y", "/m/t/0?k=" + e.s.Check(0)} {
		if st, body, _ := e.do(t, httptest.NewRequest("GET", bad, nil)); st != 404 || !strings.Contains(body, "无效的号票链接") {
			t.Errorf("%s: %d", bad, st)
		}
	}
	if e.s.Check(1) == e.s.Check(2) || len(e.s.Check(1)) != 16 {
		t.Errorf("checks %q %q", e.s.Check(1), e.s.Check(2))
	}
	st, body, _ = e.do(t, httptest.NewRequest("GET", "/m/t/99?k="+e.s.Check(99), nil))
	if st != 200 || !strings.Contains(body, "不是今日号票") {
		t.Errorf("unknown ticket: %d %s", st, body)
	}
}

func TestHome(t *testing.T) {
	e := newEnv(t, Config{})
	e.issue(t, "tax")
	st, body, resp := e.do(t, httptest.NewRequest("GET", "/m/", nil))
	if st != 200 || !strings.Contains(body, "税务办理") || !strings.Contains(body, "示范县政务服务中心") || !strings.Contains(body, `href="/m/book"`) {
		t.Fatalf("home: %d %s", st, body)
	}
	if !strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Error("no CSP")
	}
	if st, body, _ := e.do(t, httptest.NewRequest("GET", "/m/static/style.css", nil)); st != 200 || !strings.Contains(body, "font-family") {
		t.Errorf("style: %d", st)
	}
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
var ridRe = regexp.MustCompile(`name="request_id" value="([^"]+)"`)

// formFor opens the form and returns the CSRF cookie and fields.
func (e *env) formFor(t *testing.T) (*http.Cookie, string, string) {
	st, body, resp := e.do(t, httptest.NewRequest("GET", "/m/book?service=social&date=2026-11-24", nil))
	if st != 200 || !strings.Contains(body, "09:00-09:30 余4") || !strings.Contains(body, "11月24日 周二") {
		t.Fatalf("form: %d %s", st, body)
	}
	m, rid := csrfRe.FindStringSubmatch(body), ridRe.FindStringSubmatch(body)
	if m == nil || rid == nil || len(resp.Cookies()) == 0 {
		t.Fatalf("form without CSRF token or request id")
	}
	c := resp.Cookies()[0]
	if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Value != m[1] {
		t.Fatalf("cookie %+v", c)
	}
	return c, m[1], rid[1]
}

func post(c *http.Cookie, v url.Values) *http.Request {
	r := httptest.NewRequest("POST", "/m/book", strings.NewReader(v.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if c != nil {
		r.AddCookie(c)
	}
	r.RemoteAddr = "10.0.0.7:5555"
	return r
}

func TestBookingForm(t *testing.T) {
	e := newEnv(t, Config{BookPerIPPerHour: 5})
	c, tok, rid := e.formFor(t)
	vals := func(id, csrf string) url.Values {
		return url.Values{"csrf": {csrf}, "request_id": {rid}, "service": {"social"}, "date": {"2026-11-24"}, "slot": {"09:00"},
			"name": {"张三丰"}, "idnumber": {id}, "phone": {"13812345678"}}
	}
	for _, tc := range []struct {
		name   string
		req    *http.Request
		status int
		has    string
	}{
		{"no cookie", post(nil, vals(idA, tok)), 403, "页面已过期"},
		{"wrong token", post(c, vals(idA, "x"+tok)), 403, "页面已过期"},
		{"bad check character", post(c, vals("110101199003074515", tok)), 400, "校验位错误"},
		{"short number", post(c, vals("1101", tok)), 400, "18位"},
		{"ok", post(c, vals(idA, tok)), 200, "1101**********4514"},
		{"double submit is the same booking", post(c, vals(idA, tok)), 200, "预约成功"},
	} {
		st, body, _ := e.do(t, tc.req)
		if st != tc.status || !strings.Contains(body, tc.has) {
			t.Errorf("%s: %d, want %d with %q: %s", tc.name, st, tc.status, tc.has, body)
		}
		if strings.Contains(body, idA) || strings.Contains(body, "张三丰") || strings.Contains(body, "13812345678") {
			t.Errorf("%s: the page shows personal data unmasked", tc.name)
		}
	}
	list, _ := e.s.o.Booking.List("2026-11-24", "", "")
	if len(list) != 1 || list[0].MaskedName != "张*丰" || list[0].Source != "citizen-web" {
		t.Fatalf("bookings %+v", list)
	}
	// another site's form
	r := post(c, vals(idA, tok))
	r.Header.Set("Origin", "https://evil.example")
	if st, _, _ := e.do(t, r); st != 403 {
		t.Errorf("cross-origin post: %d", st)
	}
	// the per-address limit (5 an hour) has counted 4 posts
	v := vals("440306194901010017", tok)
	v.Set("request_id", "other")
	if st, body, _ := e.do(t, post(c, v)); st != 200 || !strings.Contains(body, "4403**********0017") {
		t.Errorf("5th post: %d", st)
	}
	if st, body, _ := e.do(t, post(c, v)); st != 429 || !strings.Contains(body, "过于频繁") {
		t.Errorf("7th post: %d %s", st, body)
	}
}

func TestPerIDLimit(t *testing.T) {
	e := newEnv(t, Config{BookPerIDPerDay: 2})
	c, tok, _ := e.formFor(t)
	for i, want := range []int{200, 409, 429} {
		v := url.Values{"csrf": {tok}, "request_id": {"r" + string(rune('0'+i))}, "service": {"social"}, "date": {"2026-11-24"},
			"slot": {"09:30"}, "name": {"李四"}, "idnumber": {idA}}
		r := post(c, v)
		r.RemoteAddr = "10.0.1." + string(rune('1'+i)) + ":1"
		if st, body, _ := e.do(t, r); st != want {
			t.Fatalf("post %d: %d, want %d: %s", i, st, want, body)
		}
	}
}

func TestLimiter(t *testing.T) {
	l := newLimiter(2, time.Minute)
	now := monday
	if !l.allow("a", now) || !l.allow("a", now) || l.allow("a", now) || !l.allow("b", now) {
		t.Fatal("counts")
	}
	if !l.allow("a", now.Add(time.Minute)) {
		t.Fatal("new window")
	}
}

// FuzzBookSubmit: any form body, with a valid CSRF token, answers below 500
// and never echoes an ID number.
func FuzzBookSubmit(f *testing.F) {
	for _, s := range []string{
		"service=social&date=2026-11-24&slot=09:00&name=%E5%BC%A0%E4%B8%89&idnumber=" + idA,
		"service=social&date=2026-11-24&slot=25:00&name=&idnumber=x",
		"service=&date=&slot=&idnumber=%00", "slot=09:00&idnumber=11010119900307451X&phone=1", "%zz",
	} {
		f.Add(s)
	}
	e := newEnv(f, Config{BookPerIPPerHour: 1 << 30, BookPerIDPerDay: 1 << 30})
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest("POST", "/m/book", strings.NewReader(body+"&csrf=tok0123456789abcdef&request_id=f"))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.AddCookie(&http.Cookie{Name: csrfCookie, Value: "tok0123456789abcdef"})
		st, out, _ := e.do(t, r)
		if st >= 500 {
			t.Fatalf("%q: %d", body, st)
		}
		if strings.Contains(out, idA) {
			t.Fatalf("%q: page shows the ID number", body)
		}
	})
}

var linkRe = regexp.MustCompile(`href="(/m/b/[^"]+)"`)

// TestCitizenCancel: the confirmation links to the booking's page, where
// the citizen cancels before the deadline.
func TestCitizenCancel(t *testing.T) {
	e := newEnv(t, Config{})
	c, tok, rid := e.formFor(t)
	v := url.Values{"csrf": {tok}, "request_id": {rid}, "service": {"social"}, "date": {"2026-11-24"}, "slot": {"09:00"},
		"name": {"张三"}, "idnumber": {idA}}
	st, body, _ := e.do(t, post(c, v))
	m := linkRe.FindStringSubmatch(body)
	if st != 200 || m == nil {
		t.Fatalf("booked: %d, link %v", st, m)
	}
	link := strings.ReplaceAll(m[1], "&amp;", "&")
	st, body, _ = e.do(t, httptest.NewRequest("GET", link, nil))
	if st != 200 || !strings.Contains(body, "已预约") || !strings.Contains(body, "取消预约") || strings.Contains(body, idA) {
		t.Fatalf("booking page: %d %s", st, body)
	}
	id := strings.TrimPrefix(strings.Split(link, "?")[0], "/m/b/")
	k := strings.Split(link, "k=")[1]
	if st, _, _ := e.do(t, httptest.NewRequest("GET", "/m/b/"+id+"?k=x"+k, nil)); st != 404 {
		t.Fatalf("wrong k: %d", st)
	}
	cancel := func(csrf, k string) (int, string) {
		r := httptest.NewRequest("POST", "/m/b/"+id+"/cancel", strings.NewReader(url.Values{"csrf": {csrf}, "k": {k}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.AddCookie(c)
		st, body, _ := e.do(t, r)
		return st, body
	}
	if st, _ := cancel("wrong", k); st != 403 {
		t.Fatalf("cancel without the token: %d", st)
	}
	if st, body := cancel(tok, k); st != 200 || !strings.Contains(body, "已取消") || strings.Contains(body, `action="/m/b/`) {
		t.Fatalf("cancel: %d %s", st, body)
	}
	list, _ := e.s.o.Booking.List("2026-11-24", "", "cancelled")
	if len(list) != 1 || list[0].Reason != "群众网上取消" {
		t.Fatalf("cancelled list %+v", list)
	}
	if st, body := cancel(tok, k); st != 200 || !strings.Contains(body, "已取消") {
		t.Fatalf("cancel twice: %d", st)
	}
}
