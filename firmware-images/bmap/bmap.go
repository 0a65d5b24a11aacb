// Package bmap generates and parses block maps in bmaptool's 2.0 XML format:
// the image size, the block size, and the ranges of blocks that hold data,
// each with a sha256. A flash tool writes only the mapped ranges, so a 4 GiB
// image with 600 MiB of data takes the time of 600 MiB, and checks every
// range's hash on the way.
package bmap

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// ErrFormat: the bmap file is malformed or its own checksum is wrong.
var ErrFormat = errors.New("bmap: invalid block map")

// DefaultBlockSize is the block size bmaptool uses.
const DefaultBlockSize = 4096

// Range is an inclusive range of mapped blocks.
type Range struct {
	First, Last int64
	SHA256      string // of the bytes of blocks First..Last (the last block may be short)
}

// Map is a parsed block map.
type Map struct {
	ImageSize   int64
	BlockSize   int64
	BlocksCount int64
	Ranges      []Range
}

// MappedBlocks counts the blocks in all ranges.
func (m *Map) MappedBlocks() int64 {
	var n int64
	for _, r := range m.Ranges {
		n += r.Last - r.First + 1
	}
	return n
}

// Span returns the byte offset and length of r within the image.
func (m *Map) Span(r Range) (off, n int64) {
	off = r.First * m.BlockSize
	end := min((r.Last+1)*m.BlockSize, m.ImageSize)
	return off, end - off
}

// Extent is a byte range holding data.
type Extent struct{ Off, Len int64 }

// Extents lists the data extents of f with SEEK_DATA/SEEK_HOLE. File systems
// without hole support report one extent covering the whole file, which is
// correct, only slower to flash.
func Extents(f *os.File) ([]Extent, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	size := fi.Size()
	fd := int(f.Fd())
	var out []Extent
	for off := int64(0); off < size; {
		data, err := unix.Seek(fd, off, unix.SEEK_DATA)
		if errors.Is(err, unix.ENXIO) {
			break // only a hole up to the end
		}
		if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.EOPNOTSUPP) {
			return []Extent{{0, size}}, nil
		}
		if err != nil {
			return nil, fmt.Errorf("bmap: seek data: %w", err)
		}
		hole, err := unix.Seek(fd, data, unix.SEEK_HOLE)
		if err != nil {
			return nil, fmt.Errorf("bmap: seek hole: %w", err)
		}
		out = append(out, Extent{data, hole - data})
		off = hole
	}
	return out, nil
}

// FromExtents turns data extents into block ranges (a block is mapped if any
// of its bytes is data) and hashes them from r.
func FromExtents(r io.ReaderAt, size, blockSize int64, ext []Extent) (*Map, error) {
	if blockSize <= 0 || blockSize%512 != 0 {
		return nil, fmt.Errorf("bmap: block size %d is not a multiple of 512", blockSize)
	}
	m := &Map{ImageSize: size, BlockSize: blockSize, BlocksCount: (size + blockSize - 1) / blockSize}
	for _, e := range ext {
		if e.Len <= 0 {
			continue
		}
		first, last := e.Off/blockSize, (e.Off+e.Len-1)/blockSize
		if n := len(m.Ranges); n > 0 && first <= m.Ranges[n-1].Last+1 {
			m.Ranges[n-1].Last = max(m.Ranges[n-1].Last, last)
			continue
		}
		m.Ranges = append(m.Ranges, Range{First: first, Last: last})
	}
	buf := make([]byte, 1<<20)
	for i := range m.Ranges {
		off, n := m.Span(m.Ranges[i])
		h := sha256.New()
		if _, err := io.CopyBuffer(h, io.NewSectionReader(r, off, n), buf); err != nil {
			return nil, fmt.Errorf("bmap: hash blocks %d-%d: %w", m.Ranges[i].First, m.Ranges[i].Last, err)
		}
		m.Ranges[i].SHA256 = hex.EncodeToString(h.Sum(nil))
	}
	return m, nil
}

// Generate maps the sparse file at path.
func Generate(path string, blockSize int64) (*Map, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	ext, err := Extents(f)
	if err != nil {
		return nil, err
	}
	return FromExtents(f, fi.Size(), blockSize, ext)
}

const zeroSum = "0000000000000000000000000000000000000000000000000000000000000000"

// Marshal encodes the map as a bmaptool 2.0 file, including the
// BmapFileChecksum computed over the file with that field set to zeros.
func (m *Map) Marshal() []byte {
	var b bytes.Buffer
	mapped := m.MappedBlocks()
	pct := 0.0
	if m.BlocksCount > 0 {
		pct = 100 * float64(mapped) / float64(m.BlocksCount)
	}
	fmt.Fprintf(&b, "<?xml version=\"1.0\" ?>\n<!-- This file contains the block map for an image file, which is basically\n     a list of useful (mapped) block numbers in the image file. -->\n")
	fmt.Fprintf(&b, "<bmap version=\"2.0\">\n")
	fmt.Fprintf(&b, "    <!-- Image size in bytes: %.1f MiB -->\n    <ImageSize> %d </ImageSize>\n\n", float64(m.ImageSize)/(1<<20), m.ImageSize)
	fmt.Fprintf(&b, "    <!-- Size of a block in bytes -->\n    <BlockSize> %d </BlockSize>\n\n", m.BlockSize)
	fmt.Fprintf(&b, "    <!-- Count of blocks in the image file -->\n    <BlocksCount> %d </BlocksCount>\n\n", m.BlocksCount)
	fmt.Fprintf(&b, "    <!-- Count of mapped blocks: %.1f MiB or %.1f%% -->\n    <MappedBlocksCount> %d </MappedBlocksCount>\n\n", float64(mapped*m.BlockSize)/(1<<20), pct, mapped)
	fmt.Fprintf(&b, "    <!-- Type of checksum used in this file -->\n    <ChecksumType> sha256 </ChecksumType>\n\n")
	fmt.Fprintf(&b, "    <!-- The checksum of this bmap file. When it is calculated, the value of\n         the checksum has be zero (all ASCII \"0\" symbols).  -->\n    <BmapFileChecksum> %s </BmapFileChecksum>\n\n", zeroSum)
	fmt.Fprintf(&b, "    <!-- The block map which consists of elements which may either be a\n         range of blocks or a single block. The 'chksum' attribute\n         (if present) is the checksum of this blocks range. -->\n    <BlockMap>\n")
	for _, r := range m.Ranges {
		if r.First == r.Last {
			fmt.Fprintf(&b, "        <Range chksum=\"%s\"> %d </Range>\n", r.SHA256, r.First)
		} else {
			fmt.Fprintf(&b, "        <Range chksum=\"%s\"> %d-%d </Range>\n", r.SHA256, r.First, r.Last)
		}
	}
	fmt.Fprintf(&b, "    </BlockMap>\n</bmap>\n")
	sum := sha256.Sum256(b.Bytes())
	return bytes.Replace(b.Bytes(), []byte(zeroSum), []byte(hex.EncodeToString(sum[:])), 1)
}

type xmlMap struct {
	XMLName      xml.Name `xml:"bmap"`
	Version      string   `xml:"version,attr"`
	ImageSize    string   `xml:"ImageSize"`
	BlockSize    string   `xml:"BlockSize"`
	BlocksCount  string   `xml:"BlocksCount"`
	Mapped       string   `xml:"MappedBlocksCount"`
	ChecksumType string   `xml:"ChecksumType"`
	FileChecksum string   `xml:"BmapFileChecksum"`
	Ranges       []struct {
		Sum  string `xml:"chksum,attr"`
		Text string `xml:",chardata"`
	} `xml:"BlockMap>Range"`
}

var sumRE = regexp.MustCompile(`<BmapFileChecksum>\s*([0-9a-fA-F]{64})\s*</BmapFileChecksum>`)

// Parse decodes a bmap 2.x file, checking its own checksum, that ranges are
// ordered, disjoint and inside the image, and that the counts agree.
func Parse(b []byte) (*Map, error) {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrFormat, fmt.Sprintf(format, a...))
	}
	if len(b) > 64<<20 {
		return nil, bad("file of %d bytes", len(b))
	}
	var x xmlMap
	if err := xml.Unmarshal(b, &x); err != nil {
		return nil, bad("%v", err)
	}
	if !strings.HasPrefix(x.Version, "2.") {
		return nil, bad("version %q, want 2.x", x.Version)
	}
	if strings.TrimSpace(x.ChecksumType) != "sha256" {
		return nil, bad("checksum type %q", x.ChecksumType)
	}
	loc := sumRE.FindSubmatchIndex(b)
	if loc == nil {
		return nil, bad("no BmapFileChecksum")
	}
	z := bytes.Clone(b)
	copy(z[loc[2]:loc[3]], zeroSum)
	sum := sha256.Sum256(z)
	if !strings.EqualFold(string(b[loc[2]:loc[3]]), hex.EncodeToString(sum[:])) {
		return nil, bad("file checksum mismatch")
	}
	num := func(name, s string) (int64, error) {
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil || n < 0 {
			return 0, bad("%s %q", name, s)
		}
		return n, nil
	}
	m := &Map{}
	var err error
	if m.ImageSize, err = num("ImageSize", x.ImageSize); err != nil {
		return nil, err
	}
	if m.BlockSize, err = num("BlockSize", x.BlockSize); err != nil {
		return nil, err
	}
	if m.BlocksCount, err = num("BlocksCount", x.BlocksCount); err != nil {
		return nil, err
	}
	mapped, err := num("MappedBlocksCount", x.Mapped)
	if err != nil {
		return nil, err
	}
	if m.BlockSize == 0 || m.BlockSize%512 != 0 || m.BlocksCount != (m.ImageSize+m.BlockSize-1)/m.BlockSize {
		return nil, bad("block size %d and count %d do not fit image size %d", m.BlockSize, m.BlocksCount, m.ImageSize)
	}
	prev := int64(-1)
	for _, xr := range x.Ranges {
		s := strings.TrimSpace(xr.Text)
		a, c, isRange := strings.Cut(s, "-")
		first, err := num("range", a)
		if err != nil {
			return nil, err
		}
		last := first
		if isRange {
			if last, err = num("range", c); err != nil {
				return nil, err
			}
		}
		if first <= prev || last < first || last >= m.BlocksCount {
			return nil, bad("range %q out of order or outside the image", s)
		}
		if len(xr.Sum) != 64 {
			return nil, bad("range %q: checksum %q", s, xr.Sum)
		}
		if _, err := hex.DecodeString(xr.Sum); err != nil {
			return nil, bad("range %q: checksum %q", s, xr.Sum)
		}
		m.Ranges = append(m.Ranges, Range{First: first, Last: last, SHA256: strings.ToLower(xr.Sum)})
		prev = last
	}
	if m.MappedBlocks() != mapped {
		return nil, bad("MappedBlocksCount %d, ranges hold %d", mapped, m.MappedBlocks())
	}
	return m, nil
}
