package eval

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"hallq/controller/hallproto"
	"hallq/controller/internal/api"
)

// fakeHall is a Lookup over fixed tickets.
type fakeHall struct {
	mu      sync.Mutex
	tickets map[uint64]*TicketFacts
}

func (h *fakeHall) lookup(_ context.Context, id uint64) (*TicketFacts, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	t := h.tickets[id]
	if t == nil {
		return nil, nil
	}
	c := *t
	return &c, nil
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type env struct {
	svc   *Service
	db    *bbolt.DB
	clock *fakeClock
	hall  *fakeHall
	srv   *httptest.Server
}

var principals = map[string]api.Principal{
	"win3":  {Role: api.RoleWindow, Window: "3", Name: "window-3"},
	"win4":  {Role: api.RoleWindow, Window: "4", Name: "window-4"},
	"staff": {Role: api.RoleStaff, Name: "manager"},
	"kiosk": {Role: api.RoleKiosk, Name: "kiosk-1"},
	"audit": {Role: api.RoleAuditor, Name: "auditor"},
}

func newEnv(t testing.TB) *env {
	t.Helper()
	db, err := bbolt.Open(filepath.Join(t.TempDir(), "t.db"), 0o600, &bbolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Every test leaves a consistent database behind.
		if err := db.View(func(tx *bbolt.Tx) error {
			for err := range tx.Check() {
				return err
			}
			return nil
		}); err != nil {
			t.Errorf("bbolt check: %v", err)
		}
		db.Close()
	})
	clock := &fakeClock{t: finished().FinishedAt.Add(30 * time.Second)}
	hall := &fakeHall{tickets: map[uint64]*TicketFacts{23: finished()}}
	t24 := finished()
	t24.ID, t24.Number, t24.Window, t24.Staff, t24.Service, t24.CaseNumber = 24, "B001", "4", "S007", "tax", ""
	hall.tickets[24] = t24
	authn := func(r *http.Request) (api.Principal, bool) {
		p, ok := principals[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
		return p, ok
	}
	svc, err := NewWithLookup(db, hall.lookup, Options{Config: Config{Owner: "督查室"}, Clock: clock.now,
		Location: cst, Authn: authn, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	for p, h := range svc.Routes() {
		mux.Handle(p, h)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &env{svc: svc, db: db, clock: clock, hall: hall, srv: srv}
}

func (e *env) call(t *testing.T, method, path, token, body string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func errCode(b []byte) string {
	var e hallproto.Error
	json.Unmarshal(b, &e)
	return e.Error.Code
}

func TestRateOverHTTP(t *testing.T) {
	e := newEnv(t)
	body := `{"request_id":"r1","ticket":23,"window":"3","rating":2,"reason":"等候时间长"}`
	st, b := e.call(t, "POST", "/api/v1/evaluations", "win3", body)
	if st != 201 {
		t.Fatalf("rate: %d %s", st, b)
	}
	var ev hallproto.Evaluation
	if err := json.Unmarshal(b, &ev); err != nil || ev.ID == 0 || ev.Followup == 0 || ev.Staff != "S005" || ev.Device != "window-3" {
		t.Fatalf("evaluation %+v %v", ev, err)
	}
	// The same request again: the same answer, byte for byte.
	if st2, b2 := e.call(t, "POST", "/api/v1/evaluations", "win3", body); st2 != 201 || !bytes.Equal(b, b2) {
		t.Fatalf("retry: %d %s", st2, b2)
	}
	// The same id with another body.
	if st, b := e.call(t, "POST", "/api/v1/evaluations", "win3", strings.Replace(body, `"rating":2`, `"rating":1`, 1)); st != 409 || errCode(b) != "request_id_reused" {
		t.Fatalf("reused id: %d %s", st, b)
	}
	// A second press with a new id is refused: one rating per service.
	if st, b := e.call(t, "POST", "/api/v1/evaluations", "win3", `{"request_id":"r2","ticket":23,"window":"3","rating":5}`); st != 409 || errCode(b) != "already_rated" {
		t.Fatalf("second rating: %d %s", st, b)
	}
	fus, err := e.svc.Followups(FollowupFilter{Status: hallproto.FollowupOpen})
	if err != nil || len(fus) != 1 || fus[0].Evaluation != ev.ID || fus[0].Reason != "等候时间长" || fus[0].Owner != "督查室" {
		t.Fatalf("follow-ups %+v %v", fus, err)
	}
}

func TestRateRefusals(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		name, token, body string
		status            int
		code              string
	}{
		{"no token", "", `{"request_id":"a","ticket":23,"window":"3","rating":5}`, 401, "unauthorized"},
		{"kiosk", "kiosk", `{"request_id":"a","ticket":23,"window":"3","rating":5}`, 403, "forbidden"},
		{"other window's device", "win4", `{"request_id":"a","ticket":23,"window":"3","rating":5}`, 403, "forbidden"},
		{"rated at the wrong window", "win4", `{"request_id":"a","ticket":23,"window":"4","rating":5}`, 409, "not_finished_here"},
		{"unknown field", "win3", `{"request_id":"a","ticket":23,"window":"3","rating":5,"x":1}`, 400, "bad_json"},
		{"trailing data", "win3", `{"request_id":"a","ticket":23,"window":"3","rating":5} {}`, 400, "bad_json"},
		{"rating 7", "win3", `{"request_id":"a","ticket":23,"window":"3","rating":7}`, 400, "invalid"},
		{"no request id", "win3", `{"ticket":23,"window":"3","rating":5}`, 400, "invalid"},
		{"unknown ticket", "win3", `{"request_id":"a","ticket":77,"window":"3","rating":5}`, 404, "unknown_ticket"},
		{"too large", "win3", `{"request_id":"` + strings.Repeat("a", 70000) + `"}`, 413, "body_too_large"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st, b := e.call(t, "POST", "/api/v1/evaluations", c.token, c.body)
			if st != c.status || errCode(b) != c.code {
				t.Fatalf("got %d %s, want %d %s", st, b, c.status, c.code)
			}
			var eb hallproto.Error
			json.Unmarshal(b, &eb)
			if eb.Error.Message == "" || eb.Error.MessageEN == "" {
				t.Fatalf("error without messages: %s", b)
			}
		})
	}
	e.clock.add(11 * time.Minute)
	if st, b := e.call(t, "POST", "/api/v1/evaluations", "win3", `{"request_id":"late","ticket":23,"window":"3","rating":5}`); st != 409 || errCode(b) != "rating_expired" {
		t.Fatalf("late: %d %s", st, b)
	}
	if l, _ := e.svc.Ratings(Filter{}); len(l) != 0 {
		t.Fatalf("refusals stored ratings: %+v", l)
	}
}

// TestRacingEvaluators: two devices rate one service at once; exactly one
// rating is kept.
func TestRacingEvaluators(t *testing.T) {
	e := newEnv(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, refused := 0, 0
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			q := &hallproto.EvaluationRequest{RequestID: "race-" + string(rune('a'+i)), Ticket: 23, Window: "3", Rating: 4}
			b, _ := json.Marshal(q)
			_, _, err := e.svc.Rate(context.Background(), q, b, "w3")
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, ErrAlreadyRated):
				refused++
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if ok != 1 || refused != 7 {
		t.Fatalf("%d kept, %d refused", ok, refused)
	}
}

func TestListsAndFilters(t *testing.T) {
	e := newEnv(t)
	rate := func(ticket uint64, win, tok string, rating int) {
		t.Helper()
		q := &hallproto.EvaluationRequest{RequestID: "f" + win, Ticket: ticket, Window: win, Rating: rating}
		b, _ := json.Marshal(q)
		if _, _, err := e.svc.Rate(context.Background(), q, b, tok); err != nil {
			t.Fatal(err)
		}
	}
	rate(23, "3", "win3", 1)
	e.clock.add(time.Minute)
	rate(24, "4", "win4", 5)
	cases := []struct {
		query string
		want  []string // ticket numbers
	}{
		{"", []string{"A023", "B001"}},
		{"?window=4", []string{"B001"}},
		{"?service=social", []string{"A023"}},
		{"?staff=S007", []string{"B001"}},
		{"?rating=1", []string{"A023"}},
		{"?from=2026-09-18&to=2026-09-18", []string{"A023", "B001"}},
		{"?from=2026-09-19", nil},
		{"?to=2026-09-17", nil},
		{"?from=2026-09-18T10:12:30%2B08:00", []string{"B001"}},
	}
	for _, c := range cases {
		st, b := e.call(t, "GET", "/api/v1/evaluations"+c.query, "staff", "")
		if st != 200 {
			t.Fatalf("%s: %d %s", c.query, st, b)
		}
		var l hallproto.EvaluationList
		json.Unmarshal(b, &l)
		var got []string
		for _, ev := range l.Evaluations {
			got = append(got, ev.Number)
		}
		if strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("%s: got %v, want %v", c.query, got, c.want)
		}
	}
	for _, q := range []string{"?rating=9", "?from=yesterday", "?to=2026-13-01"} {
		if st, b := e.call(t, "GET", "/api/v1/evaluations"+q, "staff", ""); st != 400 {
			t.Errorf("%s: %d %s", q, st, b)
		}
	}
	if st, _ := e.call(t, "GET", "/api/v1/evaluations", "win3", ""); st != 403 {
		t.Errorf("a window device read the ratings: %d", st)
	}
	if st, _ := e.call(t, "GET", "/api/v1/evaluations/export", "audit", ""); st != 200 {
		t.Errorf("an auditor could not export: %d", st)
	}
	if st, _ := e.call(t, "PATCH", "/api/v1/followups/1", "audit", `{"note":"x"}`); st != 403 {
		t.Errorf("an auditor patched a follow-up: %d", st)
	}
	if st, b := e.call(t, "GET", "/api/v1/evaluations/config", "win3", ""); st != 200 || !strings.Contains(string(b), "等候时间长") {
		t.Errorf("config: %d %s", st, b)
	}
}

func TestFollowupLifecycle(t *testing.T) {
	e := newEnv(t)
	q := &hallproto.EvaluationRequest{RequestID: "x", Ticket: 23, Window: "3", Rating: 2, Reason: hallproto.ReasonPending}
	b, _ := json.Marshal(q)
	if _, _, err := e.svc.Rate(context.Background(), q, b, "window-3"); err != nil {
		t.Fatal(err)
	}
	st, body := e.call(t, "GET", "/api/v1/followups?overdue=1", "staff", "")
	if st != 200 || strings.Contains(string(body), `"id"`) {
		t.Fatalf("overdue before the deadline: %d %s", st, body)
	}
	st, body = e.call(t, "PATCH", "/api/v1/followups/1", "staff", `{"reason":"服务态度差","owner":"李科长"}`)
	if st != 200 {
		t.Fatalf("patch: %d %s", st, body)
	}
	if st, body = e.call(t, "PATCH", "/api/v1/followups/1", "staff", `{"status":"closed"}`); st != 409 || errCode(body) != "callback_required" {
		t.Fatalf("close without callback: %d %s", st, body)
	}
	if st, body = e.call(t, "PATCH", "/api/v1/followups/1", "win3", `{"note":"x"}`); st != 403 {
		t.Fatalf("window device patched: %d %s", st, body)
	}
	if st, body = e.call(t, "PATCH", "/api/v1/followups/9", "staff", `{"note":"x"}`); st != 404 {
		t.Fatalf("unknown follow-up: %d %s", st, body)
	}
	// Past the 15th working day (2026-10-15) it is overdue.
	e.clock.add(28 * 24 * time.Hour)
	st, body = e.call(t, "GET", "/api/v1/followups?overdue=1", "staff", "")
	var l hallproto.FollowupList
	json.Unmarshal(body, &l)
	if st != 200 || len(l.Followups) != 1 || !l.Followups[0].Overdue || l.Followups[0].Owner != "李科长" {
		t.Fatalf("overdue list: %d %s", st, body)
	}
	st, body = e.call(t, "PATCH", "/api/v1/followups/1", "staff", `{"callback_result":"已电话回访，群众满意","status":"closed"}`)
	var fu hallproto.Followup
	json.Unmarshal(body, &fu)
	if st != 200 || fu.Status != hallproto.FollowupClosed || fu.Overdue || len(fu.History) != 5 || fu.History[4].By != "manager" {
		t.Fatalf("close: %d %s", st, body)
	}
	if st, body = e.call(t, "GET", "/api/v1/followups?status=closed", "staff", ""); st != 200 || !strings.Contains(string(body), "已电话回访") {
		t.Fatalf("closed list: %d %s", st, body)
	}
	if st, _ = e.call(t, "GET", "/api/v1/followups?status=done", "staff", ""); st != 400 {
		t.Fatalf("bad status filter: %d", st)
	}
}

func TestExport(t *testing.T) {
	e := newEnv(t)
	e.hall.tickets[23].MaskedName = "=HYPERLINK(1)" // a hostile cell
	q := &hallproto.EvaluationRequest{RequestID: "x", Ticket: 23, Window: "3", Rating: 2}
	b, _ := json.Marshal(q)
	if _, _, err := e.svc.Rate(context.Background(), q, b, "window-3"); err != nil {
		t.Fatal(err)
	}
	st, body := e.call(t, "GET", "/api/v1/evaluations/export?from=2026-09-01&to=2026-09-30&format=csv", "staff", "")
	if st != 200 || !bytes.HasPrefix(body, []byte("\ufeff")) {
		t.Fatalf("csv: %d %q", st, body)
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\ufeff")))).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("csv rows %v %v", rows, err)
	}
	rec := map[string]string{}
	for i, h := range rows[0] {
		rec[h] = rows[1][i]
	}
	if rec["level"] != "2" || rec["level_name"] != "不满意" || rec["ticket"] != "A023" || rec["staff"] != "S005" ||
		rec["masked_name"] != "'=HYPERLINK(1)" || rec["reason"] != hallproto.ReasonPending || rec["followup"] != "1" ||
		rec["rated_at"] != "2026-09-18T10:12:00+08:00" {
		t.Fatalf("csv record %v", rec)
	}
	st, body = e.call(t, "GET", "/api/v1/evaluations/export?format=json", "staff", "")
	var recs []ExportRecord
	if st != 200 || json.Unmarshal(body, &recs) != nil || len(recs) != 1 || recs[0].Level != 2 || recs[0].Service != "social" {
		t.Fatalf("json: %d %s", st, body)
	}
	if st, _ = e.call(t, "GET", "/api/v1/evaluations/export?format=xml", "staff", ""); st != 400 {
		t.Fatalf("xml: %d", st)
	}
}

func TestReopenKeepsRatings(t *testing.T) {
	e := newEnv(t)
	q := &hallproto.EvaluationRequest{RequestID: "x", Ticket: 23, Window: "3", Rating: 4}
	b, _ := json.Marshal(q)
	if _, _, err := e.svc.Rate(context.Background(), q, b, "w"); err != nil {
		t.Fatal(err)
	}
	again, err := NewWithLookup(e.db, e.hall.lookup, Options{Clock: e.clock.now, Location: cst})
	if err != nil {
		t.Fatal(err)
	}
	if _, found, err := again.Rating(23); err != nil || !found {
		t.Fatalf("rating lost on reopen: %v %v", found, err)
	}
	ro, err := Open(e.db, Options{Location: cst})
	if err != nil {
		t.Fatal(err)
	}
	if l, err := ro.Summary(Filter{}); err != nil || len(l.Evaluations) != 1 || l.Counts[4] != 1 {
		t.Fatalf("read-only summary %+v %v", l, err)
	}
	fresh := &hallproto.EvaluationRequest{RequestID: "ro", Ticket: 24, Window: "4", Rating: 4}
	fb, _ := json.Marshal(fresh)
	if _, _, err := ro.Rate(context.Background(), fresh, fb, "w"); err == nil {
		t.Fatal("a read-only service rated")
	}
	q.RequestID = "y"
	b, _ = json.Marshal(q)
	if _, _, err := again.Rate(context.Background(), q, b, "w"); !errors.Is(err, ErrAlreadyRated) {
		t.Fatalf("second rating after reopen: %v", err)
	}
}

func FuzzDecodeRequest(f *testing.F) {
	for _, s := range []string{
		`{"request_id":"r1","ticket":23,"window":"3","rating":2,"reason":"等候时间长"}`,
		`{"request_id":"r1","ticket":23,"window":"3","rating":5,"case_number":"SB-0042"}`,
		`{"ticket":-1}`, `{"rating":1e99}`, `[]`, `null`, `{"request_id":"\u0000"}`, ``, `{"window":"3\n"}`,
	} {
		f.Add([]byte(s))
	}
	e := newEnv(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		q, err := DecodeRequest(b)
		if err != nil {
			var ee *Error
			if !errors.As(err, &ee) || ee.Status != 400 && ee.Status != 413 {
				t.Fatalf("decode error is not a typed 400/413: %v", err)
			}
			return
		}
		// A decoded request is either accepted or refused with a typed error.
		_, _, err = e.svc.Rate(context.Background(), q, b, "fuzz")
		var ee *Error
		if err != nil && !errors.As(err, &ee) {
			t.Fatalf("untyped refusal %v for %q", err, b)
		}
	})
}
