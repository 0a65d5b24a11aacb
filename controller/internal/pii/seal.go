package pii

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"strings"
)

// KeyConfig is one configured key. Exactly one of Key (base64 of 32 random
// bytes, e.g. `head -c32 /dev/urandom | base64`) and File (a file holding
// that base64 text, so the key can live outside the configuration file) is
// set.
type KeyConfig struct {
	ID   string `yaml:"id" json:"id"`
	Key  string `yaml:"key" json:"-"`
	File string `yaml:"file" json:"file,omitempty"`
}

// Config is the hall configuration's pii section. The last key seals; all
// of them open.
type Config struct {
	Keys []KeyConfig `yaml:"keys" json:"keys"`
}

// Key is a loaded key.
type Key struct {
	ID     string
	Secret []byte // 32 bytes
}

// Load reads the configured keys, resolving files.
func (c *Config) Load() ([]Key, error) {
	var out []Key
	for i, kc := range c.Keys {
		text := kc.Key
		if kc.File != "" {
			if text != "" {
				return nil, fmt.Errorf("%w: keys[%d] (%s): both key and file set", ErrBadKey, i, kc.ID)
			}
			b, err := os.ReadFile(kc.File)
			if err != nil {
				return nil, fmt.Errorf("%w: keys[%d] (%s): %v", ErrBadKey, i, kc.ID, err)
			}
			text = string(b)
		}
		sec, err := base64.StdEncoding.DecodeString(strings.TrimSpace(text))
		if err != nil || len(sec) != 32 {
			return nil, fmt.Errorf("%w: keys[%d] (%s): want base64 of 32 bytes", ErrBadKey, i, kc.ID)
		}
		out = append(out, Key{ID: kc.ID, Secret: sec})
	}
	return out, nil
}

// Sealer seals and opens values. It is safe for concurrent use.
type Sealer struct {
	aeads  map[string]cipher.AEAD
	newest string
}

// sealPrefix versions the sealed format: "p1.<key id>.<base64url(nonce|ciphertext)>".
const sealPrefix = "p1"

// NewSealer takes the keys oldest first; the last one seals.
func NewSealer(keys []Key) (*Sealer, error) {
	if len(keys) == 0 {
		return nil, fmt.Errorf("%w: no keys", ErrBadKey)
	}
	s := &Sealer{aeads: map[string]cipher.AEAD{}}
	for i, k := range keys {
		if k.ID == "" || len(k.ID) > 32 || strings.ContainsAny(k.ID, ". \t\r\n") {
			return nil, fmt.Errorf("%w: keys[%d]: id must be 1-32 characters without dots or spaces", ErrBadKey, i)
		}
		if _, dup := s.aeads[k.ID]; dup {
			return nil, fmt.Errorf("%w: keys[%d]: duplicate id %q", ErrBadKey, i, k.ID)
		}
		if len(k.Secret) != 32 {
			return nil, fmt.Errorf("%w: keys[%d] (%s): secret is %d bytes, want 32", ErrBadKey, i, k.ID, len(k.Secret))
		}
		blk, err := aes.NewCipher(k.Secret)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadKey, err)
		}
		g, err := cipher.NewGCM(blk)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadKey, err)
		}
		s.aeads[k.ID] = g
		s.newest = k.ID
	}
	return s, nil
}

// NewestKey is the id new values are sealed with.
func (s *Sealer) NewestKey() string { return s.newest }

// Seal encrypts plain with the newest key. ad binds the value to its record
// (the appointment id), so a sealed value copied into another record does
// not open there. An empty plain seals to "".
func (s *Sealer) Seal(plain string, ad []byte) (string, error) {
	if plain == "" {
		return "", nil
	}
	g := s.aeads[s.newest]
	nonce := make([]byte, g.NonceSize(), g.NonceSize()+len(plain)+g.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("pii: seal: %w", err)
	}
	ct := g.Seal(nonce, nonce, []byte(plain), s.ad(s.newest, ad))
	return sealPrefix + "." + s.newest + "." + base64.RawURLEncoding.EncodeToString(ct), nil
}

// ad mixes the key id in, so a value cannot be relabelled to another key.
func (s *Sealer) ad(kid string, ad []byte) []byte {
	return append([]byte(kid+"\x00"), ad...)
}

// Open decrypts a value sealed by Seal with any configured key.
func (s *Sealer) Open(sealed string, ad []byte) (string, error) {
	if sealed == "" {
		return "", nil
	}
	kid, raw, err := s.parse(sealed)
	if err != nil {
		return "", err
	}
	g, ok := s.aeads[kid]
	if !ok {
		return "", fmt.Errorf("%w: %q", ErrNoKey, kid)
	}
	if len(raw) < g.NonceSize()+g.Overhead() {
		return "", fmt.Errorf("%w: too short", ErrSealed)
	}
	pt, err := g.Open(nil, raw[:g.NonceSize()], raw[g.NonceSize():], s.ad(kid, ad))
	if err != nil {
		return "", ErrSealed
	}
	return string(pt), nil
}

// KeyOf names the key a sealed value was sealed with ("" for an empty value).
func (s *Sealer) KeyOf(sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	kid, _, err := s.parse(sealed)
	return kid, err
}

// Reseal opens with any key and seals with the newest, for rotation.
// Values already under the newest key are returned unchanged.
func (s *Sealer) Reseal(sealed string, ad []byte) (string, error) {
	if kid, err := s.KeyOf(sealed); err != nil || kid == s.newest || sealed == "" {
		return sealed, err
	}
	pt, err := s.Open(sealed, ad)
	if err != nil {
		return "", err
	}
	return s.Seal(pt, ad)
}

func (s *Sealer) parse(sealed string) (string, []byte, error) {
	if len(sealed) > 4096 {
		return "", nil, fmt.Errorf("%w: too long", ErrSealed)
	}
	parts := strings.SplitN(sealed, ".", 3)
	if len(parts) != 3 || parts[0] != sealPrefix || parts[1] == "" {
		return "", nil, fmt.Errorf("%w: format", ErrSealed)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return "", nil, fmt.Errorf("%w: encoding", ErrSealed)
	}
	return parts[1], raw, nil
}

// RandomKey makes a fresh key, for a demo hall without a configured key.
func RandomKey(id string) (Key, error) {
	sec := make([]byte, 32)
	if _, err := rand.Read(sec); err != nil {
		return Key{}, fmt.Errorf("pii: random key: %w", err)
	}
	return Key{ID: id, Secret: sec}, nil
}
