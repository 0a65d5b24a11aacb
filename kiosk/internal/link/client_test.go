package link

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func fastOpts() *Opts {
	return &Opts{TryTimeout: time.Second, MaxTries: 4, MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond,
		StreamIdle: 500 * time.Millisecond}
}

func newClient(t *testing.T, url string, o *Opts) *Client {
	t.Helper()
	c, err := New(url, "test-token-0123456789", o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type echo struct {
	RequestID string `json:"request_id,omitempty"`
	Value     int    `json:"value"`
}

// flaky answers with the statuses in order, then 200 with the request body.
func flaky(statuses ...int) (*httptest.Server, *atomic.Int32, *[]string) {
	var n atomic.Int32
	var mu sync.Mutex
	bodies := []string{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer test-token-0123456789" {
			w.WriteHeader(401)
			return
		}
		if i < len(statuses) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(statuses[i])
			io.WriteString(w, `{"error":{"code":"c`+http.StatusText(statuses[i])[:1]+`","message":"错误","message_en":"bad"}}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(b)
	}))
	return srv, &n, &bodies
}

func TestDoRetries(t *testing.T) {
	tests := []struct {
		name      string
		statuses  []int
		in        any
		method    string
		wantTries int32
		wantErr   int // 0: success; else the APIError status
	}{
		{"5xx with request id retried", []int{503, 500, 502}, echo{RequestID: "r1", Value: 7}, "POST", 4, 0},
		{"4xx never retried", []int{409}, echo{RequestID: "r2", Value: 7}, "POST", 1, 409},
		{"4xx after 5xx", []int{503, 400}, echo{RequestID: "r3", Value: 7}, "POST", 2, 400},
		{"no request id: sent once", []int{503}, echo{Value: 7}, "POST", 1, 503},
		{"GET retried", []int{500}, nil, "GET", 2, 0},
		{"gives up after MaxTries", []int{503, 503, 503, 503, 503}, echo{RequestID: "r4", Value: 1}, "POST", 4, 503},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, n, bodies := flaky(tc.statuses...)
			defer srv.Close()
			c := newClient(t, srv.URL, fastOpts())
			var out echo
			err := c.Do(context.Background(), tc.method, "/x", tc.in, &out)
			if got := n.Load(); got != tc.wantTries {
				t.Errorf("tries = %d, want %d", got, tc.wantTries)
			}
			if tc.wantErr == 0 {
				if err != nil {
					t.Fatalf("Do: %v", err)
				}
				if in, ok := tc.in.(echo); ok && out != in {
					t.Errorf("out = %+v, want %+v", out, in)
				}
			} else {
				var ae *APIError
				if !errors.As(err, &ae) || ae.Status != tc.wantErr {
					t.Fatalf("err = %v, want APIError %d", err, tc.wantErr)
				}
				if ae.Message != "错误" || ae.MessageEn != "bad" || ae.Code == "" {
					t.Errorf("APIError fields lost: %+v", ae)
				}
			}
			// Every retry carries the same body, so the same request id.
			for i, b := range *bodies {
				if b != (*bodies)[0] {
					t.Errorf("attempt %d body %q differs from the first %q", i+1, b, (*bodies)[0])
				}
			}
		})
	}
}

func TestDoUnreachableAndState(t *testing.T) {
	srv, _, _ := flaky()
	c := newClient(t, srv.URL, fastOpts())
	var states []bool
	c.OnState(func(on bool) { states = append(states, on) })
	if err := c.Do(context.Background(), "GET", "/x", nil, nil); err != nil {
		t.Fatal(err)
	}
	if !c.Online() {
		t.Error("not online after an answer")
	}
	srv.Close()
	err := c.Do(context.Background(), "POST", "/x", echo{RequestID: "a"}, nil)
	if !errors.Is(err, ErrUnreachable) {
		t.Fatalf("err = %v, want ErrUnreachable", err)
	}
	if c.Online() {
		t.Error("online after the controller went away")
	}
	if len(states) != 2 || !states[0] || states[1] {
		t.Errorf("state changes = %v, want [true false]", states)
	}
}

func TestDoContextBoundsRetries(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(503)
	}))
	defer srv.Close()
	o := fastOpts()
	o.MaxTries = 1 << 20
	c := newClient(t, srv.URL, o)
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := c.Do(ctx, "POST", "/x", echo{RequestID: "z"}, nil)
	if err == nil {
		t.Fatal("no error from an always failing server")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Do took %v past its context", d)
	}
}

func TestDoTryTimeout(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body) // so that the server notices the client hanging up
		if n.Add(1) == 1 {
			select { // the first attempt hangs
			case <-r.Context().Done():
			case <-time.After(3 * time.Second):
			}
			return
		}
		io.WriteString(w, `{"value":3}`)
	}))
	defer srv.Close()
	o := fastOpts()
	o.TryTimeout = 100 * time.Millisecond
	c := newClient(t, srv.URL, o)
	var out echo
	if err := c.Do(context.Background(), "POST", "/x", echo{RequestID: "t"}, &out); err != nil {
		t.Fatal(err)
	}
	if out.Value != 3 || n.Load() != 2 {
		t.Errorf("out %+v after %d tries", out, n.Load())
	}
}

func TestBackoffBounds(t *testing.T) {
	c := newClient(t, "http://127.0.0.1:1", &Opts{MinBackoff: 100 * time.Millisecond, MaxBackoff: time.Second})
	for try := 1; try < 12; try++ {
		want := 100 * time.Millisecond << (try - 1)
		if want > time.Second || want <= 0 {
			want = time.Second
		}
		for range 20 {
			d := c.backoff(try)
			if d < want/2 || d > want {
				t.Fatalf("backoff(%d) = %v, want in [%v, %v]", try, d, want/2, want)
			}
		}
	}
}

func TestNewValidates(t *testing.T) {
	for _, u := range []string{"", "localhost:8080", "ftp://x", "http://"} {
		if _, err := New(u, "tok", nil); err == nil {
			t.Errorf("New(%q) accepted", u)
		}
	}
	if _, err := New("http://127.0.0.1:8080", "", nil); err == nil {
		t.Error("empty token accepted")
	}
	if id1, id2 := NewRequestID(), NewRequestID(); id1 == id2 || len(id1) != 32 {
		t.Errorf("request ids %q %q", id1, id2)
	}
}

func TestDecodeErrorNonJSON(t *testing.T) {
	ae := decodeError(502, []byte("<html>bad gateway</html>"))
	if ae.Status != 502 || ae.Code != "http_502" || ae.Message == "" || !ae.Temporary() {
		t.Errorf("%+v", ae)
	}
}
