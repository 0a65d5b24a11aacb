// Package bundletest holds the development signing key and helpers to build
// bundles in tests. It does not import testing, so demos and the QEMU script's
// helpers may use it, but shipped binaries never link it (hack/repocheck), so
// release images cannot contain the development private key.
package bundletest

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"io"

	"github.com/klauspost/compress/zstd"

	"hallq/firmware-images/bundle"
)

// devSeed is public on purpose: anyone may sign with the development key,
// which is why release trust stores refuse it.
var devSeed = sha256.Sum256([]byte("hallq development bundle key: never trusted by release images"))

// DevKey returns the development private key.
func DevKey() ed25519.PrivateKey { return ed25519.NewKeyFromSeed(devSeed[:]) }

// Payload is an in-memory payload for Make.
type Payload struct {
	Name string
	Data []byte
}

// Make builds a bundle in memory. key may be nil for an unsigned bundle.
func Make(product, version string, epoch uint32, boards []string, payloads []Payload, key ed25519.PrivateKey) ([]byte, error) {
	var srcs []bundle.Source
	for _, p := range payloads {
		data := p.Data
		srcs = append(srcs, bundle.Source{Name: p.Name, Open: func() (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(data)), nil
		}})
	}
	var buf bytes.Buffer
	m := bundle.Manifest{Product: product, Version: version, Epoch: epoch, Compatible: boards, Created: "2026-01-01T00:00:00Z"}
	if _, err := bundle.Create(&buf, m, srcs, key, &bundle.CreateOpts{Level: zstd.SpeedFastest}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
