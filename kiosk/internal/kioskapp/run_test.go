package kioskapp_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"hallq/controller/controllertest"
	"hallq/kiosk/internal/kioskapp"
	"hallq/kiosk/internal/kioskapp/kioskapptest"
)

// TestRunHeadless opens the devices by their paths as on a device (the
// emulators' ptys), the controller link and the outbox, writes the
// first-frame file and stops cleanly.
func TestRunHeadless(t *testing.T) {
	ctrl := controllertest.Start(t, &controllertest.Options{Clock: hallClock()})
	devs, err := kioskapptest.Start(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer devs.Close()
	dir := t.TempDir()
	cfg := kioskapp.Config{Controller: ctrl.URL, Token: ctrl.Token, Headless: true,
		CardReader:     kioskapp.CardReaderConfig{Port: devs.CardPath},
		Printer:        kioskapp.PrinterConfig{Port: devs.PrinterPath, Profile: "80mm"},
		Outbox:         filepath.Join(dir, "outbox.db"),
		BusyFile:       filepath.Join(dir, "busy"),
		FirstFrameFile: filepath.Join(dir, "first-frame")}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- kioskapp.Run(ctx, cfg, nil) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(cfg.FirstFrameFile); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no first-frame file")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop")
	}
	if _, err := os.Stat(cfg.Outbox); err != nil {
		t.Errorf("outbox not created: %v", err)
	}

	cfg.Headless = false
	cfg.Screen.Virtual = "127.0.0.1:0"
	if !kioskapp.ScreenSupported {
		if err := kioskapp.Run(context.Background(), cfg, nil); !errors.Is(err, kioskapp.ErrNoScreen) {
			t.Errorf("screen without noos: %v", err)
		}
	}
}
