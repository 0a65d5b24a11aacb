// Command demo starts a whole demo hall on loopback and prints one
// address: the hall controller on the embedded demo configuration (with
// the demo's tokens and an appointment for one of its fictional
// citizens), emulated devices speaking their real byte protocols over
// pseudo-terminals (ID card reader, ticket printer, eight KWS/1 LED window
// signs, the RS-485 caller and evaluator keypad bus), and the device
// programs built from this tree and run as child processes: the kiosk
// (kiosk/cmd/kiosk) and the hall display (kiosk/cmd/display) each on a
// browser virtual screen, and the window terminals (kiosk/cmd/window).
//
// The page shows the kiosk's screen (tap it), places the citizens' ID
// cards on the reader, shows each printed ticket as an image, has every
// window's keypad and evaluator and shows its LED sign, the hall screen,
// the announcements, and the way into the management console.
//
//	go run ./hack/demo              then open http://127.0.0.1:8088/
//	go run ./hack/demo -auto        emulated citizens and staff keep the hall busy
//
// The device programs are built with -tags noos (fyne's embedded
// driver); the demo itself needs no tags. Everything listens on
// 127.0.0.1 only, and the children die with the demo.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"hallq/controller/hallproto"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:8088", "address of the demo page (loopback)")
	data := fs.String("data", "", "data directory (default: a new temporary directory, removed at the end)")
	auto := fs.Bool("auto", false, "emulated citizens take tickets and emulated staff at windows 1-4 serve them")
	voice := fs.Bool("voice", true, "speak calls into WAV files for the page (needs espeak-ng)")
	noDisplay := fs.Bool("no-display", false, "do not run the hall display program")
	verbose := fs.Bool("v", false, "log the controller's warnings")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if host, _, err := net.SplitHostPort(*listen); err != nil || !net.ParseIP(host).IsLoopback() {
		return fmt.Errorf("-listen %s: the demo serves loopback only (its page holds an admin token's rights)", *listen)
	}
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
	bin := ""
	if c, err := os.UserCacheDir(); err == nil {
		bin = filepath.Join(c, "hallq-demo", "bin")
	}
	lg := slog.New(slog.DiscardHandler)
	if *verbose {
		lg = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	// Listen first: a busy port should fail before minutes of building.
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	h, err := Start(ctx, Options{DataDir: *data, BinDir: bin, Voice: *voice, NoDisplay: *noDisplay,
		Logger: lg, Progress: os.Stdout})
	if err != nil {
		ln.Close()
		return err
	}
	defer h.Close()
	if *auto {
		go h.traffic(ctx)
	}
	srv := &http.Server{Handler: h.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	fmt.Printf("\nhallq demo hall: open http://%s/ in a browser (Ctrl-C stops everything)\n", ln.Addr())
	fmt.Printf("  management console: %s/console/ (manager / manager-demo)\n", h.base)
	fmt.Printf("  logs and configurations: %s\n", *data)
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// traffic plays citizens and staff: a ticket every few seconds through the
// API, and windows 1-4 call, start, finish and rate with their keypads
// and evaluators; windows 5-8 are left to the person at the page.
func (h *Hall) traffic(ctx context.Context) {
	services := []string{"social", "household", "business", "tax", "property"}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	busy := map[int]time.Time{}
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	for n := 0; ; n++ {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			if rng.IntN(3) == 0 {
				req := hallproto.IssueRequest{RequestID: "demo-auto-" + randomToken(), Service: services[rng.IntN(len(services))], Source: "demo-auto"}
				h.call(ctx, "POST", "/api/v1/tickets", req, nil)
			}
			w := 1 + n%4
			until, serving := busy[w]
			switch {
			case serving && now.After(until):
				h.dev.Exec(fmt.Sprintf("key %d ask-rating", w))
				h.dev.Exec(fmt.Sprintf("rate %d %d", 100+w, 3+rng.IntN(3)))
				delete(busy, w)
			case !serving && rng.IntN(2) == 0:
				h.dev.Exec(fmt.Sprintf("key %d call", w))
				h.dev.Exec(fmt.Sprintf("key %d confirm", w))
				busy[w] = now.Add(time.Duration(10+rng.IntN(20)) * time.Second)
			}
		}
	}
}
