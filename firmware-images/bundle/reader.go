package bundle

import (
	"archive/tar"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"slices"

	"github.com/klauspost/compress/zstd"
)

// Policy is what a device checks before it accepts a bundle.
type Policy struct {
	// Trust holds the accepted signing keys. Required.
	Trust *TrustStore
	// Product and Board, when set, must match the manifest.
	Product string
	Board   string
	// Installed is the running version; a bundle must be strictly newer.
	// Empty accepts any version (the technician's verify command).
	Installed string
	// Epoch is the installed security epoch; a bundle's may not be lower.
	Epoch uint32
	// Limits, when set, gives the capacity of the target of each payload
	// name; payloads without a target or larger than it are refused.
	Limits map[string]int64
}

// Check applies the policy to a manifest whose signature is already checked.
func (p Policy) Check(m *Manifest) error {
	if p.Product != "" && m.Product != p.Product {
		return fmt.Errorf("%w: bundle is for %q, device runs %q", ErrProduct, m.Product, p.Product)
	}
	if p.Board != "" && !slices.Contains(m.Compatible, p.Board) {
		return fmt.Errorf("%w: board %q not in %v", ErrBoard, p.Board, m.Compatible)
	}
	if m.Epoch < p.Epoch {
		return fmt.Errorf("%w: bundle epoch %d < installed %d", ErrEpoch, m.Epoch, p.Epoch)
	}
	if p.Installed != "" && CompareVersions(m.Version, p.Installed) <= 0 {
		return fmt.Errorf("%w: bundle %s, installed %s", ErrVersion, m.Version, p.Installed)
	}
	if p.Limits != nil {
		for _, pl := range m.Payloads {
			limit, ok := p.Limits[pl.Name]
			if !ok {
				return fmt.Errorf("%w: payload %q has no target on this device", ErrLayout, pl.Name)
			}
			if pl.Size > limit {
				return fmt.Errorf("%w: payload %s is %d bytes, target holds %d", ErrTooLarge, pl.Name, pl.Size, limit)
			}
		}
	}
	return nil
}

// Reader streams a verified bundle. Open checks the signature and policy;
// each payload is then hashed while it is read, and its reader returns an
// error wrapping ErrHash or ErrTruncated instead of io.EOF if the bytes are
// not the ones the manifest promised. Callers must therefore treat what they
// wrote as untrusted until the payload reader returned io.EOF.
type Reader struct {
	tr       *tar.Reader
	m        *Manifest
	raw      []byte
	keyID    string
	next     int
	cur      *payloadReader
	finished bool
}

// Open reads manifest.json and manifest.sig from r and verifies them.
func Open(r io.Reader, p Policy) (*Reader, error) {
	if p.Trust == nil {
		return nil, fmt.Errorf("%w: no trust store", ErrUnknownKey)
	}
	tr := tar.NewReader(r)
	mb, err := readSmall(tr, ManifestMember)
	if err != nil {
		return nil, err
	}
	sig, err := readSmall(tr, SignatureMember)
	if err != nil {
		return nil, err
	}
	// The signature is checked before the manifest is even parsed, so a
	// parser bug is only reachable by holders of a trusted key.
	id, err := p.Trust.VerifyManifest(mb, sig)
	if err != nil {
		return nil, err
	}
	m, err := ParseManifest(mb)
	if err != nil {
		return nil, err
	}
	if err := p.Check(m); err != nil {
		return nil, err
	}
	return &Reader{tr: tr, m: m, raw: mb, keyID: id}, nil
}

// Manifest returns the verified manifest.
func (r *Reader) Manifest() *Manifest { return r.m }

// RawManifest returns manifest.json exactly as signed.
func (r *Reader) RawManifest() []byte { return r.raw }

// KeyID returns the id of the key that signed the bundle.
func (r *Reader) KeyID() string { return r.keyID }

// Next returns the next payload and a reader of its decompressed bytes. The
// previous payload must have been read to io.EOF. After the last payload Next
// returns io.EOF, having checked that nothing follows.
func (r *Reader) Next() (Payload, io.Reader, error) {
	if r.cur != nil {
		if !r.cur.done {
			return Payload{}, nil, fmt.Errorf("%w: payload %s not read to the end", ErrLayout, r.cur.p.Name)
		}
		r.cur.close()
		r.cur = nil
	}
	if r.next == len(r.m.Payloads) {
		if !r.finished {
			r.finished = true
			if hdr, err := r.tr.Next(); err != io.EOF {
				if err != nil {
					return Payload{}, nil, fmt.Errorf("%w: after payloads: %v", ErrTruncated, err)
				}
				return Payload{}, nil, fmt.Errorf("%w: unexpected member %q", ErrLayout, hdr.Name)
			}
		}
		return Payload{}, nil, io.EOF
	}
	p := r.m.Payloads[r.next]
	r.next++
	hdr, err := r.tr.Next()
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		return p, nil, fmt.Errorf("%w: payload %s missing", ErrTruncated, p.Name)
	}
	if err != nil {
		return p, nil, fmt.Errorf("%w: payload %s: %v", ErrLayout, p.Name, err)
	}
	if hdr.Name != p.Member() || hdr.Typeflag != tar.TypeReg {
		return p, nil, fmt.Errorf("%w: member %q where %q belongs", ErrLayout, hdr.Name, p.Member())
	}
	if hdr.Size != p.CompressedSize {
		return p, nil, fmt.Errorf("%w: payload %s is %d bytes compressed, manifest says %d", ErrHash, p.Name, hdr.Size, p.CompressedSize)
	}
	pr, err := newPayloadReader(r.tr, p)
	if err != nil {
		return p, nil, err
	}
	r.cur = pr
	return p, pr, nil
}

// Close releases the decoder of the current payload.
func (r *Reader) Close() error {
	if r.cur != nil {
		r.cur.close()
		r.cur = nil
	}
	return nil
}

type payloadReader struct {
	p      Payload
	ch, uh hash.Hash
	dec    *zstd.Decoder
	src    hashingReader
	n      int64
	done   bool
	err    error
}

type hashingReader struct {
	r io.Reader
	h hash.Hash
}

func (h hashingReader) Read(b []byte) (int, error) {
	n, err := h.r.Read(b)
	h.h.Write(b[:n])
	return n, err
}

func newPayloadReader(src io.Reader, p Payload) (*payloadReader, error) {
	pr := &payloadReader{p: p, ch: sha256.New(), uh: sha256.New()}
	pr.src = hashingReader{src, pr.ch}
	dec, err := zstd.NewReader(pr.src, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(64<<20))
	if err != nil {
		return nil, fmt.Errorf("bundle: payload %s: %w", p.Name, err)
	}
	pr.dec = dec
	return pr, nil
}

func (pr *payloadReader) close() {
	if pr.dec != nil {
		pr.dec.Close()
		pr.dec = nil
	}
}

func (pr *payloadReader) Read(b []byte) (int, error) {
	if pr.err != nil {
		return 0, pr.err
	}
	if pr.done {
		return 0, io.EOF
	}
	// Never hand out more than the manifest promised: a decompression bomb
	// stops at Size+1 bytes.
	if rem := pr.p.Size + 1 - pr.n; int64(len(b)) > rem {
		b = b[:rem]
	}
	n, err := pr.dec.Read(b)
	pr.uh.Write(b[:n])
	pr.n += int64(n)
	if pr.n > pr.p.Size {
		pr.err = fmt.Errorf("%w: payload %s longer than %d bytes", ErrHash, pr.p.Name, pr.p.Size)
		return 0, pr.err
	}
	switch {
	case err == io.EOF:
		pr.err = pr.finish()
		if pr.err != nil {
			return n, pr.err
		}
		pr.done = true
		return n, io.EOF
	case errors.Is(err, io.ErrUnexpectedEOF):
		pr.err = fmt.Errorf("%w: payload %s: %v", ErrTruncated, pr.p.Name, err)
		return n, pr.err
	case err != nil:
		pr.err = fmt.Errorf("%w: payload %s: %v", ErrHash, pr.p.Name, err)
		return n, pr.err
	}
	return n, nil
}

func (pr *payloadReader) finish() error {
	// Drain anything after the zstd frame so the compressed hash covers the
	// whole member.
	if _, err := io.Copy(io.Discard, pr.src); err != nil {
		return fmt.Errorf("%w: payload %s: %v", ErrTruncated, pr.p.Name, err)
	}
	if pr.n != pr.p.Size {
		return fmt.Errorf("%w: payload %s is %d bytes, manifest says %d", ErrTruncated, pr.p.Name, pr.n, pr.p.Size)
	}
	if got := hexsum(pr.uh.Sum(nil)); got != pr.p.SHA256 {
		return fmt.Errorf("%w: payload %s sha256 %s, manifest says %s", ErrHash, pr.p.Name, got, pr.p.SHA256)
	}
	if got := hexsum(pr.ch.Sum(nil)); got != pr.p.CompressedSHA256 {
		return fmt.Errorf("%w: payload %s compressed sha256 %s, manifest says %s", ErrHash, pr.p.Name, got, pr.p.CompressedSHA256)
	}
	return nil
}

// Verify reads a whole bundle and checks every payload, writing nothing.
func Verify(r io.Reader, p Policy) (*Manifest, error) {
	br, err := Open(r, p)
	if err != nil {
		return nil, err
	}
	defer br.Close()
	for {
		_, pr, err := br.Next()
		if err == io.EOF {
			return br.Manifest(), nil
		}
		if err != nil {
			return nil, err
		}
		if _, err := io.Copy(io.Discard, pr); err != nil {
			return nil, err
		}
	}
}

// ReadManifest returns a bundle's manifest without checking its signature,
// for the controller's catalogue (devices verify; the controller only needs
// product and version to route bundles).
func ReadManifest(r io.Reader) (*Manifest, error) {
	tr := tar.NewReader(r)
	mb, err := readSmall(tr, ManifestMember)
	if err != nil {
		return nil, err
	}
	return ParseManifest(mb)
}
