package bundle_test

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"hallq/firmware-images/bundle"
	"hallq/firmware-images/bundle/bundletest"
)

func payloads(seed uint64) []bundletest.Payload {
	r := rand.New(rand.NewPCG(seed, 1))
	root := make([]byte, 300<<10)
	for i := range root {
		if i%4096 < 1000 { // half compressible, half random
			root[i] = byte(r.Uint32())
		}
	}
	return []bundletest.Payload{{Name: "kernel", Data: []byte("vmlinuz bytes " + strings.Repeat("k", 5000))}, {Name: "rootfs", Data: root}}
}

func mustKey(t testing.TB) ed25519.PrivateKey {
	_, k, err := bundle.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func pub(k ed25519.PrivateKey) ed25519.PublicKey { return k.Public().(ed25519.PublicKey) }

func make1(t testing.TB, version string, epoch uint32, key ed25519.PrivateKey) []byte {
	b, err := bundletest.Make("hallq-kiosk", version, epoch, []string{"x86-64-uefi", "rpi4"}, payloads(1), key)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func policy(t testing.TB, keys ...ed25519.PrivateKey) bundle.Policy {
	var pubs []ed25519.PublicKey
	for _, k := range keys {
		pubs = append(pubs, pub(k))
	}
	ts, err := bundle.NewTrustStore(bundle.Release, pubs...)
	if err != nil {
		t.Fatal(err)
	}
	return bundle.Policy{Trust: ts, Product: "hallq-kiosk", Board: "x86-64-uefi", Installed: "1.2.0", Epoch: 3,
		Limits: map[string]int64{"kernel": 1 << 20, "rootfs": 1 << 20}}
}

func TestRoundTrip(t *testing.T) {
	key := mustKey(t)
	b := make1(t, "1.3.0", 3, key)
	r, err := bundle.Open(bytes.NewReader(b), policy(t, key))
	if err != nil {
		t.Fatal(err)
	}
	want := payloads(1)
	for i := 0; ; i++ {
		p, pr, err := r.Next()
		if err == io.EOF {
			if i != len(want) {
				t.Fatalf("got %d payloads, want %d", i, len(want))
			}
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(pr)
		if err != nil {
			t.Fatal(err)
		}
		if p.Name != want[i].Name || !bytes.Equal(got, want[i].Data) {
			t.Fatalf("payload %d: name %s, %d bytes; want %s, %d bytes", i, p.Name, len(got), want[i].Name, len(want[i].Data))
		}
	}
	if r.KeyID() != bundle.KeyID(pub(key)) {
		t.Errorf("key id %s", r.KeyID())
	}
}

// tamperPayload flips one byte in the middle of the last payload's data.
func tamperPayload(b []byte) []byte {
	c := bytes.Clone(b)
	magic := []byte{0x28, 0xb5, 0x2f, 0xfd}
	i := bytes.LastIndex(c, magic)
	c[i+len(magic)+2000] ^= 0x55
	return c
}

// tamperManifest changes the version inside manifest.json without re-signing.
func tamperManifest(b []byte) []byte {
	return bytes.Replace(b, []byte(`"version": "1.3.0"`), []byte(`"version": "9.3.0"`), 1)
}

func TestBadBundles(t *testing.T) {
	key, other := mustKey(t), mustKey(t)
	good := make1(t, "1.3.0", 3, key)
	full := len(good)
	cases := []struct {
		name   string
		bundle []byte
		pol    func(*bundle.Policy)
		want   error
	}{
		{"bad signature", tamperManifest(good), nil, bundle.ErrBadSignature},
		{"unknown key", make1(t, "1.3.0", 3, other), nil, bundle.ErrUnknownKey},
		{"unsigned", make1(t, "1.3.0", 3, nil), nil, bundle.ErrUnsigned},
		{"lower version", make1(t, "1.1.9", 3, key), nil, bundle.ErrVersion},
		{"same version", make1(t, "1.2", 3, key), nil, bundle.ErrVersion},
		{"lower epoch", make1(t, "1.3.0", 2, key), nil, bundle.ErrEpoch},
		{"payload hash", tamperPayload(good), nil, bundle.ErrHash},
		{"truncated in manifest", good[:700], nil, bundle.ErrTruncated},
		{"truncated in payload", good[:full/2], nil, bundle.ErrTruncated},
		{"target too small", good, func(p *bundle.Policy) { p.Limits["rootfs"] = 100 << 10 }, bundle.ErrTooLarge},
		{"no target", good, func(p *bundle.Policy) { delete(p.Limits, "kernel") }, bundle.ErrLayout},
		{"wrong product", good, func(p *bundle.Policy) { p.Product = "hallq-display" }, bundle.ErrProduct},
		{"wrong board", good, func(p *bundle.Policy) { p.Board = "rpi5" }, bundle.ErrBoard},
		{"empty", nil, nil, bundle.ErrTruncated},
		{"not a tar", []byte(strings.Repeat("garbage!", 200)), nil, bundle.ErrLayout},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := policy(t, key)
			if c.pol != nil {
				c.pol(&p)
			}
			_, err := bundle.Verify(bytes.NewReader(c.bundle), p)
			if !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
		})
	}
}

// TestTruncatedAnywhere cuts a bundle at many points before the end of its
// last payload's data; every cut must be refused, never accepted or panic.
func TestTruncatedAnywhere(t *testing.T) {
	key := mustKey(t)
	good := make1(t, "1.3.0", 3, key)
	cuts := 0
	for n := 0; n < len(good)-1535; n += 397 {
		_, err := bundle.Verify(bytes.NewReader(good[:n]), policy(t, key))
		if !errors.Is(err, bundle.ErrTruncated) {
			t.Fatalf("cut at %d of %d: %v", n, len(good), err)
		}
		cuts++
	}
	if cuts < 20 {
		t.Fatalf("only %d cuts", cuts)
	}
}

// TestRefusedBeforePayload checks that signature and policy failures are
// reported by Open, before any payload byte is handed to the caller.
func TestRefusedBeforePayload(t *testing.T) {
	key := mustKey(t)
	for _, b := range [][]byte{tamperManifest(make1(t, "1.3.0", 3, key)), make1(t, "1.0.0", 3, key), make1(t, "1.3.0", 1, key)} {
		if _, err := bundle.Open(bytes.NewReader(b), policy(t, key)); err == nil {
			t.Fatal("Open accepted a bundle that must be refused")
		}
	}
}

func TestKeyRotation(t *testing.T) {
	oldK, newK := mustKey(t), mustKey(t)
	both := policy(t, oldK, newK)
	for _, k := range []ed25519.PrivateKey{oldK, newK} {
		if _, err := bundle.Verify(bytes.NewReader(make1(t, "1.3.0", 3, k)), both); err != nil {
			t.Errorf("store with both keys refused %s: %v", bundle.KeyID(pub(k)), err)
		}
	}
	onlyNew := policy(t, newK)
	if _, err := bundle.Verify(bytes.NewReader(make1(t, "1.3.0", 3, oldK)), onlyNew); !errors.Is(err, bundle.ErrUnknownKey) {
		t.Errorf("retired key: got %v", err)
	}
}

func TestDevKeyOnlyInDevelopment(t *testing.T) {
	dev := bundletest.DevKey()
	if !bundle.IsDevKey(pub(dev)) {
		t.Fatal("bundletest.DevKey does not match bundle.DevPublicKeyHex")
	}
	if _, err := bundle.NewTrustStore(bundle.Release, pub(dev)); !errors.Is(err, bundle.ErrDevKey) {
		t.Fatalf("release store took the dev key: %v", err)
	}
	ts, err := bundle.NewTrustStore(bundle.Development, pub(dev))
	if err != nil {
		t.Fatal(err)
	}
	p := policy(t, mustKey(t))
	p.Trust = ts
	if _, err := bundle.Verify(bytes.NewReader(make1(t, "1.3.0", 3, dev)), p); err != nil {
		t.Fatal(err)
	}
	// A release store loaded from a directory holding the dev key refuses it.
	dir := t.TempDir()
	writeFile(t, dir+"/dev.pub", bundle.MarshalPublicKey(pub(dev)))
	if _, err := bundle.LoadTrustStore(bundle.Release, dir); !errors.Is(err, bundle.ErrDevKey) {
		t.Fatalf("LoadTrustStore(Release) with dev key: %v", err)
	}
}

func TestSignLater(t *testing.T) {
	key := mustKey(t)
	unsigned := make1(t, "1.3.0", 3, nil)
	var signed bytes.Buffer
	if _, err := bundle.Sign(&signed, bytes.NewReader(unsigned), key); err != nil {
		t.Fatal(err)
	}
	if _, err := bundle.Verify(bytes.NewReader(signed.Bytes()), policy(t, key)); err != nil {
		t.Fatal(err)
	}
	if _, err := bundle.Sign(io.Discard, bytes.NewReader(unsigned[:len(unsigned)/2]), key); !errors.Is(err, bundle.ErrTruncated) {
		t.Fatalf("sign truncated: %v", err)
	}
}

func TestKeyFiles(t *testing.T) {
	key := mustKey(t)
	p, err := bundle.ParsePublicKey(bundle.MarshalPublicKey(pub(key)))
	if err != nil || !p.Equal(pub(key)) {
		t.Fatalf("public round trip: %v", err)
	}
	k, err := bundle.ParsePrivateKey(bundle.MarshalPrivateKey(key))
	if err != nil || !k.Equal(key) {
		t.Fatalf("private round trip: %v", err)
	}
	for _, bad := range []string{"", "ssh-ed25519 AAAA", "hallq-ed25519-public !!!", "hallq-ed25519-private QUFB"} {
		if _, err := bundle.ParsePublicKey([]byte(bad)); !errors.Is(err, bundle.ErrKey) {
			t.Errorf("ParsePublicKey(%q): %v", bad, err)
		}
		if _, err := bundle.ParsePrivateKey([]byte(bad)); !errors.Is(err, bundle.ErrKey) {
			t.Errorf("ParsePrivateKey(%q): %v", bad, err)
		}
	}
}

func TestVersionCompare(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{
		{"1.2.3", "1.2.3", 0}, {"1.2", "1.2.0", 0}, {"1.10", "1.9", 1}, {"2026.1.1", "2025.12.31", 1},
		{"1", "1.0.0.1", -1}, {"bad", "1", -1},
	}
	for _, c := range cases {
		if got := bundle.CompareVersions(c.a, c.b); got != c.want {
			t.Errorf("CompareVersions(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
	for _, bad := range []string{"", "1..2", "01", "1.2.3.4.5", "v1", "1.-1", "4294967296"} {
		if _, err := bundle.ParseVersion(bad); err == nil {
			t.Errorf("ParseVersion(%q) accepted", bad)
		}
	}
}
