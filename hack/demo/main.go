// Command demo starts a whole demo hall on loopback: the hall controller on
// the embedded demo configuration, emulated kiosks and window terminals
// (optionally generating traffic by themselves), and a page where a person
// takes tickets, presses window buttons and watches the LED signs and the
// hall display. Run: go run ./hack/demo, then open the printed address.
package main

import (
	"bytes"
	"context"
	crand "crypto/rand"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"hallq/controller/hallproto"
	"hallq/controller/server"
)

//go:embed page.html
var page []byte

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run() error {
	listen := flag.String("listen", "127.0.0.1:8088", "address of the demo page")
	api := flag.String("api", "127.0.0.1:0", "address of the controller API (loopback)")
	data := flag.String("data", "", "data directory (default: a new temporary directory)")
	auto := flag.Bool("auto", true, "emulated citizens take tickets and emulated staff serve them")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *data == "" {
		d, err := os.MkdirTemp("", "hallq-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		*data = d
	}
	tokBytes := make([]byte, 16)
	crand.Read(tokBytes)
	token := hex.EncodeToString(tokBytes)
	lg := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctl, err := server.Start(server.Config{Listen: *api, DataDir: filepath.Clean(*data), DevToken: token, Logger: lg})
	if err != nil {
		return err
	}
	defer ctl.Shutdown(context.Background())
	base := "http://" + ctl.Addr()
	c := &client{base: base, token: token, http: &http.Client{Timeout: 5 * time.Second}}
	for i := 1; i <= 8; i++ {
		c.post(fmt.Sprintf("/api/v1/windows/%d/login", i), map[string]any{"staff": fmt.Sprintf("S%03d", i)})
	}
	if *auto {
		go c.traffic(ctx)
	}
	target, _ := url.Parse(base)
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.FlushInterval = -1 // the event stream must not be buffered
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	})
	// The page talks to the controller through this proxy, which adds the
	// demo's token: the browser never holds it.
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		r.Header.Set("Authorization", "Bearer "+token)
		proxy.ServeHTTP(w, r)
	})
	srv := &http.Server{Addr: *listen, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	fmt.Printf("hallq demo hall: open http://%s/ in a browser\n", *listen)
	fmt.Printf("controller API: %s (dev token %s, loopback only)\n", base, token)
	if err := srv.ListenAndServe(); err != nil && err != http.ErrServerClosed {
		return err
	}
	return nil
}

type client struct {
	base, token string
	http        *http.Client
	n           int
}

func (c *client) post(path string, body map[string]any) (int, []byte) {
	c.n++
	body["request_id"] = fmt.Sprintf("demo-%d-%d", time.Now().UnixNano(), c.n)
	j, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", c.base+path, bytes.NewReader(j))
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// traffic plays citizens and staff: a ticket every few seconds, windows 1-6
// call, start and finish on their own; windows 7 and 8 are left to the
// person at the page.
func (c *client) traffic(ctx context.Context) {
	services := []string{"social", "household", "business", "tax", "property"}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	busy := map[int]time.Time{}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			if rng.IntN(3) == 0 {
				body := map[string]any{"service": services[rng.IntN(len(services))], "source": "demo-kiosk"}
				if rng.IntN(5) == 0 {
					body["category"] = "pregnant"
				}
				c.post("/api/v1/tickets", body)
			}
			for w := 1; w <= 6; w++ {
				until, serving := busy[w]
				switch {
				case serving && now.After(until):
					c.post(fmt.Sprintf("/api/v1/windows/%d/finish", w), map[string]any{"outcome": "办结"})
					delete(busy, w)
				case !serving && rng.IntN(4) == 0:
					if code, b := c.post(fmt.Sprintf("/api/v1/windows/%d/call", w), map[string]any{}); code == 200 {
						var t hallproto.Ticket
						json.Unmarshal(b, &t)
						c.post(fmt.Sprintf("/api/v1/windows/%d/start", w), map[string]any{})
						busy[w] = now.Add(time.Duration(8+rng.IntN(20)) * time.Second)
					}
				}
			}
		}
	}
}
