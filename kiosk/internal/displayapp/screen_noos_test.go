//go:build noos

package displayapp

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"hallq/controller/controllertest"
	"hallq/controller/hallproto"
)

// The hall screen has no touch input, and fyne's embedded driver paints
// only after input events: a call made after the first frame must still
// reach the screen. The frame the virtual screen serves must change.
func TestScreenRepaintsAfterCall(t *testing.T) {
	ctl := controllertest.Start(t, nil)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ff := filepath.Join(t.TempDir(), "first-frame")
	cfg := Config{Controller: ctl.URL, Token: ctl.Token, StatusEvery: time.Hour, FirstFrameFile: ff, Logger: testLogger(t),
		Voice: VoiceConfig{Mode: "off"}, Screen: ScreenConfig{Virtual: addr, Width: 960, Height: 540}}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- Run(ctx, cfg) }()
	defer func() {
		cancel()
		select {
		case <-errc:
		case <-time.After(10 * time.Second):
			t.Error("Run did not stop")
		}
	}()
	frame := func() []byte {
		resp, err := http.Get("http://" + addr + "/frame.png")
		if err != nil {
			return nil
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return b
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		if _, err := os.Stat(ff); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no first frame")
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(1500 * time.Millisecond) // let the snapshot land and the clock tick
	before := frame()
	if len(before) == 0 {
		t.Fatal("no frame from the virtual screen")
	}
	post(t, ctl, "/api/v1/windows/3/login", hallproto.ActionRequest{RequestID: "l3", Staff: "S003"})
	post(t, ctl, "/api/v1/tickets", hallproto.IssueRequest{RequestID: "i1", Service: "household"})
	post(t, ctl, "/api/v1/windows/3/call", hallproto.ActionRequest{RequestID: "c1"})
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if f := frame(); len(f) > 0 && !bytes.Equal(f, before) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the screen did not change after a call")
		}
	}
}
