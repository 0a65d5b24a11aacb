package displayapp

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"hallq/controller/controllertest"
	"hallq/ui/display"
)

// TestClockInHallZone: the device's clock is UTC (a fake clock here); the
// screen shows the hall's time: China Standard Time before the controller
// answered, then the zone of the hall's configuration (Asia/Urumqi, UTC+6,
// so the test cannot pass on a hard-coded +8).
func TestClockInHallZone(t *testing.T) {
	b, err := os.ReadFile("../../../controller/internal/hallconfig/demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := strings.Replace(string(b), "timezone: Asia/Shanghai", "timezone: Asia/Urumqi", 1)
	if cfg == string(b) {
		t.Fatal("demo.yaml has no timezone: Asia/Shanghai line")
	}
	ctl := controllertest.Start(t, &controllertest.Options{ConfigYAML: cfg})
	d, err := New(Config{Controller: ctl.URL, Token: ctl.Token, Headless: true, StatusEvery: time.Hour, Logger: testLogger(t),
		Voice: VoiceConfig{Mode: "off"}})
	if err != nil {
		t.Fatal(err)
	}
	utc := time.Date(2026, 11, 21, 1, 31, 5, 0, time.UTC)
	if got, want := display.ClockText(d.Frame(utc).Now), "2026年11月21日 星期六 09:31:05"; got != want {
		t.Errorf("before the snapshot: %q, want %q", got, want)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("display did not stop")
		}
	}()
	for start := time.Now(); len(d.View().Windows) == 0; time.Sleep(5 * time.Millisecond) {
		if time.Since(start) > 10*time.Second {
			t.Fatal("no snapshot")
		}
	}
	if got, want := display.ClockText(d.Frame(utc).Now), "2026年11月21日 星期六 07:31:05"; got != want {
		t.Errorf("hall in Asia/Urumqi: %q, want %q", got, want)
	}
}
