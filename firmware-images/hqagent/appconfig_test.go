package hqagent

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAppConfigCommand(t *testing.T) {
	dir := t.TempDir()
	tmpl := filepath.Join(dir, "kiosk.yaml")
	os.WriteFile(tmpl, []byte("controller: http://10.20.0.2:8080\ntoken: unenrolled-kiosk-0000\nprinter:\n  port: \"\"\nscreen:\n  touch: /dev/hallq/touch\n"), 0o644)
	ident := filepath.Join(dir, "identity.json")
	out := filepath.Join(dir, "run", "kiosk.yaml")
	args := []string{"app-config", "-template", tmpl, "-o", out, "-identity", ident,
		"-set", "controller=controller", "-set", "token=extra.token", "-set", "printer.port=ports.printer", "-optional", "printer.port,screen.touch"}
	tests := []struct {
		name     string
		identity string // "" : no file
		code     int
		want     []string
		log      []string
	}{
		{"not enrolled", "", 0, []string{"controller: http://10.20.0.2:8080", "token: unenrolled-kiosk-0000", `touch: ""`}, []string{"not enrolled", "/dev/hallq/touch does not exist"}},
		{"enrolled", `{"device_id":"k1","controller":"http://10.0.2.2:18080","settings":{"ports":{"printer":"` + tmpl + `"},"extra":{"token":"secret-kiosk-token-123"}}}`, 0,
			[]string{"controller: http://10.0.2.2:18080", "token: secret-kiosk-token-123", "port: " + tmpl}, []string{"token: from extra.token: (set)"}},
		{"broken identity falls back", `{"device_id":`, 0, []string{"controller: http://10.20.0.2:8080"}, []string{"using the image's defaults"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			os.Remove(ident)
			if tc.identity != "" {
				os.WriteFile(ident, []byte(tc.identity), 0o600)
			}
			var stderr bytes.Buffer
			if code := Main(args, &stderr); code != tc.code {
				t.Fatalf("exit %d, want %d: %s", code, tc.code, stderr.String())
			}
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(b), w) {
					t.Errorf("config lacks %q:\n%s", w, b)
				}
			}
			for _, w := range tc.log {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("log lacks %q:\n%s", w, stderr.String())
				}
			}
			if strings.Contains(stderr.String(), "secret-kiosk-token") {
				t.Error("token logged")
			}
			if fi, _ := os.Stat(out); fi.Mode().Perm() != 0o600 {
				t.Errorf("mode %v: the file holds the token", fi.Mode())
			}
		})
	}
	var stderr bytes.Buffer
	if code := Main([]string{"app-config", "-template", tmpl}, &stderr); code != 2 {
		t.Errorf("without -o: exit %d", code)
	}
	if code := Main([]string{"app-config", "-template", filepath.Join(dir, "none.yaml"), "-o", out}, &stderr); code != 1 {
		t.Errorf("missing template: exit %d", code)
	}
	if code := Main([]string{"app-config", "-template", tmpl, "-o", out, "-set", "token=nosuch"}, &stderr); code != 1 {
		t.Errorf("unknown field: exit %d", code)
	}
}
