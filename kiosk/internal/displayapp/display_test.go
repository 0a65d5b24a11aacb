package displayapp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hallq/controller/controllertest"
	"hallq/controller/hallproto"
	"hallq/ui/display"
)

func TestConfig(t *testing.T) {
	b, err := os.ReadFile("../../cmd/display/display.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseConfig(b)
	if err != nil {
		t.Fatalf("example: %v", err)
	}
	if c.Voice.Times != 2 || c.Screen.Width != 1920 || c.FirstFrameFile == "" {
		t.Errorf("example: %+v", c)
	}
	for _, bad := range []string{
		"controller: http://x:1\ntoken: t\ncolour: red\n",             // unknown key
		"controller: ftp://x\ntoken: t\n",                             // scheme
		"controller: http://x:1\n",                                    // no token
		"controller: http://x:1\ntoken: t\nvoice: {mode: wav}\n",      // no dir
		"controller: http://x:1\ntoken: t\nvoice: {mode: speaker}\n",  // mode
		"controller: http://x:1\ntoken: t\nscreen: {width: 100000}\n", // size
	} {
		if _, err := ParseConfig([]byte(bad)); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

func post(t *testing.T, ctl *controllertest.Controller, path string, in any) {
	t.Helper()
	b, _ := json.Marshal(in)
	req, _ := http.NewRequest("POST", ctl.URL+path, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+ctl.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		t.Fatalf("%s: %d", path, resp.StatusCode)
	}
}

// TestHeadless: the display follows a real controller, lists a call and
// says it into a WAV file; a recall is said again.
func TestHeadless(t *testing.T) {
	ctl := controllertest.Start(t, nil)
	dir := t.TempDir()
	mode := "wav"
	if _, err := exec.LookPath("espeak-ng"); err != nil {
		t.Log("espeak-ng is not installed: voice off, the WAV part is skipped")
		mode = "off"
	}
	d, err := New(Config{Controller: ctl.URL, Token: ctl.Token, Headless: true, StatusEvery: time.Hour, Logger: testLogger(t),
		Voice: VoiceConfig{Mode: mode, Dir: dir, Times: 1}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("display did not stop")
		}
	})
	// Calls made before the display's first snapshot are listed unlit
	// and not said: wait for it.
	for start := time.Now(); len(d.View().Windows) == 0; time.Sleep(5 * time.Millisecond) {
		if time.Since(start) > 10*time.Second {
			t.Fatal("no snapshot")
		}
	}
	post(t, ctl, "/api/v1/windows/3/login", hallproto.ActionRequest{RequestID: "l3", Staff: "S003"})
	post(t, ctl, "/api/v1/tickets", hallproto.IssueRequest{RequestID: "i1", Service: "household"})
	// The controller's first command of the day rolls the day, which makes
	// the display reload; a call and a recall both made during a reload
	// are said once. Wait until the ticket is counted.
	for start := time.Now(); queueOf(d.Frame(time.Now()).Queues, "户籍证件") != 1; time.Sleep(5 * time.Millisecond) {
		if time.Since(start) > 10*time.Second {
			t.Fatal("the issued ticket never showed")
		}
	}
	post(t, ctl, "/api/v1/windows/3/call", hallproto.ActionRequest{RequestID: "c1"})
	post(t, ctl, "/api/v1/windows/3/recall", hallproto.ActionRequest{RequestID: "r1"})
	deadline := time.Now().Add(15 * time.Second)
	for {
		f := d.Frame(time.Now())
		if len(f.Calls) == 1 && f.Calls[0].Number == "B001" && f.Calls[0].WindowName == "3号窗口" && f.Calls[0].Highlight {
			if got := queueOf(f.Queues, "户籍证件"); got != 0 {
				t.Errorf("household waiting %d after the call", got)
			}
			if f.HallName == "" {
				t.Log("no hall name (GET /api/v1/hall not served)")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("frame never showed the call: %+v", f)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if mode == "off" {
		return
	}
	for {
		files, _ := filepath.Glob(filepath.Join(dir, "*.wav"))
		if len(files) == 2 {
			for i, f := range files {
				if want := fmt.Sprintf("%04d-B001-w3.wav", i+1); filepath.Base(f) != want {
					t.Errorf("file %d: %s, want %s", i, filepath.Base(f), want)
				}
			}
			h := d.Announcer().History()
			if len(h) != 2 || h[0].Text != "请B001号到3号窗口办理" || !h[1].Call.Recall {
				t.Errorf("history %+v", h)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("announcements: %q", files)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func queueOf(qs []display.QueueRow, name string) int {
	for _, q := range qs {
		if q.Name == name {
			return q.Waiting
		}
	}
	return -1
}

// TestScreen: without -tags noos the display refuses to start a screen with
// a clear error; with it, the virtual screen draws and the first-frame
// file appears.
func TestScreen(t *testing.T) {
	ctl := controllertest.Start(t, nil)
	ff := filepath.Join(t.TempDir(), "run", "first-frame")
	cfg := Config{Controller: ctl.URL, Token: ctl.Token, StatusEvery: time.Hour, FirstFrameFile: ff,
		Voice: VoiceConfig{Mode: "off"}, Screen: ScreenConfig{Virtual: "127.0.0.1:0", Width: 960, Height: 540}}
	if !ScreenSupported {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := Run(ctx, cfg); !errors.Is(err, ErrNoScreen) {
			t.Fatalf("screen without noos: %v", err)
		}
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- Run(ctx, cfg) }()
	deadline := time.Now().Add(15 * time.Second)
	for {
		if _, err := os.Stat(ff); err == nil {
			break
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatal("no first-frame file")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	select {
	case <-errc:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop")
	}
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}
