package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"go.etcd.io/bbolt"

	"hallq/controller/hallproto"
	"hallq/controller/internal/api"
	"hallq/controller/internal/queue"
	"hallq/controller/internal/store"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func smallHall() queue.Config {
	c := queue.Config{Name: "小厅",
		Services: []queue.ServiceConfig{{ID: "social", Name: "社保医保", Prefix: "A"}, {ID: "tax", Name: "税务办理", Prefix: "D"}},
		Windows:  []queue.WindowConfig{{ID: "1", Name: "1号窗口", Services: []string{"social", "tax"}}, {ID: "2", Name: "2号窗口", Services: []string{"tax"}}},
		Hours:    queue.Hours{Timezone: "Asia/Shanghai", IssueFrom: "08:30", IssueUntil: "16:30", Close: "17:00"},
	}
	c.Defaults()
	return c
}

func tm(hm string) time.Time {
	t, _ := time.ParseInLocation("2006-01-02 15:04", "2026-11-23 "+hm, cst)
	return t
}

// scripted writes a day whose figures are worked out by hand in
// TestScriptedDay.
func scripted(t *testing.T) *bbolt.DB {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "hallq.db"), &store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h, err := queue.New(smallHall(), st.PersonKey())
	if err != nil {
		t.Fatal(err)
	}
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(nil, h.Login(tm("08:30"), "1", "S001"))
	must(nil, h.Login(tm("08:30"), "2", "S002"))
	must(h.Issue(tm("09:00"), queue.IssueArgs{Service: "social"}))    // A001
	must(h.Issue(tm("09:10"), queue.IssueArgs{Service: "social"}))    // A002
	must(h.Issue(tm("09:12"), queue.IssueArgs{Service: "tax"}))       // D001
	must(h.Call(tm("09:15"), "2", queue.CallArgs{}))                  // D001 waited 3 min at window 2
	must(h.Call(tm("09:20"), "1", queue.CallArgs{Service: "social"})) // A001 waited 20 min
	must(h.Start(tm("09:21"), "1"))
	must(h.Finish(tm("09:31"), "1", "办结", ""))                        // 10 min
	must(h.Finish(tm("09:45"), "2", "办结", ""))                        // never started: 30 min from the call
	must(nil, h.HandOver(tm("09:45"), "2", "S003"))                   // S002 1.25 h, S003 until closing (17:00), 7.25 h
	must(h.Call(tm("09:50"), "1", queue.CallArgs{Service: "social"})) // A002 waited 40 min
	must(h.Recall(tm("09:52"), "1"))
	must(h.NoShow(tm("09:55"), "1"))
	must(h.Issue(tm("10:00"), queue.IssueArgs{Service: "tax"})) // D002, cancelled while waiting
	must(h.Cancel(tm("10:05"), "2", 4, "citizen left"))
	must(nil, h.Logout(tm("10:30"), "1")) // S001 logged in 2 h
	if err := st.Commit(&store.Batch{Events: h.TakeEvents()}); err != nil {
		t.Fatal(err)
	}
	return st.DB()
}

func ratings(from, to time.Time) ([]hallproto.Evaluation, error) {
	return []hallproto.Evaluation{
		{Service: "social", Window: "1", Staff: "S001", Rating: 5, RatedAt: tm("09:32")},
		{Service: "tax", Window: "2", Staff: "S002", Rating: 2, RatedAt: tm("09:46")},
		{Service: "tax", Window: "2", Staff: "S002", Rating: 4, RatedAt: tm("09:47")},
	}, nil
}

func src(db *bbolt.DB) Source {
	return Source{DB: db, Hall: smallHall(), Loc: cst, Ratings: ratings, Now: tm("23:00")}
}

func TestScriptedDay(t *testing.T) {
	db := scripted(t)
	rep, err := Generate(src(db), Query{Period: "day", From: tm("12:00"), By: "service"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.From != "2026-11-23" || rep.Until != "2026-11-23" || len(rep.Rows) != 2 || len(rep.Days) != 1 {
		t.Fatalf("report %+v", rep)
	}
	soc, tax, tot := rep.Rows[0], rep.Rows[1], rep.Total
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"social issued", float64(soc.Issued), 2}, {"social called", float64(soc.Called), 2},
		{"social served", float64(soc.Served), 1}, {"social no-shows", float64(soc.NoShows), 1},
		{"social wait mean", soc.WaitMean, 30 * 60}, {"social wait p90", soc.WaitP90, 40 * 60},
		{"social wait max", soc.WaitMax, 40 * 60}, {"social within 30", soc.Within30, 0.5},
		{"social service mean", soc.ServiceMean, 10 * 60},
		{"tax issued", float64(tax.Issued), 2}, {"tax cancelled", float64(tax.Cancelled), 1},
		{"tax wait", tax.WaitMean, 3 * 60}, {"tax service", tax.ServiceMean, 30 * 60},
		{"tax satisfaction", tax.Satisfaction, 0.5}, {"tax ratings", float64(tax.RatingCount), 2},
		{"total issued", float64(tot.Issued), 4}, {"total served", float64(tot.Served), 2},
		{"total within 30", tot.Within30, 0.6667}, {"total satisfaction", tot.Satisfaction, 0.6667},
		{"total serving", tot.ServingSeconds, 40 * 60},
		{"total logged in", tot.LoggedInSeconds, (2 + 1 + 7.5) * 3600},
		{"day issued", float64(rep.Days[0].Issued), 4},
	} {
		if c.got != c.want {
			t.Errorf("%s: %v, want %v", c.name, c.got, c.want)
		}
	}
	win, err := Generate(src(db), Query{Period: "day", From: tm("12:00"), By: "window"})
	if err != nil {
		t.Fatal(err)
	}
	w1, w2 := win.Rows[0], win.Rows[1]
	if w1.Name != "1号窗口" || w1.Issued != 2 || w1.Served != 1 || w1.LoggedInSeconds != 7200 || w1.Utilisation != 0.0833 {
		t.Errorf("window 1: %+v", w1)
	}
	if w2.Issued != 1 || w2.LoggedInSeconds != 8.5*3600 || w2.Ratings[2] != 1 || w2.Ratings[4] != 1 {
		t.Errorf("window 2: %+v", w2)
	}
	staff, err := Generate(src(db), Query{Period: "day", From: tm("12:00"), By: "staff"})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, r := range staff.Rows {
		keys = append(keys, r.Key)
	}
	if strings.Join(keys, ",") != "S001,S002,S003" || staff.Rows[1].LoggedInSeconds != 1.25*3600 || staff.Rows[2].LoggedInSeconds != 7.25*3600 {
		t.Errorf("staff rows %+v", staff.Rows)
	}
	// The next day has nothing, and a day before the log neither.
	next, _ := Generate(src(db), Query{Period: "day", From: tm("12:00").AddDate(0, 0, 1), By: "service"})
	if next.Total.Issued != 0 || next.Total.Called != 0 {
		t.Errorf("next day %+v", next.Total)
	}
}

func TestRanges(t *testing.T) {
	for _, tc := range []struct{ period, day, from, until string }{
		{"day", "2026-11-23", "2026-11-23", "2026-11-24"},
		{"week", "2026-11-26", "2026-11-23", "2026-11-30"},
		{"week", "2026-11-29", "2026-11-23", "2026-11-30"}, // Sunday ends the week
		{"month", "2026-02-14", "2026-02-01", "2026-03-01"},
	} {
		d, _ := time.ParseInLocation(time.DateOnly, tc.day, cst)
		a, b, err := Query{Period: tc.period, From: d}.Range(cst)
		if err != nil || a.Format(time.DateOnly) != tc.from || b.Format(time.DateOnly) != tc.until {
			t.Errorf("%s of %s: %v-%v %v", tc.period, tc.day, a, b, err)
		}
	}
	if _, _, err := (Query{Period: "year"}).Range(cst); !errors.Is(err, ErrBadQuery) {
		t.Errorf("year: %v", err)
	}
}

func TestExports(t *testing.T) {
	db := scripted(t)
	rep, err := Generate(src(db), Query{Period: "day", From: tm("12:00"), By: "service"})
	if err != nil {
		t.Fatal(err)
	}
	var csvOut bytes.Buffer
	if err := WriteCSV(&csvOut, rep); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(csvOut.Bytes(), []byte("\xEF\xBB\xBF")) {
		t.Error("CSV without a byte order mark")
	}
	golden := filepath.Join("testdata", "day_by_service.csv")
	if *update {
		os.MkdirAll("testdata", 0o755)
		os.WriteFile(golden, csvOut.Bytes(), 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(csvOut.Bytes(), want) {
		t.Errorf("CSV differs from %s (go test -update to accept):\n%s", golden, csvOut.String())
	}
	var x bytes.Buffer
	if err := WriteXLSX(&x, rep); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&x)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for cell, want := range map[string]string{"A1": Title(rep), "C2": "取号量", "B3": "社保医保", "C3": "2", "B5": "合计", "C5": "4", "X5": "66.7%"} {
		got, err := f.GetCellValue("按业务", cell)
		if err != nil || got != want {
			t.Errorf("xlsx %s: %q %v, want %q", cell, got, err, want)
		}
	}
	if got, _ := f.GetCellValue("按日", "A3"); got != "2026-11-23" {
		t.Errorf("xlsx day sheet A3: %q", got)
	}
}

func TestCSVSafe(t *testing.T) {
	for in, want := range map[string]string{"=cmd": "'=cmd", "+1": "'+1", "-": "-", "S001": "S001", "": ""} {
		if got := csvSafe(in); got != want {
			t.Errorf("csvSafe(%q) = %q, want %q", in, got, want)
		}
	}
}

func testService(db *bbolt.DB) *Service {
	return New(Options{DB: db, Hall: func() (queue.Config, *time.Location) { return smallHall(), cst },
		Clock: func() time.Time { return tm("23:00") }, Ratings: ratings,
		Authn: func(r *http.Request) (api.Principal, bool) {
			switch r.Header.Get("Authorization") {
			case "Bearer staff":
				return api.Principal{Role: api.RoleStaff}, true
			case "Bearer kiosk":
				return api.Principal{Role: api.RoleKiosk}, true
			case "Bearer auditor":
				return api.Principal{Role: api.RoleAuditor}, true
			}
			return api.Principal{}, false
		}})
}

func get(h http.Handler, path, token string) (int, http.Header, []byte) {
	r := httptest.NewRequest("GET", path, nil)
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	b, _ := io.ReadAll(w.Result().Body)
	return w.Code, w.Header(), b
}

func TestHTTP(t *testing.T) {
	h := testService(scripted(t)).Handler()
	for _, tc := range []struct {
		path, token string
		status      int
		ctype, has  string
	}{
		{"/api/v1/reports", "", 401, "application/json", "unauthorized"},
		{"/api/v1/reports", "kiosk", 403, "application/json", "forbidden"},
		{"/api/v1/reports?period=day&from=2026-11-23", "auditor", 200, "application/json", `"issued":4`},
		{"/api/v1/reports?period=day&from=2026-11-23", "staff", 200, "application/json", `"issued":4`},
		{"/api/v1/reports?period=week&from=2026-11-25&by=window", "staff", 200, "application/json", `"name":"1号窗口"`},
		{"/api/v1/reports?period=month&from=2026-11-01&format=csv", "staff", 200, "text/csv", "取号量"},
		{"/api/v1/reports?period=month&from=2026-11-01&format=xlsx", "staff", 200, "spreadsheetml", "PK"},
		{"/api/v1/reports?period=year", "staff", 400, "application/json", "bad_query"},
		{"/api/v1/reports?by=person", "staff", 400, "application/json", "bad_query"},
		{"/api/v1/reports?from=23.11.2026", "staff", 400, "application/json", "bad_date"},
		{"/api/v1/reports?format=pdf", "staff", 400, "application/json", "bad_format"},
	} {
		st, hdr, body := get(h, tc.path, tc.token)
		if st != tc.status || !strings.Contains(hdr.Get("Content-Type"), tc.ctype) || !bytes.Contains(body, []byte(tc.has)) {
			t.Errorf("%s: %d %s %.80q, want %d %s with %q", tc.path, st, hdr.Get("Content-Type"), body, tc.status, tc.ctype, tc.has)
		}
	}
	_, _, body := get(h, "/api/v1/reports?period=day&from=2026-11-23", "staff")
	var rep hallproto.Report
	if err := json.Unmarshal(body, &rep); err != nil || !rep.RatingsKnown || rep.Total.RatingCount != 3 {
		t.Errorf("json report: %v %+v", err, rep.Total)
	}
}

// FuzzQuery: any query string answers with a status below 500.
func FuzzQuery(f *testing.F) {
	for _, s := range []string{"period=day&from=2026-11-23", "period=week&by=staff&format=csv", "period=month&format=xlsx&from=2026-02-29", "from=0000-01-01", "period=%00"} {
		f.Add(s)
	}
	st, err := store.Open(filepath.Join(f.TempDir(), "hallq.db"), &store.Options{NoSync: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	h := testService(st.DB()).Handler()
	f.Fuzz(func(t *testing.T, q string) {
		if st, _, body := get(h, "/api/v1/reports?"+q, "staff"); st >= 500 {
			t.Fatalf("%q: %d %s", q, st, body)
		}
	})
}
