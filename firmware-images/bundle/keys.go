package bundle

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// DevPublicKeyHex is the public half of the development signing key used by
// tests, demos and the QEMU script. Its private half lives only in
// bundle/bundletest, which shipped binaries cannot link (hack/repocheck).
// A Release trust store refuses this key, so a bundle signed with it can never
// be installed on a release image even if someone copies the key file there.
const DevPublicKeyHex = "b9a0112a7ad6d012fb476f107e8be5fc65233d2a1f3c5b453661a6c208ab4dd6"

// Mode says which keys a trust store may hold.
type Mode int

const (
	// Release trust stores, baked into release images, refuse the development key.
	Release Mode = iota
	// Development trust stores accept the development key; only for tests,
	// demos and developer images built with an explicit flag.
	Development
)

func (m Mode) String() string {
	if m == Development {
		return "development"
	}
	return "release"
}

// DevPublicKey returns the development public key.
func DevPublicKey() ed25519.PublicKey {
	b, err := hex.DecodeString(DevPublicKeyHex)
	if err != nil || len(b) != ed25519.PublicKeySize {
		panic("bundle: DevPublicKeyHex is malformed")
	}
	return ed25519.PublicKey(b)
}

// IsDevKey reports whether pub is the development key.
func IsDevKey(pub ed25519.PublicKey) bool { return bytes.Equal(pub, DevPublicKey()) }

// KeyID names a public key: the first 8 bytes of its sha256, in hex.
func KeyID(pub ed25519.PublicKey) string {
	s := sha256.Sum256(pub)
	return hex.EncodeToString(s[:8])
}

// TrustStore holds the public keys a device accepts. Holding two keys is how
// keys rotate: images ship with old and new key, bundles move to the new key,
// and a later image drops the old one.
type TrustStore struct {
	mode Mode
	keys map[string]ed25519.PublicKey
}

// NewTrustStore returns a trust store of the given mode holding keys.
func NewTrustStore(mode Mode, keys ...ed25519.PublicKey) (*TrustStore, error) {
	t := &TrustStore{mode: mode, keys: map[string]ed25519.PublicKey{}}
	for _, k := range keys {
		if err := t.Add(k); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// Add trusts one more key.
func (t *TrustStore) Add(pub ed25519.PublicKey) error {
	if len(pub) != ed25519.PublicKeySize {
		return fmt.Errorf("%w: public key of %d bytes", ErrKey, len(pub))
	}
	if t.mode == Release && IsDevKey(pub) {
		return ErrDevKey
	}
	t.keys[KeyID(pub)] = pub
	return nil
}

// Mode returns the store's mode.
func (t *TrustStore) Mode() Mode { return t.mode }

// IDs lists the trusted key ids, sorted.
func (t *TrustStore) IDs() []string {
	var ids []string
	for id := range t.keys {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// LoadTrustStore reads every *.pub file in dir.
func LoadTrustStore(mode Mode, dir string) (*TrustStore, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.pub"))
	if err != nil {
		return nil, err
	}
	t, _ := NewTrustStore(mode)
	for _, f := range files {
		pub, err := ReadPublicKey(f)
		if err != nil {
			return nil, err
		}
		if err := t.Add(pub); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
	}
	if len(t.keys) == 0 {
		return nil, fmt.Errorf("%w: no *.pub in %s", ErrKey, dir)
	}
	return t, nil
}

const (
	pubPrefix  = "hallq-ed25519-public "
	privPrefix = "hallq-ed25519-private "
)

// GenerateKey creates a signing key pair.
func GenerateKey() (ed25519.PublicKey, ed25519.PrivateKey, error) {
	return ed25519.GenerateKey(rand.Reader)
}

// MarshalPublicKey encodes a public key file: one line with a prefix, the
// base64 key and the key id as a comment.
func MarshalPublicKey(pub ed25519.PublicKey) []byte {
	return []byte(pubPrefix + base64.StdEncoding.EncodeToString(pub) + " " + KeyID(pub) + "\n")
}

// MarshalPrivateKey encodes a private key file (the 32-byte seed).
func MarshalPrivateKey(priv ed25519.PrivateKey) []byte {
	return []byte(privPrefix + base64.StdEncoding.EncodeToString(priv.Seed()) + "\n")
}

// ParsePublicKey decodes a public key file.
func ParsePublicKey(b []byte) (ed25519.PublicKey, error) {
	s, ok := strings.CutPrefix(strings.TrimSpace(string(b)), pubPrefix)
	if !ok {
		return nil, fmt.Errorf("%w: not a hallq public key", ErrKey)
	}
	s, _, _ = strings.Cut(s, " ")
	k, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(k) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("%w: bad public key encoding", ErrKey)
	}
	return ed25519.PublicKey(k), nil
}

// ParsePrivateKey decodes a private key file.
func ParsePrivateKey(b []byte) (ed25519.PrivateKey, error) {
	s, ok := strings.CutPrefix(strings.TrimSpace(string(b)), privPrefix)
	if !ok {
		return nil, fmt.Errorf("%w: not a hallq private key", ErrKey)
	}
	seed, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("%w: bad private key encoding", ErrKey)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// ReadPublicKey reads a public key file.
func ReadPublicKey(path string) (ed25519.PublicKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	k, err := ParsePublicKey(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// ReadPrivateKey reads a private key file.
func ReadPrivateKey(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	k, err := ParsePrivateKey(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// sigDomain separates bundle signatures from any other use of a key.
const sigDomain = "hallq-bundle-manifest-v1\x00"

const sigPrefix = "hallq-bundle-sig-v1 "

// SignManifest returns the contents of manifest.sig for manifest bytes.
func SignManifest(manifest []byte, priv ed25519.PrivateKey) []byte {
	sig := ed25519.Sign(priv, append([]byte(sigDomain), manifest...))
	pub := priv.Public().(ed25519.PublicKey)
	return []byte(sigPrefix + KeyID(pub) + " " + base64.StdEncoding.EncodeToString(sig) + "\n")
}

// VerifyManifest checks manifest.sig against manifest bytes and returns the
// id of the key that signed it.
func (t *TrustStore) VerifyManifest(manifest, sigFile []byte) (string, error) {
	s, ok := strings.CutPrefix(strings.TrimSpace(string(sigFile)), sigPrefix)
	if len(bytes.TrimSpace(sigFile)) == 0 {
		return "", ErrUnsigned
	}
	if !ok {
		return "", fmt.Errorf("%w: malformed manifest.sig", ErrBadSignature)
	}
	id, b64, _ := strings.Cut(s, " ")
	pub, ok := t.keys[id]
	if !ok {
		return "", fmt.Errorf("%w: key id %q (trusted: %s)", ErrUnknownKey, id, strings.Join(t.IDs(), ", "))
	}
	sig, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return "", fmt.Errorf("%w: malformed signature", ErrBadSignature)
	}
	if !ed25519.Verify(pub, append([]byte(sigDomain), manifest...), sig) {
		return "", fmt.Errorf("%w: key %s", ErrBadSignature, id)
	}
	return id, nil
}
