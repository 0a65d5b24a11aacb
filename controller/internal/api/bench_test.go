package api

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"hallq/controller/hallproto"
	"hallq/controller/internal/engine"
	"hallq/controller/internal/store"
)

// liveRig serves the API on a loopback port with the real clock and fsync.
func liveRig(b *testing.B, windows int) (*httptest.Server, *http.Client, func()) {
	dir := b.TempDir()
	st, err := store.Open(filepath.Join(dir, "hallq.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	eng, err := engine.New(hallConfig(windows), st, engine.Options{SnapshotEvery: snapEvery})
	if err != nil {
		b.Fatal(err)
	}
	toks, _ := NewTokens([]Token{{Token: adminToken, Role: RoleAdmin}})
	ts := httptest.NewServer(New(eng, Options{Tokens: toks}))
	tr := &http.Transport{MaxIdleConnsPerHost: 512, MaxConnsPerHost: 512}
	cl := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	for i := 1; i <= windows; i++ {
		livePost(b, cl, ts.URL, fmt.Sprintf("/api/v1/windows/%d/login", i), hallproto.ActionRequest{RequestID: fmt.Sprint("login-", i), Staff: "S"})
	}
	return ts, cl, func() { ts.Close(); tr.CloseIdleConnections(); eng.Close(); st.Close() }
}

var liveN atomic.Int64

// snapEvery is the engine default unless an experiment changes it.
var snapEvery = 0

func livePost(b testing.TB, cl *http.Client, base, path string, body any) int {
	j, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", base+path, bytes.NewReader(j))
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := cl.Do(req)
	if err != nil {
		b.Error(err)
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func nextID() string { return fmt.Sprint("b-", liveN.Add(1)) }

// BenchmarkHTTPThroughput: issue, call, finish over HTTP on loopback with
// real fsync, 128 concurrent clients.
func BenchmarkHTTPThroughput(b *testing.B) {
	const clients = 128
	ts, cl, done := liveRig(b, clients)
	defer done()
	per := b.N/clients + 1
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for g := 0; g < clients; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			w := fmt.Sprint(g + 1)
			for i := 0; i < per; i++ {
				switch i % 3 {
				case 0:
					livePost(b, cl, ts.URL, "/api/v1/tickets", hallproto.IssueRequest{RequestID: nextID(), Service: "social"})
				case 1:
					livePost(b, cl, ts.URL, "/api/v1/windows/"+w+"/call", hallproto.ActionRequest{RequestID: nextID()})
				case 2:
					livePost(b, cl, ts.URL, "/api/v1/windows/"+w+"/finish", hallproto.ActionRequest{RequestID: nextID()})
				}
			}
		}(g)
	}
	wg.Wait()
	b.ReportMetric(float64(per*clients)/time.Since(start).Seconds(), "ops/s")
}

func pct(d []time.Duration, p float64) float64 {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return float64(d[int(float64(len(d)-1)*p)].Microseconds()) / 1000
}

// BenchmarkCallLatency: 200 windows press call-next and finish while 50
// kiosks issue tickets; p50/p99 of the call request over HTTP.
func BenchmarkCallLatency(b *testing.B) {
	const windows, kiosks = 200, 50
	ts, cl, done := liveRig(b, windows)
	defer done()
	for i := 0; i < 2000; i++ {
		livePost(b, cl, ts.URL, "/api/v1/tickets", hallproto.IssueRequest{RequestID: nextID(), Service: []string{"social", "tax"}[i%2]})
	}
	var mu sync.Mutex
	var lat []time.Duration
	stop := make(chan struct{})
	var kw sync.WaitGroup
	for k := 0; k < kiosks; k++ {
		kw.Add(1)
		go func(k int) {
			defer kw.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				livePost(b, cl, ts.URL, "/api/v1/tickets", hallproto.IssueRequest{RequestID: nextID(), Service: []string{"social", "tax"}[k%2]})
				time.Sleep(time.Duration(50+rand.IntN(100)) * time.Millisecond)
			}
		}(k)
	}
	b.ResetTimer()
	// Offered load: each window cycles call+finish every 200 ms (2,000
	// requests/s in all), each kiosk issues every 100 ms (500/s): far above
	// a real hall's peak, below the controller's saturation.
	per := b.N/windows + 1
	var wg sync.WaitGroup
	for w := 1; w <= windows; w++ {
		wg.Add(1)
		go func(w string) {
			defer wg.Done()
			for i := 0; i < per; i++ {
				t0 := time.Now()
				livePost(b, cl, ts.URL, "/api/v1/windows/"+w+"/call", hallproto.ActionRequest{RequestID: nextID()})
				d := time.Since(t0)
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
				livePost(b, cl, ts.URL, "/api/v1/windows/"+w+"/finish", hallproto.ActionRequest{RequestID: nextID()})
				// Jitter: 200 staff do not press in lockstep.
				time.Sleep(time.Duration(100+rand.IntN(200)) * time.Millisecond)
			}
		}(fmt.Sprint(w))
	}
	wg.Wait()
	close(stop)
	kw.Wait()
	b.ReportMetric(pct(lat, 0.50), "p50-ms")
	b.ReportMetric(pct(lat, 0.99), "p99-ms")
}

// BenchmarkEventDelivery: 300 subscribers follow the stream while tickets
// are issued; latency from the event's time (the command applied, before
// its fsync: an upper bound on commit-to-delivery) to each subscriber
// reading it.
func BenchmarkEventDelivery(b *testing.B) {
	const subs = 300
	ts, cl, done := liveRig(b, 2)
	defer done()
	var mu sync.Mutex
	var lat []time.Duration
	var ready, wg sync.WaitGroup
	n := b.N
	if n < 50 {
		n = 50
	}
	start := liveSeq(b, cl, ts.URL)
	for s := 0; s < subs; s++ {
		ready.Add(1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/v1/events?since=%d", ts.URL, start), nil)
			req.Header.Set("Authorization", "Bearer "+adminToken)
			resp, err := cl.Do(req)
			if err != nil {
				b.Error(err)
				ready.Done()
				return
			}
			defer resp.Body.Close()
			ready.Done()
			sc := bufio.NewScanner(resp.Body)
			got := 0
			for sc.Scan() && got < n {
				d, ok := strings.CutPrefix(sc.Text(), "data: ")
				if !ok {
					continue
				}
				var e hallproto.Event
				json.Unmarshal([]byte(d), &e)
				l := time.Since(e.At)
				mu.Lock()
				lat = append(lat, l)
				mu.Unlock()
				got++
			}
		}()
	}
	ready.Wait()
	time.Sleep(100 * time.Millisecond)
	b.ResetTimer()
	for i := 0; i < n; i++ {
		livePost(b, cl, ts.URL, "/api/v1/tickets", hallproto.IssueRequest{RequestID: nextID(), Service: "social"})
		time.Sleep(2 * time.Millisecond)
	}
	wg.Wait()
	b.ReportMetric(pct(lat, 0.50), "p50-ms")
	b.ReportMetric(pct(lat, 0.99), "p99-ms")
	b.ReportMetric(float64(len(lat)), "deliveries")
}

func liveSeq(b *testing.B, cl *http.Client, base string) uint64 {
	resp, err := cl.Get(base + "/healthz")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var h struct {
		LastSeq uint64 `json:"last_seq"`
	}
	json.NewDecoder(resp.Body).Decode(&h)
	return h.LastSeq
}
