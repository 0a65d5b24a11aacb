package enrol_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"

	"hallq/firmware-images/enrol"
	"hallq/firmware-images/fleetapi"
	"hallq/firmware-images/seed"
)

func TestEnsureEnrolsOnceOverPinnedTLS(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		var req fleetapi.EnrolRequest
		json.NewDecoder(r.Body).Decode(&req)
		if r.URL.Path != fleetapi.PathEnrol || req.Token != "tok_0123456789abcdef" || req.PublicKey == "" {
			http.Error(w, `{"error":{"code":"bad_request","message":"x"}}`, 400)
			return
		}
		json.NewEncoder(w).Encode(fleetapi.EnrolResponse{DeviceID: "dev-1", Role: "window", Settings: fleetapi.Settings{Window: 7}})
	}))
	defer srv.Close()
	sum := sha256.Sum256(srv.Certificate().Raw)
	fp := hex.EncodeToString(sum[:])
	dir := t.TempDir()
	files := enrol.Files{Key: filepath.Join(dir, "device.key"), Identity: filepath.Join(dir, "identity.json")}
	s := &seed.Seed{Controller: srv.URL, CAFingerprint: fp, Token: "tok_0123456789abcdef"}

	// A wrong pin is refused before anything is sent.
	bad := *s
	bad.CAFingerprint = hex.EncodeToString(make([]byte, 32))
	if _, _, err := enrol.Ensure(context.Background(), files, &bad, enrol.Info{}); err == nil || calls.Load() != 0 {
		t.Fatalf("wrong CA pin accepted: %v (calls %d)", err, calls.Load())
	}
	id, key, err := enrol.Ensure(context.Background(), files, s, enrol.Info{Hostname: "kiosk-3"})
	if err != nil {
		t.Fatal(err)
	}
	if id.DeviceID != "dev-1" || id.Role != "window" || id.Settings.Window != 7 {
		t.Fatalf("%+v", id)
	}
	// Second start: identity and key come from disk, no request.
	id2, key2, err := enrol.Ensure(context.Background(), files, nil, enrol.Info{})
	if err != nil || id2.DeviceID != "dev-1" || !key2.Equal(key) || calls.Load() != 1 {
		t.Fatalf("re-enrolled or lost key: %v calls %d", err, calls.Load())
	}
}

func TestNotEnrolledWithoutSeed(t *testing.T) {
	dir := t.TempDir()
	_, _, err := enrol.Ensure(context.Background(), enrol.Files{Key: filepath.Join(dir, "k"), Identity: filepath.Join(dir, "i")}, nil, enrol.Info{})
	if !errors.Is(err, enrol.ErrNotEnrolled) {
		t.Fatal(err)
	}
}
