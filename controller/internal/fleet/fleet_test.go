package fleet_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"hallq/controller/internal/fleet"
	"hallq/firmware-images/agent"
	"hallq/firmware-images/boot/boottest"
	"hallq/firmware-images/bundle"
	"hallq/firmware-images/bundle/bundletest"
	"hallq/firmware-images/enrol"
	"hallq/firmware-images/fleetapi"
	"hallq/firmware-images/seed"
)

const adminToken = "admin-secret"

type env struct {
	t       *testing.T
	srv     *httptest.Server
	db      *bbolt.DB
	now     time.Time
	admin   *fleetapi.Client
	bundles string
	tick    int
}

func newEnv(t *testing.T) *env {
	t.Helper()
	db, err := bbolt.Open(filepath.Join(t.TempDir(), "hall.db"), 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, db: db, now: time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC), bundles: t.TempDir()}
	svc, err := fleet.New(db, func() time.Time { return e.now }, func(r *http.Request) bool {
		return r.Header.Get("Authorization") == "Bearer "+adminToken
	})
	if err != nil {
		t.Fatal(err)
	}
	svc.SetBundleDir(e.bundles)
	e.srv = httptest.NewServer(svc.Handler())
	e.admin = &fleetapi.Client{Base: e.srv.URL, AdminToken: adminToken}
	t.Cleanup(func() {
		e.srv.Close()
		if err := db.View(func(tx *bbolt.Tx) error {
			for err := range tx.Check() {
				return err
			}
			return nil
		}); err != nil {
			t.Errorf("bbolt check: %v", err)
		}
		db.Close()
	})
	return e
}

func (e *env) token(role string, st fleetapi.Settings, ttl int64) string {
	e.t.Helper()
	var tr fleetapi.TokenResponse
	if err := e.admin.Do(context.Background(), "POST", fleetapi.PathTokens, fleetapi.TokenRequest{Role: role, Settings: st, TTLSeconds: ttl}, &tr); err != nil {
		e.t.Fatal(err)
	}
	return tr.Token
}

func (e *env) enrolDevice(tok string) (*enrol.Identity, ed25519.PrivateKey) {
	e.t.Helper()
	dir := e.t.TempDir()
	id, key, err := enrol.Ensure(context.Background(), enrol.Files{Key: filepath.Join(dir, "key"), Identity: filepath.Join(dir, "id.json")},
		&seed.Seed{Controller: e.srv.URL, Token: tok}, enrol.Info{Hostname: "kiosk-1", Board: "x86-64-uefi", Product: "hallq-kiosk", Version: "1.2.0"})
	if err != nil {
		e.t.Fatal(err)
	}
	return id, key
}

func (e *env) deviceClient(id *enrol.Identity, key ed25519.PrivateKey) *fleetapi.Client {
	c := id.Client(key)
	// Devices' clocks move forward between requests, across agent restarts.
	c.Now = func() time.Time { e.tick++; return e.now.Add(time.Duration(e.tick) * time.Millisecond) }
	return c
}

func apiCode(err error) string {
	var ae *fleetapi.APIError
	if errors.As(err, &ae) {
		return ae.Code
	}
	return "no api error: " + func() string {
		if err == nil {
			return "nil"
		}
		return err.Error()
	}()
}

func TestEnrolAndTokens(t *testing.T) {
	e := newEnv(t)
	ports := map[string]string{"keypad": "/dev/serial/by-id/usb-FTDI_FT232R_A10K3-if00-port0"}
	tok := e.token("window", fleetapi.Settings{Window: 12, Ports: ports}, 0)
	id, key := e.enrolDevice(tok)
	if id.Role != "window" || id.Settings.Window != 12 || id.Settings.Ports["keypad"] != ports["keypad"] {
		t.Fatalf("%+v", id)
	}
	// Reuse by another device is refused.
	_, other, _ := ed25519.GenerateKey(nil)
	req := fleetapi.EnrolRequest{Token: tok, PublicKey: base64.StdEncoding.EncodeToString(other.Public().(ed25519.PublicKey))}
	anon := &fleetapi.Client{Base: e.srv.URL}
	if err := anon.Do(context.Background(), "POST", fleetapi.PathEnrol, req, nil); apiCode(err) != fleetapi.CodeTokenUsed {
		t.Fatalf("reused token: %v", err)
	}
	// Unknown and expired tokens.
	req.Token = "hq_doesnotexist0000000000"
	if err := anon.Do(context.Background(), "POST", fleetapi.PathEnrol, req, nil); apiCode(err) != fleetapi.CodeUnauthorized {
		t.Fatalf("unknown token: %v", err)
	}
	req.Token = e.token("kiosk", fleetapi.Settings{}, 60)
	e.now = e.now.Add(2 * time.Minute)
	if err := anon.Do(context.Background(), "POST", fleetapi.PathEnrol, req, nil); apiCode(err) != fleetapi.CodeTokenExpired {
		t.Fatalf("expired token: %v", err)
	}
	// The device authenticates with its key from now on.
	c := e.deviceClient(id, key)
	resp, err := c.Checkin(context.Background(), fleetapi.Status{Version: "1.2.0", Slot: "a", Health: "ok", State: "idle"})
	if err != nil || resp.Role != "window" || resp.Settings.Window != 12 || resp.Desired != nil {
		t.Fatalf("%+v %v", resp, err)
	}
	// Someone else's key, and no key, are refused.
	forged := &fleetapi.Client{Base: e.srv.URL, DeviceID: id.DeviceID, Key: other, Now: func() time.Time { return e.now.Add(time.Second) }}
	if _, err := forged.Checkin(context.Background(), fleetapi.Status{}); apiCode(err) != fleetapi.CodeUnauthorized {
		t.Fatalf("forged: %v", err)
	}
	if _, err := anon.Checkin(context.Background(), fleetapi.Status{}); apiCode(err) != fleetapi.CodeUnauthorized {
		t.Fatalf("unsigned: %v", err)
	}
	// A clock far off is refused.
	skewed := id.Client(key)
	skewed.Now = func() time.Time { return e.now.Add(-time.Hour) }
	if _, err := skewed.Checkin(context.Background(), fleetapi.Status{}); apiCode(err) != fleetapi.CodeUnauthorized {
		t.Fatalf("skewed: %v", err)
	}
}

func TestReplayRefused(t *testing.T) {
	e := newEnv(t)
	id, key := e.enrolDevice(e.token("kiosk", fleetapi.Settings{}, 0))
	body := []byte(`{"version":"1.2.0","security_epoch":0,"slot":"a","health":"ok","state":"idle"}`)
	req, _ := http.NewRequest("POST", e.srv.URL+fleetapi.PathCheckin, bytes.NewReader(body))
	fleetapi.Sign(req, id.DeviceID, key, e.now, body)
	send := func() int {
		r2, _ := http.NewRequest("POST", req.URL.String(), bytes.NewReader(body))
		r2.Header = req.Header.Clone()
		resp, err := http.DefaultClient.Do(r2)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := send(); s != 200 {
		t.Fatalf("first: %d", s)
	}
	if s := send(); s != 401 {
		t.Fatalf("replay: %d", s)
	}
}

func TestAdminOnlyAndErrorShape(t *testing.T) {
	e := newEnv(t)
	for _, r := range []struct{ method, path string }{
		{"POST", fleetapi.PathTokens}, {"GET", fleetapi.PathDevices}, {"PUT", fleetapi.PathDesired}, {"GET", fleetapi.PathBundleLs},
		{"GET", fleetapi.PathBundles + "x.hqb"},
	} {
		req, _ := http.NewRequest(r.method, e.srv.URL+r.path, strings.NewReader("{}"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var eb fleetapi.ErrorBody
		json.NewDecoder(resp.Body).Decode(&eb)
		resp.Body.Close()
		if resp.StatusCode != 401 || eb.Error.Code != fleetapi.CodeUnauthorized || eb.Error.Message == "" {
			t.Errorf("%s %s: %d %+v", r.method, r.path, resp.StatusCode, eb)
		}
	}
	resp, _ := http.Get(e.srv.URL + fleetapi.Prefix + "nope")
	var eb fleetapi.ErrorBody
	json.NewDecoder(resp.Body).Decode(&eb)
	resp.Body.Close()
	if resp.StatusCode != 404 || eb.Error.Code != fleetapi.CodeNotFound {
		t.Errorf("unknown route: %d %+v", resp.StatusCode, eb)
	}
	bad := []fleetapi.TokenRequest{{Role: "toaster"}, {Role: "window", Settings: fleetapi.Settings{Ports: map[string]string{"keypad": "/dev/ttyUSB0"}}}}
	for _, b := range bad {
		if err := e.admin.Do(context.Background(), "POST", fleetapi.PathTokens, b, nil); apiCode(err) != fleetapi.CodeBadRequest {
			t.Errorf("%+v: %v", b, err)
		}
	}
	for _, name := range []string{"..%2Fetc%2Fpasswd", ".hidden"} {
		if err := e.admin.Do(context.Background(), "PUT", fleetapi.PathDesired, fleetapi.DesiredRequest{Role: "kiosk", Bundle: name}, nil); err == nil {
			t.Errorf("bundle %q accepted", name)
		}
	}
}

func writeBundle(t *testing.T, dir, name, version string, img []byte) []byte {
	b, err := bundletest.Make("hallq-kiosk", version, 1, []string{"x86-64-uefi"}, []bundletest.Payload{{Name: "rootfs", Data: img}}, bundletest.DevKey())
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, name), b, 0o644)
	return b
}

func TestDesiredAndRangeDownload(t *testing.T) {
	e := newEnv(t)
	id, key := e.enrolDevice(e.token("kiosk", fleetapi.Settings{}, 0))
	id2, key2 := e.enrolDevice(e.token("kiosk", fleetapi.Settings{}, 0))
	b13 := writeBundle(t, e.bundles, "kiosk-1.3.0.hqb", "1.3.0", bytes.Repeat([]byte("GOOD"), 100000))
	writeBundle(t, e.bundles, "kiosk-1.4.0.hqb", "1.4.0", bytes.Repeat([]byte("GOOD"), 1000))
	ctx := context.Background()
	var dr fleetapi.DesiredResponse
	if err := e.admin.Do(ctx, "PUT", fleetapi.PathDesired, fleetapi.DesiredRequest{Role: "kiosk", Bundle: "kiosk-1.3.0.hqb"}, &dr); err != nil || dr.Version != "1.3.0" {
		t.Fatalf("%+v %v", dr, err)
	}
	if err := e.admin.Do(ctx, "PUT", fleetapi.PathDesired, fleetapi.DesiredRequest{Device: id2.DeviceID, Bundle: "kiosk-1.4.0.hqb"}, nil); err != nil {
		t.Fatal(err)
	}
	if err := e.admin.Do(ctx, "PUT", fleetapi.PathDesired, fleetapi.DesiredRequest{Device: "dev-nope", Bundle: "kiosk-1.4.0.hqb"}, nil); apiCode(err) != fleetapi.CodeNotFound {
		t.Fatalf("unknown device: %v", err)
	}
	c := e.deviceClient(id, key)
	resp, err := c.Checkin(ctx, fleetapi.Status{Version: "1.2.0"})
	if err != nil || resp.Desired == nil || resp.Desired.Version != "1.3.0" || resp.Desired.Size != int64(len(b13)) {
		t.Fatalf("%+v %v", resp, err)
	}
	if r2, _ := e.deviceClient(id2, key2).Checkin(ctx, fleetapi.Status{}); r2.Desired == nil || r2.Desired.Version != "1.4.0" {
		t.Fatalf("device override: %+v", r2)
	}
	// Resumable download.
	rc, total, err := c.Fetch(ctx, resp.Desired.URL, 1000)
	if err != nil {
		t.Fatal(err)
	}
	rest, _ := io.ReadAll(rc)
	rc.Close()
	if total != int64(len(b13)) || !bytes.Equal(rest, b13[1000:]) {
		t.Fatalf("range: total %d, %d bytes", total, len(rest))
	}
	if _, _, err := (&fleetapi.Client{Base: e.srv.URL}).Fetch(ctx, resp.Desired.URL, 0); apiCode(err) != fleetapi.CodeUnauthorized {
		t.Fatalf("anonymous download: %v", err)
	}
	var infos []fleetapi.BundleInfo
	if err := e.admin.Do(ctx, "GET", fleetapi.PathBundleLs, nil, &infos); err != nil || len(infos) != 2 {
		t.Fatalf("%+v %v", infos, err)
	}
}

// TestAgentAgainstFleet runs the real update agent against the real fleet
// service: a good update commits, a bad one rolls back and the controller
// lists which version failed.
func TestAgentAgainstFleet(t *testing.T) {
	e := newEnv(t)
	id, key := e.enrolDevice(e.token("kiosk", fleetapi.Settings{}, 0))
	ctx := context.Background()
	dir := t.TempDir()
	slots := &agent.DirSlots{Dir: filepath.Join(dir, "slots"), Names: []string{"rootfs"}, Cap: 8 << 20}
	os.MkdirAll(filepath.Join(slots.Dir, "a"), 0o755)
	os.WriteFile(filepath.Join(slots.Dir, "a", "rootfs"), []byte("GOOD factory"), 0o644)
	fb := boottest.New()
	trust, _ := bundle.NewTrustStore(bundle.Development, bundletest.DevKey().Public().(ed25519.PublicKey))
	newAgent := func() *agent.Agent {
		a, err := agent.New(agent.Opts{Dir: filepath.Join(dir, "state"), Boot: fb, Slots: slots, Trust: trust, Product: "hallq-kiosk",
			Board: "x86-64-uefi", Controller: e.deviceClient(id, key), Version: "1.2.0", Epoch: 1, MaintenanceHour: -1,
			Reboot: func() error { return nil },
			Health: func(context.Context) error {
				s, _ := fb.Booted()
				b, _ := os.ReadFile(filepath.Join(slots.Dir, s, "rootfs"))
				if !bytes.HasPrefix(b, []byte("GOOD")) {
					return errors.New("kiosk did not start")
				}
				return nil
			}})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	drive := func() *agent.Agent {
		a := newAgent()
		for i := 0; i < 100; i++ {
			wait, err := a.Step(ctx)
			if errors.Is(err, agent.ErrRebooting) {
				fb.PowerCycle()
				a = newAgent()
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			if wait && a.State().State == agent.Idle {
				return a
			}
		}
		t.Fatal("agent did not settle")
		return nil
	}
	writeBundle(t, e.bundles, "good.hqb", "1.3.0", bytes.Repeat([]byte("GOOD"), 50000))
	writeBundle(t, e.bundles, "bad.hqb", "1.4.0", bytes.Repeat([]byte("BAD!"), 50000))
	e.admin.Do(ctx, "PUT", fleetapi.PathDesired, fleetapi.DesiredRequest{Role: "kiosk", Bundle: "good.hqb"}, nil)
	if st := drive().State(); st.Version != "1.3.0" {
		t.Fatalf("good update: %+v", st)
	}
	e.admin.Do(ctx, "PUT", fleetapi.PathDesired, fleetapi.DesiredRequest{Role: "kiosk", Bundle: "bad.hqb"}, nil)
	if st := drive().State(); st.Version != "1.3.0" || st.Slot != "b" {
		t.Fatalf("bad update: %+v", st)
	}
	drive() // one more check-in reports the final status
	var devs []fleetapi.Device
	if err := e.admin.Do(ctx, "GET", fleetapi.PathDevices, nil, &devs); err != nil || len(devs) != 1 {
		t.Fatalf("%v %v", devs, err)
	}
	d := devs[0]
	if d.Status.Version != "1.3.0" || d.Status.Slot != "b" || d.Status.Health != "ok" || d.Desired != "1.4.0" ||
		len(d.Failed) != 1 || d.Failed[0] != "1.4.0" || d.LastContact.IsZero() {
		t.Fatalf("device listing %+v", d)
	}
	var evs []fleetapi.Event
	if err := e.admin.Do(ctx, "GET", fleetapi.PathDevices+"/"+d.ID+"/events", nil, &evs); err != nil || len(evs) < 10 {
		t.Fatalf("%d events, %v", len(evs), err)
	}
	if last := evs[len(evs)-1]; last.Step != fleetapi.StepRollback || last.Version != "1.4.0" {
		t.Fatalf("last event %+v", last)
	}
}
