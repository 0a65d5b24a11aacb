package main

import (
	"os"
	"path/filepath"
	"testing"

	"hallq/kiosk/internal/kioskapp"
)

func TestRunExitCodes(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	bad := write("bad.yaml", "controller: http://127.0.0.1:1\ntoken: short\nheadless: true\n")
	if code := run([]string{"-config", bad}); code != 2 {
		t.Errorf("bad config: exit %d, want 2", code)
	}
	if code := run([]string{"-config", filepath.Join(dir, "missing.yaml")}); code != 2 {
		t.Errorf("missing config: exit %d, want 2", code)
	}
	if code := run([]string{"-nosuchflag"}); code != 2 {
		t.Errorf("bad flag: exit %d, want 2", code)
	}
	if !kioskapp.ScreenSupported {
		screen := write("screen.yaml", "controller: http://127.0.0.1:1\ntoken: 0123456789abcdef\nscreen: {virtual: \"127.0.0.1:0\"}\n")
		if code := run([]string{"-config", screen}); code != 2 {
			t.Errorf("screen without -tags noos: exit %d, want 2", code)
		}
	}
}

func TestExampleConfig(t *testing.T) {
	if _, err := kioskapp.LoadConfig("kiosk.example.yaml"); err != nil {
		t.Fatal(err)
	}
}
