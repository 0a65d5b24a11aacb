// Package seed defines the enrolment seed file a technician's tool writes to
// a freshly flashed card's EFI system partition: the controller address, the
// fingerprint of the controller's CA certificate, and a one-time enrolment
// token. The device reads it at first boot, enrols, and deletes its copy.
package seed

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strings"

	"hallq/firmware-images/fat"
	"hallq/firmware-images/gpt"
)

// FileName is the seed's 8.3 name in the ESP root. vfat shows it as
// HQSEED.JSN; readers should match case-insensitively.
const FileName = "HQSEED.JSN"

// ErrSeed: the seed is malformed.
var ErrSeed = errors.New("seed: invalid seed file")

// Seed is the file's content.
type Seed struct {
	Controller    string `json:"controller"` // https://10.0.0.2:8443
	CAFingerprint string `json:"ca_sha256"`  // hex sha256 of the CA certificate (DER)
	Token         string `json:"token"`
}

var (
	fpRE    = regexp.MustCompile(`^[0-9a-f]{64}$`)
	tokenRE = regexp.MustCompile(`^[A-Za-z0-9_-]{16,128}$`)
)

// Validate checks the fields.
func (s *Seed) Validate() error {
	u, err := url.Parse(s.Controller)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("%w: controller %q", ErrSeed, s.Controller)
	}
	if u.Scheme == "https" && !fpRE.MatchString(s.CAFingerprint) {
		return fmt.Errorf("%w: CA fingerprint must be 64 lowercase hex digits", ErrSeed)
	}
	if !tokenRE.MatchString(s.Token) {
		return fmt.Errorf("%w: token", ErrSeed)
	}
	return nil
}

// Marshal encodes a validated seed.
func (s *Seed) Marshal() ([]byte, error) {
	s.CAFingerprint = strings.ToLower(strings.ReplaceAll(s.CAFingerprint, ":", ""))
	if err := s.Validate(); err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(s, "", "  ")
	return append(b, '\n'), err
}

// Parse decodes and validates a seed file.
func Parse(b []byte) (*Seed, error) {
	var s Seed
	if len(b) > 4096 {
		return nil, fmt.Errorf("%w: %d bytes", ErrSeed, len(b))
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSeed, err)
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return &s, nil
}

// Disk is a flashed card or image file.
type Disk interface {
	io.ReaderAt
	io.WriterAt
}

// WriteToDisk finds the EFI system partition in the GPT of a disk of size
// bytes and writes the seed into its root directory.
func WriteToDisk(d Disk, size int64, s *Seed) error {
	b, err := s.Marshal()
	if err != nil {
		return err
	}
	esp, err := findESP(d, size)
	if err != nil {
		return err
	}
	v, err := fat.Open(d, int64(esp.First)*gpt.SectorSize)
	if err != nil {
		return fmt.Errorf("seed: esp: %w", err)
	}
	if err := v.WriteFile(FileName, b); err != nil {
		return fmt.Errorf("seed: write: %w", err)
	}
	return nil
}

// ReadFromDisk reads the seed back from a disk, for the tool's check.
func ReadFromDisk(d Disk, size int64) (*Seed, error) {
	esp, err := findESP(d, size)
	if err != nil {
		return nil, err
	}
	v, err := fat.Open(d, int64(esp.First)*gpt.SectorSize)
	if err != nil {
		return nil, fmt.Errorf("seed: esp: %w", err)
	}
	b, err := v.ReadFile(FileName)
	if err != nil {
		return nil, fmt.Errorf("seed: read: %w", err)
	}
	return Parse(b)
}

func findESP(d Disk, size int64) (gpt.Partition, error) {
	t, err := gpt.Read(d, size)
	if err != nil {
		return gpt.Partition{}, fmt.Errorf("seed: %w", err)
	}
	for _, p := range t.Partitions {
		if p.Type == gpt.TypeESP {
			return p, nil
		}
	}
	return gpt.Partition{}, fmt.Errorf("seed: no EFI system partition on disk")
}
