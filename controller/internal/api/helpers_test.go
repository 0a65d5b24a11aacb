package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"hallq/controller/hallproto"
	"hallq/controller/internal/engine"
	"hallq/controller/internal/queue"
	"hallq/controller/internal/store"
)

const adminToken = "test-admin-token-0123456789"

var cst = time.FixedZone("CST", 8*3600)

// fakeClock is a settable clock shared by the engine and the test.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type rig struct {
	t     *testing.T
	st    *store.Store
	eng   *engine.Engine
	srv   *Server
	clock *fakeClock
	dir   string
	cfg   queue.Config
}

func hallConfig(windows int) queue.Config {
	c := queue.Config{Name: "测试大厅",
		Services: []queue.ServiceConfig{
			{ID: "social", Name: "社保", Prefix: "A", First: 1, Last: 9999},
			{ID: "tax", Name: "税务", Prefix: "B", First: 1, Last: 9999},
		},
		Hours: queue.Hours{IssueFrom: "00:00", IssueUntil: "24:00", Close: "24:00"}}
	for i := 1; i <= windows; i++ {
		svcs := []string{"social"}
		if i%2 == 0 {
			svcs = []string{"tax", "social"}
		}
		c.Windows = append(c.Windows, queue.WindowConfig{ID: fmt.Sprint(i), Services: svcs})
	}
	return c
}

func newRig(t testing.TB, cfg queue.Config, dir string) *rig {
	if dir == "" {
		dir = t.TempDir()
	}
	st, err := store.Open(filepath.Join(dir, "hallq.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{t: time.Date(2026, 11, 17, 9, 0, 0, 0, cst)}
	eng, err := engine.New(cfg, st, engine.Options{Clock: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	toks, err := NewTokens([]Token{
		{Token: adminToken, Role: RoleAdmin, Name: "admin"},
		{Token: "kiosk-token-0123456789", Role: RoleKiosk, Name: "kiosk-1"},
		{Token: "window1-token-0123456789", Role: RoleWindow, Window: "1", Name: "w1"},
		{Token: "display-token-0123456789", Role: RoleDisplay, Name: "d1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{st: st, eng: eng, clock: clock, dir: dir, cfg: cfg}
	r.srv = New(eng, Options{Tokens: toks, Metrics: NewMetrics()})
	t.Cleanup(r.close)
	return r
}

func (r *rig) close() {
	if r.eng != nil {
		r.eng.Close()
		if err := r.st.Check(); err != nil {
			panic(fmt.Sprintf("store check after test: %v", err))
		}
		r.st.Close()
		r.eng = nil
	}
}

// do sends one request through the handler and returns status and body.
func (r *rig) do(method, path, token string, body any) (int, []byte) {
	var rd *bytes.Reader
	switch b := body.(type) {
	case nil:
		rd = bytes.NewReader(nil)
	case string:
		rd = bytes.NewReader([]byte(b))
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req := httptest.NewRequest(method, path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	r.srv.ServeHTTP(w, req)
	return w.Code, w.Body.Bytes()
}

var reqN struct {
	sync.Mutex
	n int
}

func rid() string {
	reqN.Lock()
	defer reqN.Unlock()
	reqN.n++
	return fmt.Sprintf("req-%d", reqN.n)
}

func (r *rig) issue(t testing.TB, service string) hallproto.Ticket {
	code, body := r.do("POST", "/api/v1/tickets", adminToken, hallproto.IssueRequest{RequestID: rid(), Service: service})
	if code != 201 {
		t.Fatalf("issue: %d %s", code, body)
	}
	var tk hallproto.Ticket
	if err := json.Unmarshal(body, &tk); err != nil {
		t.Fatal(err)
	}
	return tk
}

func (r *rig) act(t testing.TB, window string, action string, req hallproto.ActionRequest) (int, []byte) {
	if req.RequestID == "" {
		req.RequestID = rid()
	}
	return r.do("POST", "/api/v1/windows/"+window+"/"+action, adminToken, req)
}

func (r *rig) login(t testing.TB, windows int) {
	for i := 1; i <= windows; i++ {
		if code, body := r.act(t, fmt.Sprint(i), "login", hallproto.ActionRequest{Staff: fmt.Sprintf("S%03d", i)}); code != 200 {
			t.Fatalf("login %d: %d %s", i, code, body)
		}
	}
}

func errCode(body []byte) string {
	var e hallproto.Error
	json.Unmarshal(body, &e)
	return e.Error.Code
}
