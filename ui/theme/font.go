package theme

import (
	"encoding/binary"
	"fmt"
	"sort"
)

// Limits that keep a damaged or hostile file from making the extractor
// allocate without bound: real CJK fonts have about 20 tables and are
// under 40 MB.
const (
	maxTables   = 256
	maxFontSize = 64 << 20
)

// FirstFace returns a standalone sfnt font (TrueType or CFF OpenType) for
// data: data itself when it already is one, or the first face of a font
// collection ("ttcf"), rebuilt with its own table directory so parsers that
// do not understand collections can read it.
func FirstFace(data []byte) ([]byte, error) {
	if len(data) < 12 {
		return nil, fmt.Errorf("%w: %d bytes", ErrBadFont, len(data))
	}
	if len(data) > maxFontSize {
		return nil, fmt.Errorf("%w: %d bytes, over %d", ErrBadFont, len(data), maxFontSize)
	}
	switch tag := string(data[:4]); tag {
	case "\x00\x01\x00\x00", "OTTO", "true":
		if _, err := tables(data, 0); err != nil {
			return nil, err
		}
		return data, nil
	case "ttcf":
		n := binary.BigEndian.Uint32(data[8:12])
		if n == 0 || len(data) < 16 {
			return nil, fmt.Errorf("%w: collection with no fonts", ErrBadFont)
		}
		off := binary.BigEndian.Uint32(data[12:16])
		return rebuild(data, int64(off))
	default:
		return nil, fmt.Errorf("%w: unknown signature %q", ErrBadFont, tag)
	}
}

type table struct {
	tag         [4]byte
	sum         uint32
	off, length uint32
}

// tables reads the table directory at off and checks that every table
// lies inside data.
func tables(data []byte, off int64) ([]table, error) {
	if off < 0 || off+12 > int64(len(data)) {
		return nil, fmt.Errorf("%w: table directory at %d outside the file", ErrBadFont, off)
	}
	d := data[off:]
	switch string(d[:4]) {
	case "\x00\x01\x00\x00", "OTTO", "true":
	default:
		return nil, fmt.Errorf("%w: face signature %q", ErrBadFont, d[:4])
	}
	n := int(binary.BigEndian.Uint16(d[4:6]))
	if n == 0 || n > maxTables {
		return nil, fmt.Errorf("%w: %d tables", ErrBadFont, n)
	}
	if 12+16*n > len(d) {
		return nil, fmt.Errorf("%w: table directory truncated", ErrBadFont)
	}
	ts := make([]table, n)
	for i := range ts {
		r := d[12+16*i:]
		copy(ts[i].tag[:], r[:4])
		ts[i].sum = binary.BigEndian.Uint32(r[4:8])
		ts[i].off = binary.BigEndian.Uint32(r[8:12])
		ts[i].length = binary.BigEndian.Uint32(r[12:16])
		if uint64(ts[i].off)+uint64(ts[i].length) > uint64(len(data)) {
			return nil, fmt.Errorf("%w: table %q outside the file", ErrBadFont, ts[i].tag[:])
		}
	}
	return ts, nil
}

// rebuild copies the face whose table directory is at off into a new sfnt
// with 4-byte aligned tables, as the format requires.
func rebuild(data []byte, off int64) ([]byte, error) {
	ts, err := tables(data, off)
	if err != nil {
		return nil, err
	}
	n := len(ts)
	size := 12 + 16*n
	for _, t := range ts {
		size += int(t.length+3) &^ 3
	}
	out := make([]byte, 12+16*n, size)
	copy(out[:4], data[off:off+4])
	binary.BigEndian.PutUint16(out[4:], uint16(n))
	// searchRange, entrySelector and rangeShift: binary search hints.
	es := 0
	for 1<<(es+1) <= n {
		es++
	}
	binary.BigEndian.PutUint16(out[6:], uint16(16<<es))
	binary.BigEndian.PutUint16(out[8:], uint16(es))
	binary.BigEndian.PutUint16(out[10:], uint16(16*n-16<<es))
	// The directory must be sorted by tag.
	sort.Slice(ts, func(i, j int) bool { return string(ts[i].tag[:]) < string(ts[j].tag[:]) })
	for i, t := range ts {
		r := out[12+16*i:]
		copy(r[:4], t.tag[:])
		binary.BigEndian.PutUint32(r[4:], t.sum)
		binary.BigEndian.PutUint32(r[8:], uint32(len(out)))
		binary.BigEndian.PutUint32(r[12:], t.length)
		out = append(out, data[t.off:t.off+t.length]...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
	}
	return out, nil
}
