package hqagent

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestHelpers(t *testing.T) {
	d := t.TempDir()
	os.WriteFile(filepath.Join(d, "version"), []byte("2026.11.3 4\n"), 0o644)
	if v, e := readVersion(filepath.Join(d, "version")); v != "2026.11.3" || e != 4 {
		t.Fatal(v, e)
	}
	os.WriteFile(filepath.Join(d, "hqseed.jsn"), []byte(`{"controller":"http://10.0.0.2:8080","token":"hq_0123456789abcdefgh"}`), 0o644)
	if p, s := findSeed(d); p == "" || s.Token != "hq_0123456789abcdefgh" {
		t.Fatal("seed not found case-insensitively")
	}
	c := &Config{BusyFile: filepath.Join(d, "busy"), Inbox: filepath.Join(d, "inbox"), USBDir: filepath.Join(d, "usb"), StateDir: d}
	if !c.idle() {
		t.Fatal("idle without busy file")
	}
	os.WriteFile(c.BusyFile, nil, 0o644)
	if c.idle() {
		t.Fatal("idle while busy")
	}
	old := time.Now().Add(-time.Hour)
	os.Chtimes(c.BusyFile, old, old)
	if !c.idle() {
		t.Fatal("stale busy file blocks updates")
	}
	os.MkdirAll(filepath.Join(c.USBDir, "sdb1"), 0o755)
	os.WriteFile(filepath.Join(c.USBDir, "sdb1", "hallq-kiosk-1.3.0.hqb"), []byte("x"), 0o644)
	if p := c.nextLocal(); filepath.Base(p) != "hallq-kiosk-1.3.0.hqb" {
		t.Fatalf("usb bundle not found: %q", p)
	}
	if p := c.nextLocal(); p != "" {
		t.Fatal("same bundle offered twice")
	}
	if err := c.push(filepath.Join(c.USBDir, "sdb1", "hallq-kiosk-1.3.0.hqb")); err != nil {
		t.Fatal(err)
	}
	if p := c.nextLocal(); filepath.Dir(p) != c.Inbox {
		t.Fatalf("pushed bundle not offered: %q", p)
	}
	hf := &Config{HealthFile: filepath.Join(d, "first-frame")}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := hf.Health(ctx); err == nil {
		t.Fatal("healthy without first frame")
	}
	os.WriteFile(hf.HealthFile, nil, 0o644)
	if err := hf.Health(context.Background()); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if Main([]string{"bogus"}, &buf) != 1 {
		t.Fatal("bogus command accepted")
	}
}
