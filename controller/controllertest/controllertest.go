// Package controllertest starts a real hall controller on a temporary
// directory and a loopback port, for other packages' tests (kiosks, window
// terminals, displays, hallctl). Shipped binaries never link it.
package controllertest

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"hallq/controller/server"
)

// Token is the admin token of every test controller.
const Token = "controllertest-admin-token"

// Controller is a running test controller.
type Controller struct {
	URL     string // http://127.0.0.1:port
	Token   string
	DataDir string
	ctl     *server.Controller
}

// Options adjust Start.
type Options struct {
	// ConfigYAML replaces the embedded demo hall.
	ConfigYAML string
	// DataDir reuses a directory (to test restarts); default t.TempDir().
	DataDir string
	Clock   func() time.Time
}

// Start runs a controller until the test ends.
func Start(t testing.TB, o *Options) *Controller {
	t.Helper()
	if o == nil {
		o = &Options{}
	}
	dir := o.DataDir
	if dir == "" {
		dir = t.TempDir()
	}
	cfg := ""
	if o.ConfigYAML != "" {
		cfg = filepath.Join(t.TempDir(), "hall.yaml")
		if err := os.WriteFile(cfg, []byte(o.ConfigYAML), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ctl, err := server.Start(server.Config{Listen: "127.0.0.1:0", DataDir: dir, ConfigFile: cfg, DevToken: Token,
		Clock: o.Clock, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatalf("controllertest: %v", err)
	}
	c := &Controller{URL: "http://" + ctl.Addr(), Token: Token, DataDir: dir, ctl: ctl}
	t.Cleanup(func() { c.Stop() })
	return c
}

// Stop shuts the controller down (idempotent), e.g. to test a device's
// offline behaviour or a restart on the same DataDir.
func (c *Controller) Stop() {
	if c.ctl == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c.ctl.Shutdown(ctx)
	c.ctl = nil
}
