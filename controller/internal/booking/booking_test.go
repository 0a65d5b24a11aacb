package booking

import (
	"bytes"
	"context"
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
	"hallq/controller/internal/engine"
	"hallq/controller/internal/pii"
	"hallq/controller/internal/queue"
	"hallq/controller/internal/store"
	"hallq/controller/internal/workday"
)

var cst = time.FixedZone("CST", 8*3600)

// Monday 23 November 2026, 10:00 in the hall.
var monday = time.Date(2026, 11, 23, 10, 0, 0, 0, cst)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time)     { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }
func at(day, hm string) time.Time {
	t, _ := time.ParseInLocation("2006-01-02 15:04", day+" "+hm, cst)
	return t
}
func card(n, name string) hallproto.IDCard { return hallproto.IDCard{Number: n, Name: name} }

// Valid fictional numbers (check characters computed per GB 11643).
const (
	idA = "110101199003074514" // born 1990
	idB = "440306194901010017" // born 1949
	idC = "411502198001011232"
	idD = "110101198507150011"
	idE = "110101200001010016"
)

func hallConfig() queue.Config {
	c := queue.Config{Name: "测试大厅",
		Services: []queue.ServiceConfig{{ID: "social", Name: "社保医保", Prefix: "A"}, {ID: "tax", Name: "税务办理", Prefix: "D"}},
		Windows:  []queue.WindowConfig{{ID: "1", Name: "1号窗口", Services: []string{"social", "tax"}}},
		Hours:    queue.Hours{Timezone: "Asia/Shanghai", IssueFrom: "00:00", IssueUntil: "24:00", Close: "24:00"},
	}
	c.Defaults()
	return c
}

type env struct {
	t   testing.TB
	clk *clock
	st  *store.Store
	eng *engine.Engine
	s   *Service
}

func newEnv(t testing.TB, cfg Config) *env {
	t.Helper()
	clk := &clock{t: monday}
	st, err := store.Open(filepath.Join(t.TempDir(), "hallq.db"), &store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(hallConfig(), st, engine.Options{Clock: clk.Now, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	cfg.SweepSeconds = 3600 // tests sweep by hand
	s, err := New(Options{DB: st.DB(), Hall: eng, Config: cfg, Clock: clk.Now, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Close()
		eng.Close()
		if err := st.DB().View(func(tx *bbolt.Tx) error { return <-tx.Check() }); err != nil {
			t.Errorf("bbolt check: %v", err)
		}
		st.Close()
	})
	return &env{t, clk, st, eng, s}
}

var reqN int

func (e *env) book(service, date, slot string, c hallproto.IDCard) (hallproto.Booking, error) {
	reqN++
	return e.s.Create(context.Background(), hallproto.BookingRequest{RequestID: "r" + string(rune('a'+reqN%26)) + time.Now().Format("150405.000000000"),
		Service: service, Date: date, Slot: slot, IDCard: c}, "test")
}

func code(err error) string {
	var be *Error
	if errors.As(err, &be) {
		return be.Code
	}
	if err != nil {
		return "other:" + err.Error()
	}
	return ""
}

func TestSlotsAndRules(t *testing.T) {
	e := newEnv(t, Config{})
	r := e.s.Rules()
	want := []string{"2026-11-24", "2026-11-25", "2026-11-26", "2026-11-27", "2026-11-30"}
	if strings.Join(r.BookableDates, ",") != strings.Join(want, ",") {
		t.Fatalf("bookable dates %v, want %v", r.BookableDates, want)
	}
	if r.LapseMinutes != 30 || r.CancelBeforeMinutes != 120 || !r.OnePerPersonPerDay {
		t.Fatalf("rules %+v", r)
	}
	for _, tc := range []struct {
		date               string
		workday, bookable  bool
		slots, firstOpenAt int
	}{
		{"2026-11-24", true, true, 12, 0},
		{"2026-11-23", true, false, 12, -1}, // today: min 1 day ahead
		{"2026-11-28", false, false, 0, -1}, // Saturday
		{"2026-12-01", true, false, 12, -1}, // 6th working day
	} {
		s, err := e.s.Slots("social", tc.date)
		if err != nil {
			t.Fatal(err)
		}
		if s.Workday != tc.workday || s.Bookable != tc.bookable || len(s.Slots) != tc.slots {
			t.Errorf("%s: workday %v bookable %v slots %d", tc.date, s.Workday, s.Bookable, len(s.Slots))
			continue
		}
		if tc.slots > 0 {
			first := s.Slots[0]
			if first.Start != "09:00" || first.End != "09:30" || first.Capacity != 4 || first.Left != 4 || first.Open != (tc.firstOpenAt == 0) {
				t.Errorf("%s: first slot %+v", tc.date, first)
			}
			if s.Slots[6].Start != "13:30" {
				t.Errorf("%s: afternoon starts %s", tc.date, s.Slots[6].Start)
			}
		}
	}
	if _, err := e.s.Slots("nope", "2026-11-24"); code(err) != "unknown_service" {
		t.Errorf("unknown service: %v", err)
	}
	if _, err := e.s.Slots("social", "24.11.2026"); code(err) != "bad_date" {
		t.Errorf("bad date: %v", err)
	}
}

func TestCreateValidation(t *testing.T) {
	e := newEnv(t, Config{})
	for _, tc := range []struct {
		name, service, date, slot, number, person, phone, birth, code string
	}{
		{"ok", "social", "2026-11-24", "09:00", idA, "张三", "13812345678", "", ""},
		{"unknown service", "nope", "2026-11-24", "09:00", idB, "李四", "", "", "unknown_service"},
		{"bad date", "social", "2026-13-01", "09:00", idB, "李四", "", "", "bad_date"},
		{"weekend", "social", "2026-11-28", "09:00", idB, "李四", "", "", "not_workday"},
		{"today", "social", "2026-11-23", "15:00", idB, "李四", "", "", "out_of_booking_window"},
		{"too far", "social", "2026-12-01", "09:00", idB, "李四", "", "", "out_of_booking_window"},
		{"not a slot start", "social", "2026-11-24", "09:10", idB, "李四", "", "", "bad_slot"},
		{"lunch break", "social", "2026-11-24", "12:00", idB, "李四", "", "", "bad_slot"},
		{"check character", "social", "2026-11-24", "09:00", "110101199003074515", "李四", "", "", "bad_idcard"},
		{"short number", "social", "2026-11-24", "09:00", "11010119900307", "李四", "", "", "bad_idcard"},
		{"no name", "social", "2026-11-24", "09:00", idB, "", "", "", "bad_idcard"},
		{"markup name", "social", "2026-11-24", "09:00", idB, "<b>李四</b>", "", "", "bad_idcard"},
		{"birth mismatch", "social", "2026-11-24", "09:00", idB, "李四", "", "1950-01-01", "bad_idcard"},
		{"bad phone", "social", "2026-11-24", "09:00", idB, "李四", "12345", "", "invalid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.s.Create(context.Background(), hallproto.BookingRequest{RequestID: "v-" + tc.name, Service: tc.service,
				Date: tc.date, Slot: tc.slot, IDCard: hallproto.IDCard{Number: tc.number, Name: tc.person, BirthDate: tc.birth}, Phone: tc.phone}, "test")
			if code(err) != tc.code {
				t.Fatalf("code %q (%v), want %q", code(err), err, tc.code)
			}
			var be *Error
			if errors.As(err, &be) && (be.Message == "" || strings.Contains(be.Message+be.MessageEN, tc.number)) {
				t.Fatalf("message %q / %q empty or names the number", be.Message, be.MessageEN)
			}
		})
	}
	if _, err := e.s.Create(context.Background(), hallproto.BookingRequest{Service: "social", Date: "2026-11-24", Slot: "09:00", IDCard: card(idB, "李四")}, ""); code(err) != "invalid" {
		t.Errorf("missing request id: %v", err)
	}
}

func TestCapacityOnePerDayIdempotent(t *testing.T) {
	e := newEnv(t, Config{CapacityPerSlot: 2})
	req := hallproto.BookingRequest{RequestID: "same", Service: "social", Date: "2026-11-24", Slot: "09:00", IDCard: card(idA, "张三丰"), Phone: "13812345678"}
	a, err := e.s.Create(context.Background(), req, "kiosk-1")
	if err != nil {
		t.Fatal(err)
	}
	if a.MaskedName != "张*丰" || a.MaskedID != "1101**********4514" || a.MaskedPhone != "138****5678" || a.Status != StatusBooked || !strings.HasPrefix(a.ID, "20261124-") {
		t.Fatalf("booking %+v", a)
	}
	again, err := e.s.Create(context.Background(), req, "kiosk-1")
	if err != nil || again.ID != a.ID {
		t.Fatalf("retry: %v %v, want the same booking %s", again.ID, err, a.ID)
	}
	req.Slot = "09:30"
	if _, err := e.s.Create(context.Background(), req, "kiosk-1"); code(err) != "request_id_reused" {
		t.Fatalf("reused id: %v", err)
	}
	if _, err := e.book("tax", "2026-11-24", "14:00", card(idA, "张三丰")); code(err) != "already_booked" {
		t.Fatalf("second booking the same day: %v", err)
	}
	if _, err := e.book("tax", "2026-11-25", "14:00", card(idA, "张三丰")); err != nil {
		t.Fatalf("another day: %v", err)
	}
	if _, err := e.book("social", "2026-11-24", "09:00", card(idB, "李四")); err != nil {
		t.Fatal(err)
	}
	if _, err := e.book("social", "2026-11-24", "09:00", card(idC, "王五")); code(err) != "slot_full" {
		t.Fatalf("third in a slot of two: %v", err)
	}
	s, _ := e.s.Slots("social", "2026-11-24")
	if s.Slots[0].Left != 0 || s.Slots[0].Open || s.Slots[1].Left != 2 {
		t.Fatalf("slots after filling: %+v %+v", s.Slots[0], s.Slots[1])
	}
	if _, err := e.s.Cancel(a.ID, "有事", false); err != nil {
		t.Fatal(err)
	}
	if _, err := e.book("social", "2026-11-24", "09:00", card(idC, "王五")); err != nil {
		t.Fatalf("after a cancellation: %v", err)
	}
	list, err := e.s.List("2026-11-24", "social", "")
	if err != nil || len(list) != 3 {
		t.Fatalf("list: %d %v", len(list), err)
	}
	if l, _ := e.s.List("2026-11-24", "", StatusCancelled); len(l) != 1 || l[0].Reason != "有事" {
		t.Fatalf("cancelled list: %+v", l)
	}
	if _, err := e.s.List("2026-11-24", "", "weird"); code(err) != "invalid" {
		t.Fatalf("bad status filter: %v", err)
	}
}

func TestCancelDeadlineAndNoShow(t *testing.T) {
	e := newEnv(t, Config{})
	a, err := e.book("social", "2026-11-24", "09:00", card(idA, "张三"))
	if err != nil {
		t.Fatal(err)
	}
	e.clk.Set(at("2026-11-24", "07:30"))
	if _, err := e.s.Cancel(a.ID, "", false); code(err) != "cancel_too_late" {
		t.Fatalf("cancel 90 minutes before: %v", err)
	}
	if _, err := e.s.NoShow(a.ID, ""); code(err) != "appointment_state" {
		t.Fatalf("no-show before the slot: %v", err)
	}
	e.clk.Set(at("2026-11-24", "09:05"))
	got, err := e.s.NoShow(a.ID, "未到")
	if err != nil || got.Status != StatusNoShow {
		t.Fatalf("no-show: %+v %v", got, err)
	}
	if _, err := e.s.Cancel(a.ID, "", true); code(err) != "appointment_state" {
		t.Fatalf("cancel a no-show: %v", err)
	}
	b, _ := e.book("social", "2026-11-25", "09:00", card(idB, "李四"))
	e.clk.Set(at("2026-11-25", "08:00"))
	if _, err := e.s.Cancel(b.ID, "管理员取消", true); err != nil {
		t.Fatalf("admin override: %v", err)
	}
	if _, err := e.s.Cancel("20261125-NOPE2345", "", true); code(err) != "no_such_appointment" {
		t.Fatalf("unknown id: %v", err)
	}
}

func TestLapseSweepAndBlock(t *testing.T) {
	e := newEnv(t, Config{NoShowLimit: 2, NoShowWindowDays: 30, BlockDays: 7})
	for _, d := range []string{"2026-11-24", "2026-11-25"} {
		if _, err := e.book("social", d, "09:00", card(idA, "张三")); err != nil {
			t.Fatal(err)
		}
	}
	e.clk.Set(at("2026-11-24", "09:30"))
	if n, _, err := e.s.Sweep(); n != 0 || err != nil {
		t.Fatalf("sweep at exactly 30 minutes: %d %v", n, err)
	}
	e.clk.Set(at("2026-11-24", "09:31"))
	if n, _, err := e.s.Sweep(); n != 1 || err != nil {
		t.Fatalf("sweep after the lapse: %d %v", n, err)
	}
	e.clk.Set(at("2026-11-25", "12:00"))
	if n, _, _ := e.s.Sweep(); n != 1 {
		t.Fatalf("second lapse: %d", n)
	}
	_, err := e.book("social", "2026-11-26", "09:00", card(idA, "张三"))
	if code(err) != "booking_blocked" || !strings.Contains(err.(*Error).Message, "2026-12-03") {
		t.Fatalf("after two no-shows: %v", err)
	}
	if _, err := e.book("social", "2026-11-26", "09:00", card(idB, "李四")); err != nil {
		t.Fatalf("someone else: %v", err)
	}
	e.clk.Set(at("2026-12-03", "08:00"))
	if _, err := e.book("social", "2026-12-04", "09:00", card(idA, "张三")); err != nil {
		t.Fatalf("after the block: %v", err)
	}
}

func TestRetentionPurge(t *testing.T) {
	e := newEnv(t, Config{RetentionDays: 30})
	a, _ := e.book("social", "2026-11-24", "09:00", card(idA, "张三"))
	e.clk.Set(at("2026-12-24", "10:00"))
	if _, p, _ := e.s.Sweep(); p != 0 {
		t.Fatalf("purged %d at 30 days", p)
	}
	e.clk.Set(at("2026-12-25", "10:00"))
	if _, p, _ := e.s.Sweep(); p != 1 {
		t.Fatalf("purged %d after 30 days", p)
	}
	if _, err := e.s.Get(a.ID); code(err) != "no_such_appointment" {
		t.Fatalf("purged booking still there: %v", err)
	}
	e.st.DB().View(func(tx *bbolt.Tx) error {
		for _, b := range [][]byte{bucketAppts, bucketPersons, bucketPending} {
			if n := tx.Bucket(b).Stats().KeyN; n != 0 {
				t.Errorf("bucket %s keeps %d keys", b, n)
			}
		}
		return nil
	})
}

// TestSealedAtRest: no ID number, name or phone is in the database file.
func TestSealedAtRest(t *testing.T) {
	e := newEnv(t, Config{})
	c := hallproto.IDCard{Number: idA, Name: "欧阳娜娜"}
	if _, err := e.s.Create(context.Background(), hallproto.BookingRequest{RequestID: "x", Service: "social", Date: "2026-11-24", Slot: "09:00", IDCard: c, Phone: "13812345678"}, ""); err != nil {
		t.Fatal(err)
	}
	var all bytes.Buffer
	e.st.DB().View(func(tx *bbolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bbolt.Bucket) error {
			return b.ForEach(func(k, v []byte) error { all.Write(k); all.Write(v); return nil })
		})
	})
	for _, secret := range []string{idA, "欧阳娜娜", "13812345678", "199003074514"} {
		if bytes.Contains(all.Bytes(), []byte(secret)) {
			t.Errorf("%q stored in clear", secret)
		}
	}
	// and it opens again for a feature that needs it
	e.st.DB().View(func(tx *bbolt.Tx) error {
		return eachOfDay(tx, "2026-11-24", func(r *record) error {
			n, err := e.s.sealer.Open(r.Number, []byte(r.ID))
			if err != nil || n != idA {
				t.Errorf("open sealed number: %v", err)
			}
			return nil
		})
	})
}

func TestCheckin(t *testing.T) {
	e := newEnv(t, Config{})
	a, err := e.book("social", "2026-11-24", "09:00", card(idA, "张三"))
	if err != nil {
		t.Fatal(err)
	}
	late, _ := e.book("tax", "2026-11-24", "09:00", card(idB, "李四"))
	ci := func(id, number string) (engine.Reply, error) {
		return e.s.Checkin(context.Background(), hallproto.CheckinRequest{RequestID: id, IDCard: hallproto.IDCard{Number: number, Name: "张三"}}, "kiosk-1")
	}
	e.clk.Set(at("2026-11-24", "07:30"))
	_, err = ci("c1", idA)
	if code(err) != "appointment_early" || !strings.Contains(err.(*Error).Message, "08:00") {
		t.Fatalf("early: %v", err)
	}
	if _, err := ci("c0", idC); code(err) != "no_appointment" {
		t.Fatalf("no booking: %v", err)
	}
	if _, err := ci("c0", "123"); code(err) != "bad_idcard" {
		t.Fatalf("bad card: %v", err)
	}
	e.clk.Set(at("2026-11-24", "08:30"))
	rep, err := ci("c2", idA)
	if err != nil || rep.Status != 201 {
		t.Fatalf("check-in: %v %d %s", err, rep.Status, rep.Body)
	}
	var tk hallproto.Ticket
	json.Unmarshal(rep.Body, &tk)
	if tk.Channel != hallproto.Appointment || tk.AppointmentID != a.ID || tk.Number != "A001" || tk.MaskedName != "张*" {
		t.Fatalf("ticket %+v", tk)
	}
	again, err := ci("c2", idA)
	if err != nil || !bytes.Equal(again.Body, rep.Body) {
		t.Fatalf("retry: %v %s", err, again.Body)
	}
	if _, err := ci("c3", idA); code(err) != "already_checked_in" || !strings.Contains(err.(*Error).Message, "A001") {
		t.Fatalf("second check-in: %v", err)
	}
	got, _ := e.s.Get(a.ID)
	if got.Status != StatusCheckedIn || got.TicketNumber != "A001" || got.TicketID != tk.ID {
		t.Fatalf("booking after check-in %+v", got)
	}
	var queued bool
	e.eng.Read(context.Background(), func(h *queue.Hall, now time.Time) {
		t := h.Ticket(tk.ID)
		queued = t != nil && t.Status == queue.Waiting && t.Channel == queue.Appointment
	})
	if !queued {
		t.Fatal("the ticket is not waiting in the appointment channel")
	}
	e.clk.Set(at("2026-11-24", "09:31"))
	if _, err := e.s.Checkin(context.Background(), hallproto.CheckinRequest{RequestID: "c4", IDCard: card(idB, "李四")}, "k"); code(err) != "appointment_lapsed" {
		t.Fatalf("lapsed: %v", err)
	}
	e.s.Sweep()
	if got, _ := e.s.Get(late.ID); got.Status != StatusNoShow {
		t.Fatalf("lapsed booking: %s", got.Status)
	}
	if _, err := e.s.Checkin(context.Background(), hallproto.CheckinRequest{RequestID: "c5", IDCard: card(idB, "李四")}, "k"); code(err) != "appointment_lapsed" {
		t.Fatalf("lapsed after sweep: %v", err)
	}
}

func fakeAuth(r *http.Request) (api.Principal, bool) {
	switch r.Header.Get("Authorization") {
	case "Bearer kiosk":
		return api.Principal{Role: api.RoleKiosk, Name: "kiosk-1"}, true
	case "Bearer staff":
		return api.Principal{Role: api.RoleStaff, Name: "S001"}, true
	case "Bearer display":
		return api.Principal{Role: api.RoleDisplay, Name: "d"}, true
	}
	return api.Principal{}, false
}

func do(t testing.TB, h http.Handler, method, path, token, body string) (int, string) {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	b, _ := io.ReadAll(w.Result().Body)
	return w.Code, string(b)
}

func TestHTTP(t *testing.T) {
	e := newEnv(t, Config{})
	h := e.s.Handler(fakeAuth)
	book := `{"request_id":"h1","service":"social","date":"2026-11-24","slot":"10:00","idcard":{"number":"` + idA + `","name":"张三"}}`
	for _, tc := range []struct {
		method, path, token, body string
		status                    int
		has                       string
	}{
		{"GET", "/api/v1/appointments/rules", "", "", 401, "unauthorized"},
		{"GET", "/api/v1/appointments/rules", "display", "", 200, `"slot_minutes":30`},
		{"GET", "/api/v1/appointments/slots?service=social&date=2026-11-24", "kiosk", "", 200, `"left":4`},
		{"POST", "/api/v1/appointments", "display", book, 403, "forbidden"},
		{"POST", "/api/v1/appointments", "kiosk", book, 201, `"masked_id":"1101**********4514"`},
		{"POST", "/api/v1/appointments", "kiosk", `{"request_id":"h2","bogus":1}`, 400, "bad_json"},
		{"GET", "/api/v1/appointments?date=2026-11-24", "kiosk", "", 403, "forbidden"},
		{"GET", "/api/v1/appointments?date=2026-11-24", "staff", "", 200, `"source":"kiosk-1"`},
		{"POST", "/api/v1/appointments/20261124-XXXXXXXX/cancel", "staff", `{}`, 404, "no_such_appointment"},
		{"POST", "/api/v1/appointments/checkin", "kiosk", `{"request_id":"h3","idcard":{"number":"` + idC + `"}}`, 404, "no_appointment"},
		{"GET", "/api/v1/appointments/x/y/z", "staff", "", 404, "not_found"},
	} {
		st, body := do(t, h, tc.method, tc.path, tc.token, tc.body)
		if st != tc.status || !strings.Contains(body, tc.has) {
			t.Errorf("%s %s as %q: %d %s, want %d with %q", tc.method, tc.path, tc.token, st, body, tc.status, tc.has)
		}
		if strings.Contains(body, idA) || strings.Contains(body, "张三") {
			t.Errorf("%s %s: answer shows personal data: %s", tc.method, tc.path, body)
		}
	}
}

// FuzzCreateHTTP: any body gets a JSON answer below 500 and never panics.
func FuzzCreateHTTP(f *testing.F) {
	for _, s := range []string{
		`{"request_id":"a","service":"social","date":"2026-11-24","slot":"09:00","idcard":{"number":"` + idA + `","name":"张三"}}`,
		`{"request_id":"b","service":"social","date":"2026-11-24","slot":"9:00","idcard":{"number":"` + idA + `x","name":""}}`,
		`{"request_id":"","service":"","date":"","slot":"","idcard":{}}`,
		`{"request_id":"c","service":"social","date":"2026-02-30","slot":"24:00","idcard":{"number":"000000000000000000","name":"a"},"phone":"1"}`,
		`[]`, `null`, `{"idcard":null}`,
	} {
		f.Add(s)
	}
	e := newEnv(f, Config{})
	h := e.s.Handler(fakeAuth)
	f.Fuzz(func(t *testing.T, body string) {
		st, out := do(t, h, "POST", "/api/v1/appointments", "kiosk", body)
		if st >= 500 || !json.Valid([]byte(out)) {
			t.Fatalf("%q: %d %s", body, st, out)
		}
		st, out = do(t, h, "POST", "/api/v1/appointments/checkin", "kiosk", body)
		if st >= 500 || !json.Valid([]byte(out)) {
			t.Fatalf("checkin %q: %d %s", body, st, out)
		}
	})
}

// The hall's calendar satisfies Calendar: 2026-10-01 is National Day.
var _ Calendar = workday.Default()

func TestHolidayCalendar(t *testing.T) {
	if workday.Default().IsWorkingDay(at("2026-10-01", "10:00")) {
		t.Skip("calendar without 2026 holidays")
	}
	got := workdaysAhead(workday.Default(), at("2026-09-30", "00:00"), 1, 1)
	if len(got) != 1 || got[0].Format(time.DateOnly) != "2026-10-08" {
		t.Fatalf("first working day after 30 September: %v", got)
	}
}

// TestReconfiguredHall: a service added from the console can be booked
// without a restart.
func TestReconfiguredHall(t *testing.T) {
	e := newEnv(t, Config{})
	if _, err := e.book("permits", "2026-11-24", "09:00", card(idA, "张三")); code(err) != "unknown_service" {
		t.Fatalf("before: %v", err)
	}
	cfg := hallConfig()
	cfg.Services = append(cfg.Services, queue.ServiceConfig{ID: "permits", Name: "出入境", Prefix: "F"})
	cfg.Windows[0].Services = append(cfg.Windows[0].Services, "permits")
	rep, err := e.eng.Do(context.Background(), &engine.Command{Run: func(h *queue.Hall, now time.Time) engine.Reply {
		if err := h.Reconfigure(now, queue.ReconfigureArgs{Config: cfg, Version: 2, By: "test"}); err != nil {
			t.Error(err)
		}
		return engine.Reply{Status: 200}
	}})
	if err != nil || rep.Status != 200 {
		t.Fatal(err)
	}
	b, err := e.book("permits", "2026-11-24", "09:00", card(idA, "张三"))
	if err != nil || b.ServiceName != "出入境" {
		t.Fatalf("after: %+v %v", b, err)
	}
}

func TestLookup(t *testing.T) {
	e := newEnv(t, Config{})
	e.book("social", "2026-11-24", "13:30", card(idA, "张三"))
	e.clk.Set(at("2026-11-24", "08:00"))
	got, err := e.s.Lookup(strings.ToLower(idA))
	if err != nil || len(got) != 1 || got[0].Slot != "13:30" || got[0].MaskedID != "1101**********4514" {
		t.Fatalf("lookup: %+v %v", got, err)
	}
	if got, _ := e.s.Lookup(idB); len(got) != 0 {
		t.Fatalf("someone else: %+v", got)
	}
	if _, err := e.s.Lookup("1234"); code(err) != "bad_idcard" {
		t.Fatalf("bad number: %v", err)
	}
	st, body := do(t, e.s.Handler(fakeAuth), "POST", "/api/v1/appointments/lookup", "kiosk", `{"request_id":"l","idcard":{"number":"`+idA+`"}}`)
	if st != 200 || !strings.Contains(body, `"slot":"13:30"`) || strings.Contains(body, idA) {
		t.Fatalf("lookup over HTTP: %d %s", st, body)
	}
}

// TestKeyRotation: after adding a key, the sweep reseals old bookings with
// it, and then the old key can be removed.
func TestKeyRotation(t *testing.T) {
	k1 := pii.KeyConfig{ID: "k1", Key: "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="}
	k2 := pii.KeyConfig{ID: "k2", Key: "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI="}
	e := newEnv(t, Config{})
	open := func(keys ...pii.KeyConfig) *Service {
		s, err := New(Options{DB: e.st.DB(), Hall: e.eng, Config: Config{SweepSeconds: 3600}, PII: pii.Config{Keys: keys},
			Clock: e.clk.Now, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		return s
	}
	s1 := open(k1)
	a, err := s1.Create(context.Background(), hallproto.BookingRequest{RequestID: "k", Service: "social", Date: "2026-11-24", Slot: "09:00", IDCard: card(idA, "张三")}, "")
	if err != nil {
		t.Fatal(err)
	}
	sealedWith := func(s *Service) string {
		var kid string
		e.st.DB().View(func(tx *bbolt.Tx) error {
			r, _ := getRecord(tx, a.ID)
			kid, _ = s.sealer.KeyOf(r.Number)
			return nil
		})
		return kid
	}
	if kid := sealedWith(s1); kid != "k1" {
		t.Fatalf("sealed with %q", kid)
	}
	s2 := open(k1, k2)
	s2.Sweep()
	if kid := sealedWith(s2); kid != "k2" {
		t.Fatalf("after the sweep: sealed with %q", kid)
	}
	s3 := open(k2)
	e.st.DB().View(func(tx *bbolt.Tx) error {
		r, _ := getRecord(tx, a.ID)
		if n, err := s3.sealer.Open(r.Number, []byte(r.ID)); err != nil || n != idA {
			t.Errorf("open with the new key only: %v", err)
		}
		return nil
	})
}

// TestDemoSettings: every day, all day, from today: the demo can book a
// slot for today at any hour and check it in at once.
func TestDemoSettings(t *testing.T) {
	e2 := newEnv(t, Config{EveryDay: true, SameDay: true, Hours: []Period{{"00:00", "24:00"}}})
	e2.clk.Set(at("2026-11-28", "22:10")) // a Saturday night
	b, err := e2.book("social", "2026-11-28", "22:30", card(idA, "张三"))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := e2.s.Checkin(context.Background(), hallproto.CheckinRequest{RequestID: "d", IDCard: card(idA, "张三")}, "kiosk")
	if err != nil || rep.Status != 201 || !strings.Contains(string(rep.Body), b.ID) {
		t.Fatalf("check-in: %v %d %s", err, rep.Status, rep.Body)
	}
}
