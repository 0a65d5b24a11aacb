package bundle

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// FormatVersion is the manifest format this package writes and accepts.
const FormatVersion = 1

// MaxManifestSize bounds manifest.json so a hostile bundle cannot make a
// device buffer an arbitrary amount before the signature is checked.
const MaxManifestSize = 64 << 10

// Manifest describes a bundle. It is signed as the exact bytes of
// manifest.json, so field order and formatting do not matter for security.
type Manifest struct {
	Format     int       `json:"format"`
	Product    string    `json:"product"`
	Compatible []string  `json:"compatible"`
	Version    string    `json:"version"`
	Epoch      uint32    `json:"security_epoch"`
	Created    string    `json:"created,omitempty"`
	Payloads   []Payload `json:"payloads"`
}

// Payload is one slot image inside a bundle. Size and SHA256 describe the
// decompressed bytes written to the slot (and read back afterwards);
// CompressedSize and CompressedSHA256 describe the tar member, so a download
// can be checked before decompression.
type Payload struct {
	Name             string `json:"name"`
	Size             int64  `json:"size"`
	SHA256           string `json:"sha256"`
	CompressedSize   int64  `json:"compressed_size"`
	CompressedSHA256 string `json:"compressed_sha256"`
}

// Member returns the tar member name of the payload.
func (p Payload) Member() string { return "payloads/" + p.Name + ".zst" }

var (
	nameRE    = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)
	productRE = regexp.MustCompile(`^[a-z][a-z0-9-]{0,63}$`)
	hashRE    = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// MaxPayloadSize is the largest payload a manifest may declare (64 GiB).
const MaxPayloadSize = 64 << 30

// ParseManifest decodes and validates manifest.json. Unknown fields are
// refused: an old device must not silently ignore a field a newer bundle
// relies on for safety.
func ParseManifest(b []byte) (*Manifest, error) {
	if len(b) > MaxManifestSize {
		return nil, fmt.Errorf("%w: %d bytes exceeds %d", ErrManifest, len(b), MaxManifestSize)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrManifest, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: trailing data", ErrManifest)
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

// Validate checks a manifest's fields.
func (m *Manifest) Validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrManifest, fmt.Sprintf(format, a...))
	}
	if m.Format != FormatVersion {
		return bad("format %d, want %d", m.Format, FormatVersion)
	}
	if !productRE.MatchString(m.Product) {
		return bad("product %q", m.Product)
	}
	if len(m.Compatible) == 0 || len(m.Compatible) > 16 {
		return bad("%d compatible boards", len(m.Compatible))
	}
	for _, c := range m.Compatible {
		if !productRE.MatchString(c) {
			return bad("board %q", c)
		}
	}
	if _, err := ParseVersion(m.Version); err != nil {
		return bad("%v", err)
	}
	if len(m.Payloads) == 0 || len(m.Payloads) > 8 {
		return bad("%d payloads", len(m.Payloads))
	}
	seen := map[string]bool{}
	for _, p := range m.Payloads {
		switch {
		case !nameRE.MatchString(p.Name):
			return bad("payload name %q", p.Name)
		case seen[p.Name]:
			return bad("duplicate payload %q", p.Name)
		case p.Size < 0 || p.Size > MaxPayloadSize:
			return bad("payload %s size %d", p.Name, p.Size)
		case p.CompressedSize < 0 || p.CompressedSize > MaxPayloadSize:
			return bad("payload %s compressed size %d", p.Name, p.CompressedSize)
		case !hashRE.MatchString(p.SHA256) || !hashRE.MatchString(p.CompressedSHA256):
			return bad("payload %s hash not 64 lowercase hex digits", p.Name)
		}
		seen[p.Name] = true
	}
	return nil
}

// Payload returns the named payload.
func (m *Manifest) Payload(name string) (Payload, bool) {
	for _, p := range m.Payloads {
		if p.Name == name {
			return p, true
		}
	}
	return Payload{}, false
}

// Version is a dotted numeric version ("2026.11.3"), compared component by
// component; missing components count as zero.
type Version []uint32

// ParseVersion parses one to four dot-separated decimal components.
func ParseVersion(s string) (Version, error) {
	parts := strings.Split(s, ".")
	if s == "" || len(parts) > 4 {
		return nil, fmt.Errorf("version %q: want 1 to 4 dotted numbers", s)
	}
	v := make(Version, len(parts))
	for i, p := range parts {
		if p == "" || (len(p) > 1 && p[0] == '0') {
			return nil, fmt.Errorf("version %q: bad component %q", s, p)
		}
		n, err := strconv.ParseUint(p, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("version %q: bad component %q", s, p)
		}
		v[i] = uint32(n)
	}
	return v, nil
}

// Compare returns -1, 0 or 1.
func (v Version) Compare(w Version) int {
	for i := 0; i < max(len(v), len(w)); i++ {
		var a, b uint32
		if i < len(v) {
			a = v[i]
		}
		if i < len(w) {
			b = w[i]
		}
		if a != b {
			if a < b {
				return -1
			}
			return 1
		}
	}
	return 0
}

// CompareVersions compares two version strings; an unparsable string sorts
// below every valid one.
func CompareVersions(a, b string) int {
	va, ea := ParseVersion(a)
	vb, eb := ParseVersion(b)
	switch {
	case ea != nil && eb != nil:
		return 0
	case ea != nil:
		return -1
	case eb != nil:
		return 1
	}
	return va.Compare(vb)
}

func hexsum(b []byte) string { return hex.EncodeToString(b) }
