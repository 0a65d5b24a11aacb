// Package enrol is the device side of enrolment: with the seed file the
// technician's tool wrote to the boot partition, a device creates its own
// ed25519 key, enrols with the hall controller once using the one-time
// token, stores the identity it receives (device id, role, settings), and
// from then on signs every request with its key.
package enrol

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"hallq/firmware-images/fleetapi"
	"hallq/firmware-images/seed"
)

// Identity is what a device knows about itself after enrolment.
type Identity struct {
	DeviceID      string            `json:"device_id"`
	Role          string            `json:"role"`
	Settings      fleetapi.Settings `json:"settings"`
	Controller    string            `json:"controller"`
	CAFingerprint string            `json:"ca_sha256"`
}

// Files are where a device keeps its key and identity (data partition).
type Files struct {
	Key      string // /data/hallq/device.key
	Identity string // /data/hallq/identity.json
}

// Info describes the device in the enrolment request.
type Info struct {
	Hostname, Board, Product, Version string
}

// ErrNotEnrolled: no identity yet and no seed to enrol with.
var ErrNotEnrolled = errors.New("enrol: device not enrolled and no seed file")

// LoadOrCreateKey returns the device key, creating it on first use. The
// private key never leaves the device.
func LoadOrCreateKey(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		seed, err := base64.StdEncoding.DecodeString(string(b))
		if err != nil || len(seed) != ed25519.SeedSize {
			return nil, fmt.Errorf("enrol: %s: malformed key", path)
		}
		return ed25519.NewKeyFromSeed(seed), nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("enrol: %w", err)
	}
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	if err := writeAtomic(path, []byte(base64.StdEncoding.EncodeToString(key.Seed())), 0o600); err != nil {
		return nil, err
	}
	return key, nil
}

// LoadIdentity reads a stored identity.
func LoadIdentity(path string) (*Identity, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var id Identity
	if err := json.Unmarshal(b, &id); err != nil {
		return nil, fmt.Errorf("enrol: %s: %w", path, err)
	}
	return &id, nil
}

// HTTPClient returns a client pinned to the seed's CA for https controllers.
func HTTPClient(controller, fingerprint string) *http.Client {
	if fingerprint == "" || len(controller) < 8 || controller[:8] != "https://" {
		return &http.Client{Timeout: 60 * time.Second}
	}
	return fleetapi.PinnedHTTP(fingerprint, 60*time.Second)
}

// Ensure returns the device's identity and key, enrolling with s when the
// device has no identity yet. s may be nil on an enrolled device.
func Ensure(ctx context.Context, f Files, s *seed.Seed, info Info) (*Identity, ed25519.PrivateKey, error) {
	key, err := LoadOrCreateKey(f.Key)
	if err != nil {
		return nil, nil, err
	}
	if id, err := LoadIdentity(f.Identity); err == nil {
		return id, key, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, nil, err
	}
	if s == nil {
		return nil, nil, ErrNotEnrolled
	}
	c := &fleetapi.Client{Base: s.Controller, HTTP: HTTPClient(s.Controller, s.CAFingerprint)}
	req := fleetapi.EnrolRequest{Token: s.Token, PublicKey: base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey)),
		Hostname: info.Hostname, Board: info.Board, Product: info.Product, Version: info.Version}
	var resp fleetapi.EnrolResponse
	if err := c.Do(ctx, http.MethodPost, fleetapi.PathEnrol, req, &resp); err != nil {
		return nil, nil, fmt.Errorf("enrol: %w", err)
	}
	id := &Identity{DeviceID: resp.DeviceID, Role: resp.Role, Settings: resp.Settings, Controller: s.Controller, CAFingerprint: s.CAFingerprint}
	b, _ := json.MarshalIndent(id, "", "  ")
	if err := writeAtomic(f.Identity, b, 0o600); err != nil {
		return nil, nil, err
	}
	return id, key, nil
}

// Client returns a fleet API client that signs as the device.
func (id *Identity) Client(key ed25519.PrivateKey) *fleetapi.Client {
	return &fleetapi.Client{Base: id.Controller, HTTP: HTTPClient(id.Controller, id.CAFingerprint), DeviceID: id.DeviceID, Key: key}
}

func writeAtomic(path string, b []byte, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("enrol: %w", err)
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return fmt.Errorf("enrol: %w", err)
	}
	if _, err := f.Write(b); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("enrol: %w", err)
	}
	return os.Rename(tmp, path)
}
