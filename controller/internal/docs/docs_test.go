package docs_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
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

	"hallq/controller/controllertest"
	"hallq/controller/hallproto"
	"hallq/controller/internal/api"
	"hallq/controller/internal/docs"
	"hallq/controller/internal/hallconfig"
	"hallq/controller/internal/queue"
)

// page returns a small real JPEG; seed varies its content.
func page(t testing.TB, seed int) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 64, 48))
	for i := range img.Pix {
		img.Pix[i] = uint8(i*seed + seed)
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

var lim = docs.Limits{MaxPages: 3, MaxPageBytes: 8 << 10, MaxBytes: 12 << 10, MaxPixels: 10000}

func TestDecodeUpload(t *testing.T) {
	good := b64(page(t, 1))
	big := image.NewRGBA(image.Rect(0, 0, 200, 100)) // 20000 pixels, over lim
	for i := range big.Pix {
		big.Pix[i] = uint8(i)
	}
	var bigJ bytes.Buffer
	jpeg.Encode(&bigJ, big, nil)
	trunc := page(t, 2)
	trunc = trunc[:len(trunc)*2/3]
	png := []byte("\x89PNG\r\n\x1a\n....")
	for _, tc := range []struct {
		name, body string
		kind       error
	}{
		{"ticket", `{"request_id":"r1","ticket_id":7,"material":"户口簿","pages":["` + good + `"]}`, nil},
		{"idcard", `{"request_id":"r1","idcard":{"number":"11010519491231002x"},"material":"身份证复印件","pages":["` + good + `"]}`, nil},
		{"not json", `{"request_id":`, docs.ErrBadJSON},
		{"unknown field", `{"request_id":"r1","ticket_id":7,"material":"x","pages":["` + good + `"],"extra":1}`, docs.ErrBadJSON},
		{"trailing", `{"request_id":"r1","ticket_id":7,"material":"x","pages":["` + good + `"]} {}`, docs.ErrBadJSON},
		{"no request id", `{"ticket_id":7,"material":"x","pages":["` + good + `"]}`, docs.ErrBadRequestID},
		{"no binding", `{"request_id":"r1","material":"x","pages":["` + good + `"]}`, docs.ErrBinding},
		{"both bindings", `{"request_id":"r1","ticket_id":7,"idcard":{"number":"1"},"material":"x","pages":["` + good + `"]}`, docs.ErrBinding},
		{"empty number", `{"request_id":"r1","idcard":{"number":" "},"material":"x","pages":["` + good + `"]}`, docs.ErrBinding},
		{"no material", `{"request_id":"r1","ticket_id":7,"material":" ","pages":["` + good + `"]}`, docs.ErrMaterial},
		{"long material", `{"request_id":"r1","ticket_id":7,"material":"` + strings.Repeat("材", 33) + `","pages":["` + good + `"]}`, docs.ErrMaterial},
		{"control in material", `{"request_id":"r1","ticket_id":7,"material":"a\u0007","pages":["` + good + `"]}`, docs.ErrMaterial},
		{"no pages", `{"request_id":"r1","ticket_id":7,"material":"x","pages":[]}`, docs.ErrNoPages},
		{"too many pages", `{"request_id":"r1","ticket_id":7,"material":"x","pages":["` + strings.Repeat(good+`","`, 3) + good + `"]}`, docs.ErrTooLarge},
		{"bad base64", `{"request_id":"r1","ticket_id":7,"material":"x","pages":["***"]}`, docs.ErrBadPage},
		{"png", `{"request_id":"r1","ticket_id":7,"material":"x","pages":["` + b64(png) + `"]}`, docs.ErrBadPage},
		{"truncated jpeg", `{"request_id":"r1","ticket_id":7,"material":"x","pages":["` + b64(trunc) + `"]}`, docs.ErrBadPage},
		{"too many pixels", `{"request_id":"r1","ticket_id":7,"material":"x","pages":["` + b64(bigJ.Bytes()) + `"]}`, docs.ErrBadPage},
		{"page too big", `{"request_id":"r1","ticket_id":7,"material":"x","pages":["` + b64(make([]byte, 9<<10)) + `"]}`, docs.ErrTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, err := docs.DecodeUpload([]byte(tc.body), lim)
			if tc.kind == nil {
				if err != nil {
					t.Fatal(err)
				}
				if len(u.Pages) != 1 || u.Material == "" {
					t.Fatalf("%+v", u)
				}
				return
			}
			var e *docs.Error
			if !errors.Is(err, tc.kind) || !errors.As(err, &e) || e.Message == "" || e.Status() == 0 {
				t.Fatalf("err %v, want %v with a Chinese message", err, tc.kind)
			}
		})
	}
}

func FuzzDecodeUpload(f *testing.F) {
	good := b64(page(f, 1))
	f.Add([]byte(`{"request_id":"r1","ticket_id":7,"material":"户口簿","pages":["` + good + `"]}`))
	f.Add([]byte(`{"request_id":"r1","idcard":{"number":"11010519491231002X"},"material":"x","pages":["` + good + `","` + good + `"]}`))
	f.Add([]byte(`{"request_id":"r1","ticket_id":7,"material":"x","pages":["/9j/4AAQ"]}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		u, err := docs.DecodeUpload(b, lim)
		if err != nil {
			var e *docs.Error
			if !errors.As(err, &e) || e.Status() == 0 || e.Code() == "" || e.Message == "" {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if len(u.Pages) == 0 || len(u.Pages) > lim.MaxPages || (u.TicketID == 0) == (u.IDNumber == "") {
			t.Fatalf("accepted %+v", u)
		}
	})
}

// fakeHall serves a queue.Hall built from the demo configuration.
type fakeHall struct {
	mu  sync.Mutex
	h   *queue.Hall
	now time.Time
}

func (f *fakeHall) Read(ctx context.Context, fn func(*queue.Hall, time.Time)) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f.h, f.now)
	return nil
}

// TestPurge: documents go after their retention, with their pages,
// indexes and request records; younger ones stay.
func TestPurge(t *testing.T) {
	file, err := hallconfig.Demo()
	if err != nil {
		t.Fatal(err)
	}
	h, err := queue.New(file.Hall, []byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	fh := &fakeHall{h: h, now: now}
	db, err := bbolt.Open(filepath.Join(t.TempDir(), "hall.db"), 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	defer db.View(func(tx *bbolt.Tx) error {
		for err := range tx.Check() {
			t.Errorf("bbolt check: %v", err)
		}
		return nil
	})
	clock := now
	s, err := docs.New(db, fh, docs.Options{Config: docs.Config{RetentionDays: 30}, Clock: func() time.Time { return clock },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Authn:  func(*http.Request) (api.Principal, bool) { return api.Principal{Role: api.RoleKiosk, Name: "k"}, true }})
	if err != nil {
		t.Fatal(err)
	}
	tk, err := h.Issue(now, queue.IssueArgs{Service: "social"})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range h.TakeEvents() {
		h.Apply(e)
	}
	post := func(u hallproto.DocumentUpload) (int, hallproto.Document) {
		b, _ := json.Marshal(u)
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest("POST", "/api/v1/documents", bytes.NewReader(b)))
		var d hallproto.Document
		json.Unmarshal(rec.Body.Bytes(), &d)
		return rec.Code, d
	}
	upOld := hallproto.DocumentUpload{RequestID: "a", TicketID: tk.ID, Material: "户口簿", Pages: []string{b64(page(t, 1)), b64(page(t, 2))}}
	if st, _ := post(upOld); st != 201 {
		t.Fatalf("old: %d", st)
	}
	clock = clock.AddDate(0, 0, 20)
	st, young := post(hallproto.DocumentUpload{RequestID: "b", IDCard: &hallproto.IDCard{Number: "11010519491231002X"},
		Material: "身份证复印件", Pages: []string{b64(page(t, 3))}})
	if st != 201 || !young.BoundToPerson {
		t.Fatalf("young: %d %+v", st, young)
	}
	person := ""
	db.View(func(tx *bbolt.Tx) error {
		tx.Bucket([]byte("docs_by_person")).ForEach(func(k, v []byte) error { person = string(k[:len(k)-8]); return nil })
		return nil
	})
	if len(person) != 32 || strings.Contains(person, "1101") {
		t.Fatalf("person key %q", person)
	}
	clock = clock.AddDate(0, 0, 11) // old is 31 days old, young 11
	l, _ := s.List(tk.ID, person)
	if len(l.Documents) != 1 || l.Documents[0].ID != young.ID {
		t.Fatalf("before the purge, expired documents are hidden: %+v", l.Documents)
	}
	n, err := s.Purge(clock)
	if err != nil || n != 1 {
		t.Fatalf("purged %d, %v", n, err)
	}
	for _, c := range []struct {
		b    string
		want int
	}{{"docs_docs", 1}, {"docs_pages", 1}, {"docs_by_ticket", 0}, {"docs_by_person", 1}, {"docs_requests", 1}} {
		got := -1
		db.View(func(tx *bbolt.Tx) error { got = tx.Bucket([]byte(c.b)).Stats().KeyN; return nil })
		if got != c.want {
			t.Errorf("%s: %d keys, want %d", c.b, got, c.want)
		}
	}
	// The purged document's request id is forgotten too: a retry of it
	// stores a new document rather than pointing at a purged one.
	fh.mu.Lock()
	fh.h.Tick(clock)
	fh.mu.Unlock()
	if st, d := post(upOld); st == 201 && d.ID == 1 {
		t.Errorf("retry after purge answered the purged document")
	}
}

// hallWithTokens starts a real controller with a token per role.
func hallWithTokens(t *testing.T) *controllertest.Controller {
	y := string(hallconfig.DemoYAML())
	toks := `tokens:
  - {token: "docs-kiosk-token-0001", role: kiosk, name: kiosk-01}
  - {token: "docs-window-1-token-01", role: window, window: "1", name: window-1}
  - {token: "docs-window-2-token-01", role: window, window: "2", name: window-2}
  - {token: "docs-staff-token-00001", role: staff, name: S001}
  - {token: "docs-display-token-001", role: display, name: display-1}
`
	if !strings.Contains(y, "\ntokens: []") {
		t.Fatal("demo.yaml has no empty token list to replace")
	}
	y = strings.Replace(y, "\ntokens: []", "\n"+toks, 1)
	return controllertest.Start(t, &controllertest.Options{ConfigYAML: y})
}

type client struct {
	t     *testing.T
	base  string
	token string
}

func (c client) do(method, path string, in any, out any) (int, []byte) {
	c.t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, body)
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(raw, out); err != nil {
			c.t.Fatalf("%s %s: %v: %s", method, path, err, raw)
		}
	}
	return resp.StatusCode, raw
}

func wantErr(t *testing.T, what string, status int, raw []byte, wantStatus int, code string) {
	t.Helper()
	var e hallproto.Error
	json.Unmarshal(raw, &e)
	if status != wantStatus || e.Error.Code != code || e.Error.Message == "" {
		t.Errorf("%s: %d %s, want %d %s with a Chinese message", what, status, raw, wantStatus, code)
	}
}

// TestDocumentsAPI: the routes as mounted in the real controller, with the
// role rules: kiosks upload, the window that called the ticket lists and
// views, other windows do not.
func TestDocumentsAPI(t *testing.T) {
	ctl := hallWithTokens(t)
	kiosk := client{t, ctl.URL, "docs-kiosk-token-0001"}
	w1 := client{t, ctl.URL, "docs-window-1-token-01"}
	w2 := client{t, ctl.URL, "docs-window-2-token-01"}
	staff := client{t, ctl.URL, "docs-staff-token-00001"}
	display := client{t, ctl.URL, "docs-display-token-001"}

	card := &hallproto.IDCard{Number: "11010519491231002X", Name: "张三"}
	// Pages bound to the person first (a previous visit), then a ticket
	// taken with the same card.
	p1, p2, p3 := page(t, 1), page(t, 2), page(t, 3)
	var byPerson hallproto.Document
	if st, raw := kiosk.do("POST", "/api/v1/documents", hallproto.DocumentUpload{RequestID: "k-1", IDCard: &hallproto.IDCard{Number: card.Number},
		Material: "身份证复印件", Pages: []string{b64(p1)}}, &byPerson); st != 201 || !byPerson.BoundToPerson {
		t.Fatalf("upload by person: %d %s", st, raw)
	}
	var tk hallproto.Ticket
	if st, raw := kiosk.do("POST", "/api/v1/tickets", hallproto.IssueRequest{RequestID: "k-2", Service: "social", IDCard: card}, &tk); st != 201 {
		t.Fatalf("issue: %d %s", st, raw)
	}
	up := hallproto.DocumentUpload{RequestID: "k-3", TicketID: tk.ID, Material: "户口簿", Pages: []string{b64(p2), b64(p3)}}
	var byTicket hallproto.Document
	if st, raw := kiosk.do("POST", "/api/v1/documents", up, &byTicket); st != 201 || byTicket.Pages != 2 || byTicket.TicketID != tk.ID {
		t.Fatalf("upload by ticket: %d %s", st, raw)
	}
	// A retry answers the same document; the same id with other pages is refused.
	var again hallproto.Document
	if st, _ := kiosk.do("POST", "/api/v1/documents", up, &again); st != 201 || again.ID != byTicket.ID {
		t.Errorf("retry: %d, doc %d want %d", st, again.ID, byTicket.ID)
	}
	up2 := up
	up2.Pages = up.Pages[:1]
	st, raw := kiosk.do("POST", "/api/v1/documents", up2, nil)
	wantErr(t, "reused request id", st, raw, 409, "request_id_reused")

	// Window 1 calls the ticket.
	if st, raw := w1.do("POST", "/api/v1/windows/1/login", hallproto.ActionRequest{RequestID: "w-1", Staff: "S001"}, nil); st != 200 {
		t.Fatalf("login: %d %s", st, raw)
	}
	if st, raw := w1.do("POST", "/api/v1/windows/1/call", hallproto.ActionRequest{RequestID: "w-2", Ticket: tk.ID}, nil); st != 200 {
		t.Fatalf("call: %d %s", st, raw)
	}
	var list hallproto.DocumentList
	path := fmt.Sprintf("/api/v1/tickets/%d/documents", tk.ID)
	if st, raw := w1.do("GET", path, nil, &list); st != 200 || len(list.Documents) != 2 ||
		list.Documents[0].ID != byTicket.ID || list.Documents[1].ID != byPerson.ID {
		t.Fatalf("window 1 list: %d %s", st, raw)
	}
	if strings.Contains(string(raw), card.Number) || strings.Contains(string(raw), "person\"") {
		t.Errorf("list leaks the person: %s", raw)
	}
	st, raw = w2.do("GET", path, nil, nil)
	wantErr(t, "window 2 list", st, raw, 403, "forbidden")
	st, raw = display.do("GET", path, nil, nil)
	wantErr(t, "display list", st, raw, 403, "forbidden")
	st, raw = staff.do("GET", "/api/v1/tickets/999999/documents", nil, nil)
	wantErr(t, "unknown ticket", st, raw, 404, "unknown_ticket")

	pagePath := func(doc uint64, n int, ticket uint64) string {
		p := fmt.Sprintf("/api/v1/documents/%d/pages/%d", doc, n)
		if ticket != 0 {
			p += fmt.Sprintf("?ticket=%d", ticket)
		}
		return p
	}
	for _, c := range []struct {
		who         client
		doc         uint64
		n           int
		ticket      uint64
		want        []byte
		status      int
		code, label string
	}{
		{w1, byTicket.ID, 2, tk.ID, p3, 200, "", "window 1, page 2 of the ticket's document"},
		{w1, byPerson.ID, 1, tk.ID, p1, 200, "", "window 1, the holder's document"},
		{staff, byTicket.ID, 1, 0, p2, 200, "", "staff"},
		{w1, byTicket.ID, 1, 0, nil, 403, "forbidden", "window without ticket"},
		{w2, byTicket.ID, 1, tk.ID, nil, 403, "forbidden", "window 2"},
		{w1, byTicket.ID, 3, tk.ID, nil, 404, "not_found", "no page 3"},
		{staff, 999, 1, 0, nil, 404, "not_found", "no document"},
		{kiosk, byTicket.ID, 1, 0, nil, 403, "forbidden", "kiosk"},
	} {
		st, raw := c.who.do("GET", pagePath(c.doc, c.n, c.ticket), nil, nil)
		if c.want != nil {
			if st != 200 || !bytes.Equal(raw, c.want) {
				t.Errorf("%s: %d, %d bytes", c.label, st, len(raw))
			}
			continue
		}
		wantErr(t, c.label, st, raw, c.status, c.code)
	}

	// Bad uploads through the API.
	st, raw = kiosk.do("POST", "/api/v1/documents", hallproto.DocumentUpload{RequestID: "k-4", TicketID: 999999, Material: "x", Pages: []string{b64(p1)}}, nil)
	wantErr(t, "unknown ticket upload", st, raw, 404, "unknown_ticket")
	st, raw = kiosk.do("POST", "/api/v1/documents", hallproto.DocumentUpload{RequestID: "k-5", IDCard: &hallproto.IDCard{Number: "110105194912310021"},
		Material: "x", Pages: []string{b64(p1)}}, nil)
	wantErr(t, "bad check digit", st, raw, 400, "bad_idcard")
	st, raw = kiosk.do("POST", "/api/v1/documents", hallproto.DocumentUpload{RequestID: "k-6", TicketID: tk.ID, Material: "x", Pages: []string{b64(p1[:100])}}, nil)
	wantErr(t, "truncated page", st, raw, 400, "bad_page")
	st, raw = w1.do("POST", "/api/v1/documents", up, nil)
	wantErr(t, "window uploads", st, raw, 403, "forbidden")
	st, _ = client{t, ctl.URL, "nope-nope-nope-nope"}.do("POST", "/api/v1/documents", up, nil)
	if st != 401 {
		t.Errorf("no token: %d", st)
	}
}

// TestDocumentsTooLarge: the body limit answers 413 before decoding.
func TestDocumentsTooLarge(t *testing.T) {
	ctl := hallWithTokens(t)
	kiosk := client{t, ctl.URL, "docs-kiosk-token-0001"}
	huge := strings.Repeat("A", (docs.DefaultConfig.MaxUploadMB<<20)/3*4+128<<10)
	st, raw := kiosk.do("POST", "/api/v1/documents", map[string]any{"request_id": "k-1", "ticket_id": 1, "material": "x", "pages": []string{huge}}, nil)
	wantErr(t, "huge body", st, raw, 413, "too_large")
}
