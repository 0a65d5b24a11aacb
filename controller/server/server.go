// Package server assembles and runs the hall controller: configuration,
// store, engine, HTTP API, metrics, graceful shutdown. The controller binary
// and the demo call it; tests start it on a temporary directory.
package server

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"hallq/controller/hallproto"
	"hallq/controller/internal/api"
	"hallq/controller/internal/booking"
	"hallq/controller/internal/citizen"
	"hallq/controller/internal/console"
	"hallq/controller/internal/devices"
	"hallq/controller/internal/docs"
	"hallq/controller/internal/engine"
	"hallq/controller/internal/eval"
	"hallq/controller/internal/fleet"
	"hallq/controller/internal/hallconfig"
	"hallq/controller/internal/queue"
	"hallq/controller/internal/report"
	"hallq/controller/internal/store"
	"hallq/controller/internal/workday"
)

// Config is how to run a controller.
type Config struct {
	Listen     string // host:port
	DataDir    string
	ConfigFile string // empty: the embedded demo hall
	// DevToken grants admin rights for local demos; refused unless Listen
	// is a loopback address.
	DevToken string
	Logger   *slog.Logger
	// Clock is for tests; nil means time.Now.
	Clock func() time.Time
	// NoSync disables fsync (benchmark comparisons only).
	NoSync bool
	// Ready, when set, receives the bound address once serving.
	Ready func(addr string)
}

// Controller is a running controller.
type Controller struct {
	cfg    Config
	st     *store.Store
	eng    *engine.Engine
	api    *api.Server
	ln     net.Listener
	srv    *http.Server
	logger *slog.Logger

	ctx     context.Context
	cancel  context.CancelFunc
	closers []func()
}

// fail undoes a half-made Start.
func (c *Controller) fail(err error) (*Controller, error) {
	c.stop()
	return nil, err
}

// stop ends the mounted packages' background work, then the engine and
// the store.
func (c *Controller) stop() error {
	c.cancel()
	for i := len(c.closers) - 1; i >= 0; i-- {
		c.closers[i]()
	}
	c.eng.Close()
	return c.st.Close()
}

// Start opens the store, recovers the hall and starts serving.
func Start(c Config) (*Controller, error) {
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	lg := c.Logger
	var file *hallconfig.File
	var err error
	if c.ConfigFile == "" {
		file, err = hallconfig.Demo()
		lg.Info("no -config given: using the embedded demo hall")
	} else {
		file, err = hallconfig.Load(c.ConfigFile)
	}
	if err != nil {
		return nil, err
	}
	tokens := file.Tokens
	if c.DevToken != "" {
		if err := checkLoopback(c.Listen); err != nil {
			return nil, err
		}
		lg.Warn("DEV TOKEN ENABLED: anyone on this machine with the token has admin rights; never use in a hall", "listen", c.Listen)
		tokens = append(tokens, api.Token{Token: c.DevToken, Role: api.RoleAdmin, Name: "dev-token"})
	}
	toks, err := api.NewTokens(tokens)
	if err != nil {
		return nil, err
	}
	if len(tokens) == 0 {
		lg.Warn("no tokens configured: every API request will be refused (401)")
	}
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("server: data dir: %w", err)
	}
	st, err := store.Open(filepath.Join(c.DataDir, "hallq.db"), &store.Options{NoSync: c.NoSync})
	if err != nil {
		return nil, err
	}
	m := api.NewMetrics()
	start := time.Now()
	eng, err := engine.New(file.Hall, st, engine.Options{Clock: c.Clock, Logger: lg, OnCommit: m.OnCommit})
	if err != nil {
		st.Close()
		return nil, err
	}
	m.WatchQueues(eng)
	lg.Info("hall recovered", "last_seq", eng.Hub().Last(), "took", time.Since(start).String())
	ctl := &Controller{cfg: c, st: st, eng: eng, logger: lg}
	// Mounted packages' background work (booking sweeps, session expiry)
	// ends with ctl.ctx; closers run at shutdown, newest first.
	ctl.ctx, ctl.cancel = context.WithCancel(context.Background())
	// The fleet service (enrolment, device check-ins, desired versions,
	// update bundles) keeps its own buckets in the same database.
	fl, err := fleet.New(st.DB(), c.Clock, toks.IsAdmin)
	if err != nil {
		return ctl.fail(err)
	}
	fl.SetBundleDir(filepath.Join(c.DataDir, "bundles"))
	// Packages mounted beside the API authenticate through the API's
	// Authenticate (bearer tokens, then console sessions); ctl.api is set
	// below, before the listener starts, so the closure is safe.
	authn := api.Authenticator(func(r *http.Request) (api.Principal, bool) { return ctl.api.Authenticate(r) })
	_ = authn
	extra := map[string]http.Handler{"/api/v1/fleet/": fl.Handler()}
	var authenticators []api.Authenticator
	// Mounted packages: one block each, below this line.
	// Device status (kiosk offline tickets pending, printer problems), kept
	// beside the queue log, not in it.
	devs, err := devices.New(st.DB(), c.Clock, authn)
	if err != nil {
		return ctl.fail(err)
	}
	extra["POST /api/v1/devices/status"] = devs.Handler()
	extra["GET /api/v1/devices/status"] = devs.Handler()
	// Appointments (/api/v1/appointments): slots, bookings sealed with the
	// configured pii keys, the kiosk's check-in through the engine.
	bk, err := booking.New(booking.Options{DB: st.DB(), Hall: eng, Config: file.Booking, PII: file.PII,
		Calendar: workday.Default(), Clock: c.Clock, Logger: lg})
	if err != nil {
		return ctl.fail(err)
	}
	ctl.closers = append(ctl.closers, bk.Close)
	extra["/api/v1/appointments"] = bk.Handler(authn)
	extra["/api/v1/appointments/"] = bk.Handler(authn)
	// The citizen phone page (/m/): ticket status from the printed QR code,
	// waiting counts, the booking form.
	cz, err := citizen.New(citizen.Options{DB: st.DB(), Hall: eng, Booking: bk, Config: file.Citizen,
		Clock: c.Clock, Logger: lg, Authn: authn})
	if err != nil {
		return ctl.fail(err)
	}
	for pattern, h := range cz.Routes() {
		extra[pattern] = h
	}
	// The management console (/console/, GET /api/v1/hall): its sessions
	// authenticate API calls too; it decides which configuration is in
	// force (stored console version or an edited file).
	cons, err := console.New(ctl.ctx, console.Options{DB: st.DB(), Engine: eng, Clock: c.Clock, Logger: lg,
		Hall: file.Hall, Settings: file.Console, API: func() http.Handler { return ctl.api }, Authn: authn})
	if err != nil {
		return ctl.fail(err)
	}
	authenticators = append(authenticators, cons.Authenticator())
	extra["/console/"] = cons.Handler()
	extra["GET /console"] = cons.Handler()
	extra["GET /api/v1/hall"] = cons.Handler()

	// Evaluations (好差评) and the follow-ups of bad ratings.
	evs, err := eval.New(st.DB(), eng, eval.Options{Config: file.Evaluation, Clock: c.Clock, Logger: lg, Authn: authn})
	if err != nil {
		return ctl.fail(err)
	}
	for pattern, h := range evs.Routes() {
		extra[pattern] = h
	}
	// Reports (GET /api/v1/reports) from the event log, with the ratings
	// of the evaluation service above.
	rep := report.New(report.Options{DB: st.DB(), Clock: c.Clock, Authn: authn, Logger: lg,
		Hall: func() (cfg queue.Config, loc *time.Location) {
			eng.Read(context.Background(), func(h *queue.Hall, _ time.Time) { cfg, loc = h.Config(), h.Location() })
			return cfg, loc
		},
		Ratings: func(from, to time.Time) ([]hallproto.Evaluation, error) {
			return evs.Ratings(eval.Filter{From: from, To: to})
		}})
	extra["/api/v1/reports"] = rep.Handler()
	// Documents captured at the kiosks' document cameras, bound to a
	// ticket or to a person's ID-number hash, purged after retention_days.
	dc, err := docs.New(st.DB(), eng, docs.Options{Config: file.Documents, Clock: c.Clock, Logger: lg, Authn: authn})
	if err != nil {
		return ctl.fail(err)
	}
	for _, pattern := range docs.Routes {
		extra[pattern] = dc.Handler()
	}

	ctl.api = api.New(eng, api.Options{Tokens: toks, Logger: lg, Metrics: m,
		Authenticators: authenticators, Extra: extra})
	ln, err := net.Listen("tcp", c.Listen)
	if err != nil {
		return ctl.fail(fmt.Errorf("server: listen: %w", err))
	}
	ctl.ln = ln
	// Event streams never end by themselves, and http.Server.Shutdown does
	// not end handlers: the base context is cancelled on shutdown so the
	// streams close and Shutdown does not wait out its whole grace period.
	baseCtx, cancelStreams := context.WithCancel(context.Background())
	ctl.srv = &http.Server{Handler: ctl.api, BaseContext: func(net.Listener) context.Context { return baseCtx }, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second,
		IdleTimeout: 120 * time.Second, ErrorLog: slog.NewLogLogger(lg.Handler(), slog.LevelWarn)}
	ctl.srv.RegisterOnShutdown(cancelStreams)
	go func() {
		if err := ctl.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			lg.Error("http server", "err", err)
		}
	}()
	lg.Info("serving", "addr", ln.Addr().String())
	if c.Ready != nil {
		c.Ready(ln.Addr().String())
	}
	return ctl, nil
}

// Addr is the bound address.
func (c *Controller) Addr() string { return c.ln.Addr().String() }

// Handler is the API handler, for in-process use.
func (c *Controller) Handler() http.Handler { return c.api }

// Engine is the running engine.
func (c *Controller) Engine() *engine.Engine { return c.eng }

// Shutdown stops accepting requests, lets the ones in flight finish, then
// stops the engine and closes the store.
func (c *Controller) Shutdown(ctx context.Context) error {
	err := c.srv.Shutdown(ctx)
	if cerr := c.stop(); err == nil {
		err = cerr
	}
	return err
}

func checkLoopback(listen string) error {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return fmt.Errorf("server: -listen %q: %w", listen, err)
	}
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("server: -dev-token is allowed only on a loopback address (127.0.0.1:port), not %q", listen)
	}
	return nil
}

// Main is the controller command: flags, start, wait for a signal, shut down.
func Main(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("controller", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c Config
	var level string
	fs.StringVar(&c.Listen, "listen", "127.0.0.1:8080", "address to serve the API on (host:port)")
	fs.StringVar(&c.DataDir, "data", "/var/lib/hallq", "data directory (bbolt database)")
	fs.StringVar(&c.ConfigFile, "config", "", "hall configuration file (YAML); empty: the embedded demo hall")
	fs.StringVar(&c.DevToken, "dev-token", "", "admin token for local demos; loopback only, never in a hall")
	fs.StringVar(&level, "log-level", "info", "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return fmt.Errorf("-log-level: %w", err)
	}
	c.Logger = slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: lv}))
	ctl, err := Start(c)
	if err != nil {
		return err
	}
	<-ctx.Done()
	c.Logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return ctl.Shutdown(sctx)
}
