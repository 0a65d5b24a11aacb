package api

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"hallq/controller/hallproto"
	"hallq/controller/internal/store"
)

func TestIssueAndCallOverHTTP(t *testing.T) {
	r := newRig(t, hallConfig(2), "")
	r.login(t, 2)
	a := r.issue(t, "social")
	if a.Number != "A0001" || a.Status != hallproto.Waiting || a.ServiceName != "社保" {
		t.Fatalf("issued %+v", a)
	}
	code, body := r.act(t, "1", "call", hallproto.ActionRequest{})
	var c hallproto.Ticket
	json.Unmarshal(body, &c)
	if code != 200 || c.ID != a.ID || c.Status != hallproto.Called || c.Window != "1" {
		t.Fatalf("call: %d %s", code, body)
	}
	if code, _ := r.act(t, "2", "call", hallproto.ActionRequest{}); code != 204 {
		t.Fatalf("call with nothing waiting: %d, want 204", code)
	}
	if code, body := r.act(t, "1", "finish", hallproto.ActionRequest{Outcome: "办结", CaseNumber: "X-1"}); code != 200 {
		t.Fatalf("finish: %d %s", code, body)
	}
	code, body = r.do("GET", fmt.Sprintf("/api/v1/tickets/%d", a.ID), "display-token-0123456789", nil)
	json.Unmarshal(body, &c)
	if code != 200 || c.Status != hallproto.Done || c.CaseNumber != "X-1" {
		t.Fatalf("get: %d %s", code, body)
	}
}

func TestBadInputLeavesStateUnchanged(t *testing.T) {
	r := newRig(t, hallConfig(2), "")
	r.login(t, 1)
	r.issue(t, "social")
	before := r.eng.Hub().Last()
	big := `{"request_id":"x","service":"` + strings.Repeat("a", MaxBody) + `"}`
	cases := []struct {
		name, method, path, token string
		body                      any
		status                    int
		code                      string
	}{
		{"malformed json", "POST", "/api/v1/tickets", adminToken, `{"service":`, 400, "bad_json"},
		{"unknown field", "POST", "/api/v1/tickets", adminToken, `{"request_id":"a","service":"social","vip":true}`, 400, "bad_json"},
		{"trailing data", "POST", "/api/v1/tickets", adminToken, `{"request_id":"a","service":"social"} {}`, 400, "bad_json"},
		{"no request id", "POST", "/api/v1/tickets", adminToken, `{"service":"social"}`, 400, "bad_request_id"},
		{"oversized", "POST", "/api/v1/tickets", adminToken, big, 413, "body_too_large"},
		{"unknown service", "POST", "/api/v1/tickets", adminToken, `{"request_id":"b","service":"nope"}`, 404, "unknown_service"},
		{"bad channel", "POST", "/api/v1/tickets", adminToken, `{"request_id":"c","service":"social","channel":"vip"}`, 400, "bad_channel"},
		{"bad id card", "POST", "/api/v1/tickets", adminToken, `{"request_id":"d","service":"social","idcard":{"number":"110105194912310021"}}`, 400, "bad_idcard"},
		{"green from kiosk", "POST", "/api/v1/tickets", "kiosk-token-0123456789", `{"request_id":"e","service":"social","channel":"green"}`, 409, "green_needs_staff"},
		{"no token", "POST", "/api/v1/tickets", "", `{"request_id":"f","service":"social"}`, 401, "unauthorized"},
		{"wrong token", "POST", "/api/v1/tickets", "nope-nope-nope-nope", `{"request_id":"f","service":"social"}`, 401, "unauthorized"},
		{"display may not issue", "POST", "/api/v1/tickets", "display-token-0123456789", `{"request_id":"g","service":"social"}`, 403, "forbidden"},
		{"window token elsewhere", "POST", "/api/v1/windows/2/call", "window1-token-0123456789", `{"request_id":"h"}`, 403, "forbidden"},
		{"unknown window", "POST", "/api/v1/windows/99/call", adminToken, `{"request_id":"i"}`, 404, "unknown_window"},
		{"unknown action", "POST", "/api/v1/windows/1/dance", adminToken, `{"request_id":"j"}`, 404, "unknown_action"},
		{"finish never called", "POST", "/api/v1/windows/1/finish", adminToken, `{"request_id":"k"}`, 409, "no_current_ticket"},
		{"call at closed window", "POST", "/api/v1/windows/2/call", adminToken, `{"request_id":"l"}`, 409, "not_logged_in"},
		{"bad ticket id", "GET", "/api/v1/tickets/abc", adminToken, nil, 400, "bad_ticket_id"},
		{"unknown ticket", "GET", "/api/v1/tickets/999", adminToken, nil, 404, "unknown_ticket"},
		{"bad since", "GET", "/api/v1/events?since=-1", adminToken, nil, 400, "bad_since"},
		{"since in the future", "GET", "/api/v1/events?since=99999", adminToken, nil, 400, "bad_since"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, body := r.do(c.method, c.path, c.token, c.body)
			if code != c.status || errCode(body) != c.code {
				t.Fatalf("got %d %s, want %d %s", code, body, c.status, c.code)
			}
			var e hallproto.Error
			if json.Unmarshal(body, &e) != nil || e.Error.Message == "" {
				t.Fatalf("error body without a message: %s", body)
			}
		})
	}
	// Rejected commands with a request id are remembered (their answer is
	// part of the contract) but change no queue state: no events.
	if got := r.eng.Hub().Last(); got != before {
		t.Fatalf("bad input produced events: seq %d -> %d", before, got)
	}
}

func TestIdempotentRetries(t *testing.T) {
	r := newRig(t, hallConfig(2), "")
	r.login(t, 2)
	req := hallproto.IssueRequest{RequestID: "kiosk-1-0001", Service: "social"}
	c1, b1 := r.do("POST", "/api/v1/tickets", adminToken, req)
	r.clock.Add(time.Minute) // a retry later must not see "now" change the answer
	c2, b2 := r.do("POST", "/api/v1/tickets", adminToken, req)
	if c1 != 201 || c1 != c2 || !bytes.Equal(b1, b2) {
		t.Fatalf("retry answered differently:\n%d %s\n%d %s", c1, b1, c2, b2)
	}
	// Concurrent duplicates of one call: one ticket, one answer.
	r.issue(t, "social")
	var wg sync.WaitGroup
	bodies := make([][]byte, 20)
	for i := range bodies {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, bodies[i] = r.act(t, "1", "call", hallproto.ActionRequest{RequestID: "w1-call-7"})
		}(i)
	}
	wg.Wait()
	for i := range bodies {
		if !bytes.Equal(bodies[i], bodies[0]) {
			t.Fatalf("duplicate %d answered %s, first %s", i, bodies[i], bodies[0])
		}
	}
	// Same id, different body: conflict, nothing changes.
	code, body := r.do("POST", "/api/v1/tickets", adminToken, hallproto.IssueRequest{RequestID: "kiosk-1-0001", Service: "tax"})
	if code != 409 || errCode(body) != "request_id_reused" {
		t.Fatalf("reused id: %d %s", code, body)
	}
	// Answers survive a restart.
	r.eng.Close()
	r.st.Close()
	r.eng = nil
	r2 := newRig(t, r.cfg, r.dir)
	c3, b3 := r2.do("POST", "/api/v1/tickets", adminToken, req)
	if c3 != c1 || !bytes.Equal(b1, b3) {
		t.Fatalf("retry after restart:\n%s\n%s", b1, b3)
	}
}

func TestStoreFailureGives503AndNothingHalfWritten(t *testing.T) {
	r := newRig(t, hallConfig(2), "")
	r.login(t, 1)
	a := r.issue(t, "social")
	before := r.eng.Hub().Last()
	store.ArmFault(store.FaultInCommit, 1)
	defer store.DisarmFaults()
	code, body := r.do("POST", "/api/v1/tickets", adminToken, hallproto.IssueRequest{RequestID: "during-fault", Service: "social"})
	if code != 503 || errCode(body) != "store_unavailable" {
		t.Fatalf("issue during a failing commit: %d %s", code, body)
	}
	if r.eng.Hub().Last() != before {
		t.Fatal("a failed commit published events")
	}
	// The in-memory state was rebuilt: the next ticket takes the number the
	// failed one would have had, and the retry now succeeds.
	code, body = r.do("POST", "/api/v1/tickets", adminToken, hallproto.IssueRequest{RequestID: "during-fault", Service: "social"})
	var b hallproto.Ticket
	json.Unmarshal(body, &b)
	if code != 201 || b.Number != "A0002" || b.ID != a.ID+1 {
		t.Fatalf("retry after fault: %d %s", code, body)
	}
	// A closed database: 503, not a panic.
	r.st.Close()
	code, body = r.do("POST", "/api/v1/tickets", adminToken, hallproto.IssueRequest{RequestID: "closed-db", Service: "social"})
	if code != 503 {
		t.Fatalf("issue on a closed store: %d %s", code, body)
	}
	r.eng.Close()
	r.eng = nil
}

// 200 goroutines press call-next on 50 windows while 10,000 tickets wait:
// every ticket must be called exactly once.
func TestConcurrentCallsEachTicketOnce(t *testing.T) {
	const windows, pressers, tickets = 50, 200, 10000
	r := newRig(t, hallConfig(windows), "")
	r.login(t, windows)
	var wg sync.WaitGroup
	issueCh := make(chan struct{}, tickets)
	for i := 0; i < tickets; i++ {
		issueCh <- struct{}{}
	}
	close(issueCh)
	for g := 0; g < 50; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for range issueCh {
				svc := []string{"social", "tax"}[g%2]
				if code, body := r.do("POST", "/api/v1/tickets", "kiosk-token-0123456789", hallproto.IssueRequest{RequestID: rid(), Service: svc}); code != 201 {
					t.Errorf("issue: %d %s", code, body)
					return
				}
			}
		}(g)
	}
	wg.Wait()
	var mu sync.Mutex
	seen := map[uint64]string{}
	var dup atomic.Int64
	for p := 0; p < pressers; p++ {
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			win := fmt.Sprint(p%windows + 1)
			for empty := 0; empty < 3; {
				code, body := r.act(t, win, "call", hallproto.ActionRequest{})
				switch code {
				case 204:
					empty++
					continue
				case 409: // another presser holds this window's ticket
					time.Sleep(100 * time.Microsecond)
					continue
				case 200:
				default:
					t.Errorf("call: %d %s", code, body)
					return
				}
				var tk hallproto.Ticket
				json.Unmarshal(body, &tk)
				mu.Lock()
				if prev, ok := seen[tk.ID]; ok {
					dup.Add(1)
					t.Errorf("ticket %d called at window %s and %s", tk.ID, prev, win)
				}
				seen[tk.ID] = win
				mu.Unlock()
				if code, body := r.act(t, win, "finish", hallproto.ActionRequest{}); code != 200 {
					t.Errorf("finish: %d %s", code, body)
					return
				}
			}
		}(p)
	}
	wg.Wait()
	if len(seen) != tickets || dup.Load() != 0 {
		t.Fatalf("called %d distinct tickets of %d, %d duplicates", len(seen), tickets, dup.Load())
	}
	_, body := r.do("GET", "/api/v1/queues", adminToken, nil)
	var q hallproto.Queues
	json.Unmarshal(body, &q)
	for _, s := range q.Services {
		if s.Total != 0 {
			t.Fatalf("still waiting after the run: %+v", s)
		}
	}
}

// The event stream delivers every change in order and resumes after a
// reconnect without gaps.
func TestEventStreamResumes(t *testing.T) {
	r := newRig(t, hallConfig(2), "")
	ts := httptest.NewServer(r.srv)
	defer ts.Close()
	r.login(t, 1)
	for i := 0; i < 5; i++ {
		r.issue(t, "social")
	}
	read := func(since uint64, n int) []hallproto.Event {
		req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/v1/events?since=%d", ts.URL, since), nil)
		req.Header.Set("Authorization", "Bearer display-token-0123456789")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
			t.Fatalf("content type %q", ct)
		}
		var out []hallproto.Event
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() && len(out) < n {
			if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var e hallproto.Event
				if err := json.Unmarshal([]byte(d), &e); err != nil {
					t.Fatal(err)
				}
				out = append(out, e)
			}
		}
		return out
	}
	first := read(0, 4)
	for i, e := range first {
		if e.Seq != uint64(i+1) {
			t.Fatalf("event %d has seq %d", i, e.Seq)
		}
	}
	done := make(chan []hallproto.Event)
	go func() { done <- read(first[len(first)-1].Seq, 4) }()
	time.Sleep(50 * time.Millisecond)
	r.act(t, "1", "call", hallproto.ActionRequest{})
	rest := <-done
	if rest[0].Seq != first[len(first)-1].Seq+1 {
		t.Fatalf("resumed at %d after %d", rest[0].Seq, first[len(first)-1].Seq)
	}
	last := rest[len(rest)-1]
	if last.Type != hallproto.EvCalled || last.Ticket == nil || last.Ticket.Number != "A0001" || last.Window != "1" {
		t.Fatalf("live event %+v", last)
	}
}

// Browsers' EventSource cannot send headers: the stream takes the token as
// a query parameter, and since=now skips the history.
func TestEventStreamQueryTokenAndNow(t *testing.T) {
	r := newRig(t, hallConfig(1), "")
	ts := httptest.NewServer(r.srv)
	defer ts.Close()
	r.issue(t, "social")
	resp, err := http.Get(ts.URL + "/api/v1/events?since=now&access_token=display-token-0123456789")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("stream with query token: %d", resp.StatusCode)
	}
	got := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				got <- d
				return
			}
		}
	}()
	time.Sleep(50 * time.Millisecond)
	b := r.issue(t, "social")
	select {
	case d := <-got:
		var e hallproto.Event
		json.Unmarshal([]byte(d), &e)
		if e.Ticket == nil || e.Ticket.ID != b.ID {
			t.Fatalf("first event after since=now is %s, want the new ticket %d", d, b.ID)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("no event")
	}
	if resp, _ := http.Get(ts.URL + "/api/v1/queues?access_token=display-token-0123456789"); resp.StatusCode != 401 {
		t.Fatalf("query token accepted outside the event stream: %d", resp.StatusCode)
	}
}
