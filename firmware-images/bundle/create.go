package bundle

import (
	"archive/tar"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/klauspost/compress/zstd"
)

// Member names, in the order they appear.
const (
	ManifestMember  = "manifest.json"
	SignatureMember = "manifest.sig"
)

// Source is one payload to put into a bundle.
type Source struct {
	Name string
	// Open returns the uncompressed payload. It is called once.
	Open func() (io.ReadCloser, error)
}

// FileSource returns a Source reading path.
func FileSource(name, path string) Source {
	return Source{Name: name, Open: func() (io.ReadCloser, error) { return os.Open(path) }}
}

// CreateOpts tunes Create.
type CreateOpts struct {
	// TempDir holds compressed payloads until the manifest is written.
	TempDir string
	// Level is the zstd level; zero means zstd.SpeedDefault.
	Level zstd.EncoderLevel
}

// Create writes a bundle for m (whose Payloads are filled in) with the given
// sources. key may be nil to produce an unsigned bundle that Sign completes
// later on an offline signing machine. Payloads are compressed to temporary
// files first because the manifest, which carries their hashes, comes first.
func Create(w io.Writer, m Manifest, sources []Source, key ed25519.PrivateKey, opts *CreateOpts) (*Manifest, error) {
	if opts == nil {
		opts = &CreateOpts{}
	}
	level := opts.Level
	if level == 0 {
		level = zstd.SpeedDefault
	}
	m.Format = FormatVersion
	if m.Created == "" {
		m.Created = time.Now().UTC().Format(time.RFC3339)
	}
	m.Payloads = nil
	var tmps []*os.File
	defer func() {
		for _, f := range tmps {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	for _, s := range sources {
		f, err := os.CreateTemp(opts.TempDir, "hqbundle-*.zst")
		if err != nil {
			return nil, fmt.Errorf("bundle: create: %w", err)
		}
		tmps = append(tmps, f)
		p, err := compress(f, s, level)
		if err != nil {
			return nil, err
		}
		m.Payloads = append(m.Payloads, p)
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	mb, err := json.MarshalIndent(&m, "", "  ")
	if err != nil {
		return nil, err
	}
	mb = append(mb, '\n')
	var sig []byte
	if key != nil {
		sig = SignManifest(mb, key)
	}
	tw := tar.NewWriter(w)
	if err := writeMember(tw, ManifestMember, bytes.NewReader(mb), int64(len(mb))); err != nil {
		return nil, err
	}
	if err := writeMember(tw, SignatureMember, bytes.NewReader(sig), int64(len(sig))); err != nil {
		return nil, err
	}
	for i, p := range m.Payloads {
		if _, err := tmps[i].Seek(0, io.SeekStart); err != nil {
			return nil, err
		}
		if err := writeMember(tw, p.Member(), tmps[i], p.CompressedSize); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("bundle: create: %w", err)
	}
	return &m, nil
}

func compress(dst io.Writer, s Source, level zstd.EncoderLevel) (Payload, error) {
	p := Payload{Name: s.Name}
	src, err := s.Open()
	if err != nil {
		return p, fmt.Errorf("bundle: payload %s: %w", s.Name, err)
	}
	defer src.Close()
	ch := sha256.New()
	cc := &countWriter{w: io.MultiWriter(dst, ch)}
	enc, err := zstd.NewWriter(cc, zstd.WithEncoderLevel(level), zstd.WithEncoderConcurrency(1))
	if err != nil {
		return p, err
	}
	uh := sha256.New()
	n, err := io.Copy(io.MultiWriter(enc, uh), src)
	if err != nil {
		enc.Close()
		return p, fmt.Errorf("bundle: payload %s: %w", s.Name, err)
	}
	if err := enc.Close(); err != nil {
		return p, fmt.Errorf("bundle: payload %s: %w", s.Name, err)
	}
	p.Size, p.SHA256 = n, hexsum(uh.Sum(nil))
	p.CompressedSize, p.CompressedSHA256 = cc.n, hexsum(ch.Sum(nil))
	return p, nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}

func writeMember(tw *tar.Writer, name string, r io.Reader, size int64) error {
	hdr := &tar.Header{Name: name, Mode: 0o644, Size: size, Typeflag: tar.TypeReg, Format: tar.FormatPAX,
		ModTime: time.Unix(0, 0)}
	if err := tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("bundle: write %s: %w", name, err)
	}
	if _, err := io.CopyN(tw, r, size); err != nil {
		return fmt.Errorf("bundle: write %s: %w", name, err)
	}
	return nil
}

// Sign copies a bundle from r to w with manifest.sig replaced by a signature
// made with key. The manifest bytes are kept exactly.
func Sign(w io.Writer, r io.Reader, key ed25519.PrivateKey) (*Manifest, error) {
	tr := tar.NewReader(r)
	mb, err := readSmall(tr, ManifestMember)
	if err != nil {
		return nil, err
	}
	m, err := ParseManifest(mb)
	if err != nil {
		return nil, err
	}
	if _, err := readSmall(tr, SignatureMember); err != nil {
		return nil, err
	}
	tw := tar.NewWriter(w)
	sig := SignManifest(mb, key)
	if err := writeMember(tw, ManifestMember, bytes.NewReader(mb), int64(len(mb))); err != nil {
		return nil, err
	}
	if err := writeMember(tw, SignatureMember, bytes.NewReader(sig), int64(len(sig))); err != nil {
		return nil, err
	}
	for _, p := range m.Payloads {
		hdr, err := tr.Next()
		if err != nil {
			return nil, fmt.Errorf("%w: payload %s: %v", ErrTruncated, p.Name, err)
		}
		if hdr.Name != p.Member() || hdr.Size != p.CompressedSize {
			return nil, fmt.Errorf("%w: member %q (%d bytes), want %q (%d bytes)", ErrLayout, hdr.Name, hdr.Size, p.Member(), p.CompressedSize)
		}
		if err := writeMember(tw, p.Member(), tr, p.CompressedSize); err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
				return nil, fmt.Errorf("%w: %v", ErrTruncated, err)
			}
			return nil, err
		}
	}
	return m, tw.Close()
}

// readSmall reads the next tar member, which must be called name and at
// most MaxManifestSize bytes.
func readSmall(tr *tar.Reader, name string) ([]byte, error) {
	hdr, err := tr.Next()
	if err == io.EOF {
		return nil, fmt.Errorf("%w: no %s", ErrTruncated, name)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, fmt.Errorf("%w: reading %s: %v", ErrTruncated, name, err)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: reading %s: %v", ErrLayout, name, err)
	}
	if hdr.Name != name {
		return nil, fmt.Errorf("%w: member %q where %s belongs", ErrLayout, hdr.Name, name)
	}
	if hdr.Typeflag != tar.TypeReg || hdr.Size > MaxManifestSize {
		return nil, fmt.Errorf("%w: %s: not a regular file of at most %d bytes", ErrLayout, name, MaxManifestSize)
	}
	b, err := io.ReadAll(tr)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrTruncated, name, err)
	}
	return b, nil
}
