package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"
)

func TestStartServesAPIAndFleet(t *testing.T) {
	ctl, err := Start(Config{Listen: "127.0.0.1:0", DataDir: t.TempDir(), DevToken: "server-test-token-0123",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer ctl.Shutdown(context.Background())
	for path, want := range map[string]int{
		"/api/v1/services":      200,
		"/api/v1/fleet/devices": 200,
		"/healthz":              200,
		"/metrics":              200,
	} {
		req, _ := http.NewRequest("GET", "http://"+ctl.Addr()+path, nil)
		req.Header.Set("Authorization", "Bearer server-test-token-0123")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%s: %d, want %d", path, resp.StatusCode, want)
		}
	}
}

func TestDevTokenOnlyOnLoopback(t *testing.T) {
	_, err := Start(Config{Listen: "0.0.0.0:0", DataDir: t.TempDir(), DevToken: "server-test-token-0123",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err == nil {
		t.Fatal("dev token accepted on a non-loopback address")
	}
}

// An open event stream must not hold shutdown up: http.Server.Shutdown
// waits for handlers, and a stream's handler only ends when its context
// does. Without the cancelled base context Shutdown returns the deadline
// error below.
func TestShutdownEndsEventStreams(t *testing.T) {
	ctl, err := Start(Config{Listen: "127.0.0.1:0", DataDir: t.TempDir(), DevToken: "server-test-token-0123",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", "http://"+ctl.Addr()+"/api/v1/events?since=now", nil)
	req.Header.Set("Authorization", "Bearer server-test-token-0123")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("events: %d", resp.StatusCode)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := ctl.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown with an open event stream: %v", err)
	}
	if _, err := io.Copy(io.Discard, resp.Body); err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Logf("stream ended with %v", err)
	}
}
