package flash

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"hallq/firmware-images/bmap"
)

// Stats describes a finished write or verification.
type Stats struct {
	Bytes    int64
	Duration time.Duration
}

// MapAll returns a block map covering the whole image, for images without a
// bmap file; Write fills in the range hash.
func MapAll(size int64) *bmap.Map {
	bs := int64(bmap.DefaultBlockSize)
	n := (size + bs - 1) / bs
	m := &bmap.Map{ImageSize: size, BlockSize: bs, BlocksCount: n}
	if n > 0 {
		m.Ranges = []bmap.Range{{First: 0, Last: n - 1}}
	}
	return m
}

// OpenTarget opens a checked target for writing. Block devices are opened
// with O_EXCL, which the kernel refuses while anything (a mount, a RAID, a
// racing automounter) holds the device: a second line of defence behind Check.
func OpenTarget(t *Target) (*os.File, error) {
	flags := os.O_RDWR
	if t.Block {
		flags |= unix.O_EXCL
	} else {
		flags |= os.O_CREATE
	}
	f, err := os.OpenFile(t.Path, flags, 0o644)
	if err != nil {
		return nil, fmt.Errorf("flash: open %s: %w", t.Path, err)
	}
	return f, nil
}

// Write copies the mapped ranges of img to dst, checking each range against
// its bmap hash, then syncs. Ranges without a hash get the hash of what was
// written, for Verify. A regular-file target is truncated to the image size
// first so holes stay holes.
func Write(dst *os.File, img io.ReaderAt, m *bmap.Map, progress func(done, total int64)) (Stats, error) {
	start := time.Now()
	if fi, err := dst.Stat(); err == nil && fi.Mode().IsRegular() {
		if err := dst.Truncate(m.ImageSize); err != nil {
			return Stats{}, fmt.Errorf("flash: truncate: %w", err)
		}
	}
	total := m.MappedBlocks() * m.BlockSize
	var done int64
	buf := make([]byte, 4<<20)
	for i := range m.Ranges {
		r := &m.Ranges[i]
		off, n := m.Span(*r)
		h := sha256.New()
		for pos := off; pos < off+n; {
			chunk := buf[:min(int64(len(buf)), off+n-pos)]
			if _, err := img.ReadAt(chunk, pos); err != nil {
				return Stats{}, fmt.Errorf("flash: read image at %d: %w", pos, err)
			}
			h.Write(chunk)
			if _, err := dst.WriteAt(chunk, pos); err != nil {
				return Stats{}, fmt.Errorf("flash: write at %d: %w", pos, err)
			}
			pos += int64(len(chunk))
			done += int64(len(chunk))
			if progress != nil {
				progress(done, total)
			}
		}
		sum := hex.EncodeToString(h.Sum(nil))
		if r.SHA256 == "" {
			r.SHA256 = sum
		} else if sum != r.SHA256 {
			return Stats{}, fmt.Errorf("%w: blocks %d-%d", ErrImage, r.First, r.Last)
		}
	}
	if err := dst.Sync(); err != nil {
		return Stats{}, fmt.Errorf("flash: sync: %w", err)
	}
	return Stats{Bytes: done, Duration: time.Since(start)}, nil
}

// Verify reads every mapped range back from dst and compares its hash. The
// page cache is dropped first so the bytes come from the medium, not memory.
func Verify(dst *os.File, m *bmap.Map) (Stats, error) {
	start := time.Now()
	_ = unix.Fadvise(int(dst.Fd()), 0, 0, unix.FADV_DONTNEED)
	buf := make([]byte, 4<<20)
	var done int64
	for _, r := range m.Ranges {
		off, n := m.Span(r)
		h := sha256.New()
		if _, err := io.CopyBuffer(h, io.NewSectionReader(dst, off, n), buf); err != nil {
			return Stats{}, fmt.Errorf("flash: read back blocks %d-%d: %w", r.First, r.Last, err)
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != r.SHA256 {
			return Stats{}, fmt.Errorf("%w: blocks %d-%d read back differently", ErrVerify, r.First, r.Last)
		}
		done += n
	}
	return Stats{Bytes: done, Duration: time.Since(start)}, nil
}
