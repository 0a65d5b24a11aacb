package link

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"hallq/controller/hallproto"
)

// dropper serves events 1..total and drops the connection after every
// `per` events; with stall, it then hangs silently instead, so that only the
// client's idle time-out gets it going again.
type dropper struct {
	total, per int
	stall      bool
	mu         sync.Mutex
	resumes    []string // Last-Event-ID (or since=) of each connection
}

func (d *dropper) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	from := uint64(0)
	d.mu.Lock()
	if v := r.Header.Get("Last-Event-ID"); v != "" {
		from, _ = strconv.ParseUint(v, 10, 64)
		d.resumes = append(d.resumes, v)
	} else {
		d.resumes = append(d.resumes, "since="+r.URL.Query().Get("since"))
	}
	d.mu.Unlock()
	w.Header().Set("Content-Type", "text/event-stream")
	fmt.Fprint(w, "retry: 1000\n\n: keep-alive\n\n")
	sent := 0
	// Each connection also repeats the last event already seen, as a
	// careless server might: the client must drop the duplicate.
	start := from
	if start > 0 {
		start--
	}
	for seq := start + 1; seq <= uint64(d.total); seq++ {
		fmt.Fprintf(w, "id: %d\nevent: ticket.issued\ndata: {\"seq\":%d,\"type\":\"ticket.issued\",\n", seq, seq)
		fmt.Fprintf(w, "data: \"at\":\"2026-11-21T09:00:00+08:00\"}\n\n")
		w.(http.Flusher).Flush()
		sent++
		if sent == d.per && seq < uint64(d.total) {
			if d.stall {
				<-r.Context().Done()
			}
			return
		}
	}
	<-r.Context().Done()
}

func TestFollowResumesWithoutGapOrDuplicate(t *testing.T) {
	for _, stall := range []bool{false, true} {
		t.Run(fmt.Sprintf("stall=%v", stall), func(t *testing.T) {
			d := &dropper{total: 25, per: 4, stall: stall}
			srv := httptest.NewServer(d)
			defer srv.Close()
			o := fastOpts()
			o.StreamIdle = 150 * time.Millisecond
			c := newClient(t, srv.URL, o)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			var got []uint64
			err := c.Follow(ctx, 0, func(e hallproto.Event) {
				got = append(got, e.Seq)
				if e.Type != hallproto.EvIssued {
					t.Errorf("event %d type %q", e.Seq, e.Type)
				}
				if len(got) == d.total {
					cancel()
				}
			})
			if err != context.Canceled {
				t.Fatalf("Follow returned %v (got %d events)", err, len(got))
			}
			for i, s := range got {
				if s != uint64(i+1) {
					t.Fatalf("events %v: want 1..%d once each, in order", got, d.total)
				}
			}
			d.mu.Lock()
			defer d.mu.Unlock()
			if len(d.resumes) < 7 || d.resumes[0] != "since=0" || d.resumes[1] != "4" || d.resumes[2] != "7" {
				t.Errorf("connections resumed at %v", d.resumes)
			}
		})
	}
}

func TestFollowSinceNowAndBadSince(t *testing.T) {
	var mu sync.Mutex
	var queries []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		queries = append(queries, r.URL.RawQuery+"|"+r.Header.Get("Last-Event-ID"))
		n := len(queries)
		mu.Unlock()
		if n == 1 {
			w.WriteHeader(400)
			fmt.Fprint(w, `{"error":{"code":"bad_since","message":"since 超出最新序号 3"}}`)
			return
		}
		fmt.Fprint(w, "id: 4\ndata: {\"seq\":4,\"type\":\"hall.day_rolled\"}\n\n")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer srv.Close()
	c := newClient(t, srv.URL, fastOpts())
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var got []uint64
	c.Follow(ctx, 90, func(e hallproto.Event) { got = append(got, e.Seq); cancel() })
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || got[0] != 4 {
		t.Errorf("got %v, want [4]", got)
	}
	if len(queries) < 2 || queries[0] != "|90" || queries[1] != "since=now|" {
		t.Errorf("requests %v", queries)
	}
}

func TestSSEParser(t *testing.T) {
	var p sseParser
	lines := []string{": comment", "id: 7", "event: ticket.called", "data: {\"a\":", "data: 1}", "retry: 10", "", "", "data:x", ""}
	var got []sseRecord
	for _, l := range lines {
		if r, ok := p.line(l); ok {
			got = append(got, r)
		}
	}
	want := []sseRecord{{"7", "ticket.called", "{\"a\":\n1}"}, {"", "", "x"}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("got %q, want %q", got, want)
	}
}

func FuzzSSEParser(f *testing.F) {
	f.Add("id: 1\nevent: x\ndata: {}\n\n")
	f.Add(": keep-alive\n\ndata\ndata:\n\nid\x00: 3\n")
	f.Add("data: a\r\ndata: b\n\n")
	f.Fuzz(func(t *testing.T, s string) {
		var p sseParser
		lines := 0
		for _, l := range splitLines(s) {
			lines++
			r, ok := p.line(l)
			if ok && l != "" {
				t.Fatalf("dispatched on a non-blank line %q", l)
			}
			if len(r.data) > len(s) {
				t.Fatalf("data longer than the input")
			}
		}
		_ = lines
	})
}

func splitLines(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}
