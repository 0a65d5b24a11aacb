package hqfw

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hallq/firmware-images/fat"
	"hallq/firmware-images/fleetapi"
	"hallq/firmware-images/gpt"
	"hallq/firmware-images/seed"
)

func run(t *testing.T, env map[string]string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(args, &Env{Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return env[k] }})
	return out.String(), errb.String(), code
}

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	out, errs, code := run(t, nil, args...)
	if code != 0 {
		t.Fatalf("hqfw %v: exit %d\n%s%s", args, code, out, errs)
	}
	return out
}

func TestBundleKeysSignVerify(t *testing.T) {
	d := t.TempDir()
	p := func(s string) string { return filepath.Join(d, s) }
	os.WriteFile(p("root.img"), bytes.Repeat([]byte("root"), 100000), 0o644)
	os.WriteFile(p("vmlinuz"), []byte("kernel"), 0o644)
	mustRun(t, "keygen", "-o", p("old"))
	mustRun(t, "keygen", "-o", p("new"))
	if _, _, code := run(t, nil, "keygen", "-o", p("new")); code == 0 {
		t.Fatal("keygen overwrote a key")
	}
	mustRun(t, "bundle", "create", "-product", "hallq-kiosk", "-version", "1.3.0", "-epoch", "2", "-payload", "rootfs="+p("root.img"),
		"-payload", "kernel="+p("vmlinuz"), "-o", p("unsigned.hqb"))
	if _, errs, code := run(t, nil, "bundle", "verify", "-pub", p("new.pub"), p("unsigned.hqb")); code != 1 || !strings.Contains(errs, "not signed") {
		t.Fatalf("unsigned verified: %s", errs)
	}
	mustRun(t, "bundle", "sign", "-key", p("new.key"), "-in", p("unsigned.hqb"), "-o", p("k.hqb"))
	out := mustRun(t, "bundle", "verify", "-pub", p("old.pub"), "-pub", p("new.pub"), "-product", "hallq-kiosk", "-installed", "1.2.0", p("k.hqb"))
	if !strings.Contains(out, "OK hallq-kiosk 1.3.0") {
		t.Fatal(out)
	}
	if _, errs, code := run(t, nil, "bundle", "verify", "-pub", p("old.pub"), p("k.hqb")); code != 1 || !strings.Contains(errs, "unknown key") {
		t.Fatalf("wrong key: %s", errs)
	}
	if _, errs, code := run(t, nil, "bundle", "verify", "-pub", p("new.pub"), "-installed", "1.3.0", p("k.hqb")); code != 1 || !strings.Contains(errs, "not newer") {
		t.Fatalf("old version: %s", errs)
	}
	if _, _, code := run(t, nil, "nonsense"); code != 2 {
		t.Fatal("unknown command accepted")
	}
}

// image builds a small sparse GPT disk image with a FAT32 ESP.
func diskImage(t *testing.T, path string, size int64) {
	f, _ := os.Create(path)
	defer f.Close()
	f.Truncate(size)
	tab, err := gpt.Layout(size, []gpt.Spec{{Name: "esp", Type: gpt.TypeESP, Size: 34 << 20}, {Name: "root-a", Type: gpt.TypeRootX86, Size: 4 << 20},
		{Name: "root-b", Type: gpt.TypeRootX86, Size: 4 << 20}, {Name: "data", Type: gpt.TypeLinuxData}})
	if err != nil {
		t.Fatal(err)
	}
	tab.Write(f)
	esp, _ := tab.Find("esp")
	if err := fat.Format(f, int64(esp.First)*512, esp.Size(), true, "ESP"); err != nil {
		t.Fatal(err)
	}
	ra, _ := tab.Find("root-a")
	f.WriteAt(bytes.Repeat([]byte("rootfs"), 300000), int64(ra.First)*512)
}

func TestFlashGrowSeed(t *testing.T) {
	d := t.TempDir()
	img, card := filepath.Join(d, "hallq.img"), filepath.Join(d, "card.img")
	diskImage(t, img, 48<<20)
	mustRun(t, "bmap", img)
	out := mustRun(t, "flash", "-image", img, "-target", card)
	if !strings.Contains(out, "verified") {
		t.Fatal(out)
	}
	a, _ := os.ReadFile(img)
	b, _ := os.ReadFile(card)
	if !bytes.Equal(a, b) {
		t.Fatal("card differs from image")
	}
	out = mustRun(t, "grow", "-target", card, "-size", "100000000")
	if !strings.Contains(out, "data now") {
		t.Fatal(out)
	}
	f, _ := os.Open(card)
	tab, err := gpt.Read(f, 100000000)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if dp, _ := tab.Find("data"); dp.Size() < 40<<20 {
		t.Fatalf("data not grown: %d", dp.Size())
	}
	mustRun(t, "seed", "-target", card, "-controller", "http://10.20.0.2:8080", "-token", "hq_abcdefghijklmnopqrstuvwx")
	f, _ = os.Open(card)
	defer f.Close()
	s, err := seed.ReadFromDisk(f, 100000000)
	if err != nil || s.Token != "hq_abcdefghijklmnopqrstuvwx" {
		t.Fatalf("%+v %v", s, err)
	}
	// A corrupted bmap is refused before anything is written.
	bm, _ := os.ReadFile(img + ".bmap")
	os.WriteFile(img+".bmap", bytes.Replace(bm, []byte("<BlockSize> 4096"), []byte("<BlockSize> 8192"), 1), 0o644)
	if _, _, code := run(t, nil, "flash", "-image", img, "-target", filepath.Join(d, "card2.img")); code != 1 {
		t.Fatal("corrupt bmap accepted")
	}
	if _, err := os.Stat(filepath.Join(d, "card2.img")); err == nil {
		t.Fatal("target written despite a bad bmap")
	}
}

func TestFleetCommands(t *testing.T) {
	var gotDesired fleetapi.DesiredRequest
	var gotToken fleetapi.TokenRequest
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer s3cret" {
			w.WriteHeader(401)
			w.Write([]byte(`{"error":{"code":"unauthorized","message":"administrator credentials required"}}`))
			return
		}
		switch r.URL.Path {
		case fleetapi.PathDevices:
			json.NewEncoder(w).Encode([]fleetapi.Device{{ID: "dev-1", Role: "kiosk", Hostname: "kiosk-张三", Status: fleetapi.Status{Version: "1.3.0", Slot: "b", Health: "ok"}, Failed: []string{"1.4.0"}}})
		case fleetapi.PathDevices + "/dev-1/events":
			json.NewEncoder(w).Encode([]fleetapi.Event{{Seq: 1, Step: "rollback", Version: "1.4.0", Detail: "citizen 41152119900307123X"}})
		case fleetapi.PathDesired:
			json.NewDecoder(r.Body).Decode(&gotDesired)
			json.NewEncoder(w).Encode(fleetapi.DesiredResponse{Role: gotDesired.Role, Bundle: gotDesired.Bundle, Version: "1.5.0", Product: "hallq-kiosk"})
		case fleetapi.PathTokens:
			json.NewDecoder(r.Body).Decode(&gotToken)
			json.NewEncoder(w).Encode(fleetapi.TokenResponse{Token: "hq_tok", Role: "window"})
		default:
			json.NewEncoder(w).Encode([]fleetapi.BundleInfo{})
		}
	}))
	defer srv.Close()
	env := map[string]string{"HALLQ_CONTROLLER": srv.URL, "HALLQ_ADMIN_TOKEN": "s3cret"}
	out, errs, code := run(t, env, "devices")
	if code != 0 || !strings.Contains(out, "dev-1") || !strings.Contains(out, "1.4.0") {
		t.Fatalf("%s %s", out, errs)
	}
	if out, _, code := run(t, env, "desired", "-role", "kiosk", "-bundle", "k-1.5.0.hqb"); code != 0 || gotDesired.Bundle != "k-1.5.0.hqb" || !strings.Contains(out, "1.5.0") {
		t.Fatalf("%s %+v", out, gotDesired)
	}
	if out, _, code := run(t, env, "token", "-role", "window", "-window", "3", "-port", "keypad=/dev/serial/by-id/x", "-extra", "token=app-token-0123456789"); code != 0 || strings.TrimSpace(out) != "hq_tok" {
		t.Fatal(out)
	}
	if gotToken.Settings.Window != 3 || gotToken.Settings.Ports["keypad"] != "/dev/serial/by-id/x" || gotToken.Settings.Extra["token"] != "app-token-0123456789" {
		t.Fatalf("token request %+v", gotToken)
	}
	if _, _, code := run(t, env, "token", "-role", "kiosk", "-extra", "novalue"); code == 0 {
		t.Fatal("-extra without = accepted")
	}
	if _, errs, code := run(t, map[string]string{"HALLQ_CONTROLLER": srv.URL}, "devices"); code != 1 || !strings.Contains(errs, "unauthorized") {
		t.Fatal(errs)
	}
	sb := filepath.Join(t.TempDir(), "s.tar.gz")
	if _, errs, code := run(t, env, "support-bundle", "-o", sb); code != 0 {
		t.Fatal(errs)
	}
	raw, _ := os.ReadFile(sb)
	if len(raw) < 100 {
		t.Fatal("support bundle empty")
	}
}
