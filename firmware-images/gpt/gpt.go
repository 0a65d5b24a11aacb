// Package gpt reads and writes GUID partition tables on disk images and
// devices in pure Go: the image builder lays out ESP, root-a, root-b and data
// without sfdisk, and the technician's tool grows the last (data) partition
// to fill a card larger than the image, moving the backup table to the end.
package gpt

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"strings"
	"unicode/utf16"
)

// SectorSize is the logical sector size this package supports.
const SectorSize = 512

const (
	numEntries = 128
	entrySize  = 128
	entrySecs  = numEntries * entrySize / SectorSize // 32
	headerSize = 92
)

// Sentinel errors.
var (
	// ErrNoTable: no valid GPT header was found.
	ErrNoTable = errors.New("gpt: no valid partition table")
	// ErrLayout: partitions overlap, leave the usable area or do not fit.
	ErrLayout = errors.New("gpt: invalid layout")
)

// GUID is a GPT GUID in its on-disk (mixed-endian) byte order.
type GUID [16]byte

// ParseGUID parses the textual form "C12A7328-F81F-11D2-BA4B-00A0C93EC93B".
func ParseGUID(s string) (GUID, error) {
	var g GUID
	h := strings.ReplaceAll(s, "-", "")
	if len(h) != 32 || len(s) != 36 {
		return g, fmt.Errorf("gpt: bad guid %q", s)
	}
	raw, err := hex.DecodeString(h)
	if err != nil {
		return g, fmt.Errorf("gpt: bad guid %q", s)
	}
	// First three fields are little-endian on disk.
	g = GUID{raw[3], raw[2], raw[1], raw[0], raw[5], raw[4], raw[7], raw[6]}
	copy(g[8:], raw[8:])
	return g, nil
}

// MustGUID is ParseGUID for constants.
func MustGUID(s string) GUID {
	g, err := ParseGUID(s)
	if err != nil {
		panic(err)
	}
	return g
}

func (g GUID) String() string {
	return fmt.Sprintf("%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X",
		g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15])
}

// Partition types used by hallq images (Discoverable Partitions Specification).
var (
	TypeESP       = MustGUID("C12A7328-F81F-11D2-BA4B-00A0C93EC93B")
	TypeRootX86   = MustGUID("4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709")
	TypeRootArm64 = MustGUID("B921B045-1DF0-41C3-AF44-4C6F280D3FAE")
	TypeLinuxData = MustGUID("0FC63DAF-8483-4772-8E79-3D69D8477DE4")
)

// RandomGUID returns a version-4 GUID.
func RandomGUID() GUID {
	var g GUID
	rand.Read(g[:])
	g[7] = g[7]&0x0f | 0x40
	g[8] = g[8]&0x3f | 0x80
	return g
}

// Partition is one table entry. LBAs are inclusive.
type Partition struct {
	Type  GUID
	GUID  GUID
	First uint64
	Last  uint64
	Attrs uint64
	Name  string
	Index int // 0-based slot in the entry array
}

// Size is the partition's size in bytes.
func (p Partition) Size() int64 { return int64(p.Last-p.First+1) * SectorSize }

// Table is a parsed GPT.
type Table struct {
	DiskGUID    GUID
	Sectors     uint64 // of the disk the table was read from or laid out for
	FirstUsable uint64
	LastUsable  uint64
	Partitions  []Partition
}

// Spec asks for a partition in Layout. Size zero means "the rest".
type Spec struct {
	Name string
	Type GUID
	Size int64
}

const align = 2048 // 1 MiB in sectors

// Layout places partitions one after another, 1 MiB aligned, on a disk of
// size bytes. At most the last spec may have Size 0.
func Layout(size int64, specs []Spec) (*Table, error) {
	sectors := uint64(size / SectorSize)
	if sectors < 2*(entrySecs+2)+align {
		return nil, fmt.Errorf("%w: disk of %d bytes", ErrLayout, size)
	}
	t := &Table{DiskGUID: RandomGUID(), Sectors: sectors, FirstUsable: 2 + entrySecs, LastUsable: sectors - entrySecs - 2}
	next := uint64(align)
	for i, s := range specs {
		var n uint64
		if s.Size == 0 {
			if i != len(specs)-1 {
				return nil, fmt.Errorf("%w: only the last partition may fill the disk", ErrLayout)
			}
			end := (t.LastUsable + 1) / align * align
			if end <= next {
				return nil, fmt.Errorf("%w: no room for %s", ErrLayout, s.Name)
			}
			n = end - next
		} else {
			n = (uint64(s.Size) + SectorSize*align - 1) / (SectorSize * align) * align
		}
		p := Partition{Type: s.Type, GUID: RandomGUID(), First: next, Last: next + n - 1, Name: s.Name, Index: i}
		if p.Last > t.LastUsable {
			return nil, fmt.Errorf("%w: %s does not fit a disk of %d bytes", ErrLayout, s.Name, size)
		}
		t.Partitions = append(t.Partitions, p)
		next += n
	}
	return t, nil
}

// Find returns the partition with the given name.
func (t *Table) Find(name string) (Partition, bool) {
	for _, p := range t.Partitions {
		if p.Name == name {
			return p, true
		}
	}
	return Partition{}, false
}

func (t *Table) entries() ([]byte, error) {
	b := make([]byte, numEntries*entrySize)
	for _, p := range t.Partitions {
		if p.Index < 0 || p.Index >= numEntries {
			return nil, fmt.Errorf("%w: entry index %d", ErrLayout, p.Index)
		}
		if p.First < t.FirstUsable || p.Last > t.LastUsable || p.Last < p.First {
			return nil, fmt.Errorf("%w: %s at %d-%d outside %d-%d", ErrLayout, p.Name, p.First, p.Last, t.FirstUsable, t.LastUsable)
		}
		e := b[p.Index*entrySize:]
		copy(e[0:16], p.Type[:])
		copy(e[16:32], p.GUID[:])
		binary.LittleEndian.PutUint64(e[32:], p.First)
		binary.LittleEndian.PutUint64(e[40:], p.Last)
		binary.LittleEndian.PutUint64(e[48:], p.Attrs)
		name := utf16.Encode([]rune(p.Name))
		if len(name) > 36 {
			return nil, fmt.Errorf("%w: name %q longer than 36 UTF-16 units", ErrLayout, p.Name)
		}
		for i, u := range name {
			binary.LittleEndian.PutUint16(e[56+2*i:], u)
		}
	}
	for i, p := range t.Partitions {
		for _, q := range t.Partitions[i+1:] {
			if p.First <= q.Last && q.First <= p.Last {
				return nil, fmt.Errorf("%w: %s overlaps %s", ErrLayout, p.Name, q.Name)
			}
		}
	}
	return b, nil
}

func (t *Table) header(my, alt, entriesLBA uint64, entriesCRC uint32) []byte {
	h := make([]byte, SectorSize)
	copy(h, "EFI PART")
	binary.LittleEndian.PutUint32(h[8:], 0x00010000)
	binary.LittleEndian.PutUint32(h[12:], headerSize)
	binary.LittleEndian.PutUint64(h[24:], my)
	binary.LittleEndian.PutUint64(h[32:], alt)
	binary.LittleEndian.PutUint64(h[40:], t.FirstUsable)
	binary.LittleEndian.PutUint64(h[48:], t.LastUsable)
	copy(h[56:72], t.DiskGUID[:])
	binary.LittleEndian.PutUint64(h[72:], entriesLBA)
	binary.LittleEndian.PutUint32(h[80:], numEntries)
	binary.LittleEndian.PutUint32(h[84:], entrySize)
	binary.LittleEndian.PutUint32(h[88:], entriesCRC)
	binary.LittleEndian.PutUint32(h[16:], crc32.ChecksumIEEE(h[:headerSize]))
	return h
}

func protectiveMBR(sectors uint64) []byte {
	b := make([]byte, SectorSize)
	e := b[446:]
	copy(e, []byte{0x00, 0x00, 0x02, 0x00, 0xEE, 0xFF, 0xFF, 0xFF})
	binary.LittleEndian.PutUint32(e[8:], 1)
	binary.LittleEndian.PutUint32(e[12:], uint32(min(sectors-1, 0xFFFFFFFF)))
	b[510], b[511] = 0x55, 0xAA
	return b
}

// Write writes the protective MBR, primary and backup tables for t.Sectors.
func (t *Table) Write(w io.WriterAt) error {
	ents, err := t.entries()
	if err != nil {
		return err
	}
	crc := crc32.ChecksumIEEE(ents)
	last := t.Sectors - 1
	backupEntries := last - entrySecs
	writes := []struct {
		lba  uint64
		data []byte
	}{
		{0, protectiveMBR(t.Sectors)},
		{1, t.header(1, last, 2, crc)},
		{2, ents},
		{backupEntries, ents},
		{last, t.header(last, 1, backupEntries, crc)},
	}
	for _, x := range writes {
		if _, err := w.WriteAt(x.data, int64(x.lba)*SectorSize); err != nil {
			return fmt.Errorf("gpt: write lba %d: %w", x.lba, err)
		}
	}
	return nil
}

// Read parses the primary table, falling back to the backup at the end of a
// disk of size bytes when the primary is damaged.
func Read(r io.ReaderAt, size int64) (*Table, error) {
	t, err := readAt(r, 1, uint64(size/SectorSize))
	if err == nil {
		return t, nil
	}
	if t2, err2 := readAt(r, uint64(size/SectorSize)-1, uint64(size/SectorSize)); err2 == nil {
		return t2, nil
	}
	return nil, err
}

func readAt(r io.ReaderAt, lba, sectors uint64) (*Table, error) {
	h := make([]byte, SectorSize)
	if _, err := r.ReadAt(h, int64(lba)*SectorSize); err != nil {
		return nil, fmt.Errorf("%w: read header: %v", ErrNoTable, err)
	}
	if !bytes.Equal(h[:8], []byte("EFI PART")) {
		return nil, fmt.Errorf("%w: no signature at lba %d", ErrNoTable, lba)
	}
	hs := binary.LittleEndian.Uint32(h[12:])
	if hs < headerSize || hs > SectorSize {
		return nil, fmt.Errorf("%w: header size %d", ErrNoTable, hs)
	}
	want := binary.LittleEndian.Uint32(h[16:])
	c := bytes.Clone(h[:hs])
	binary.LittleEndian.PutUint32(c[16:], 0)
	if crc32.ChecksumIEEE(c) != want {
		return nil, fmt.Errorf("%w: header crc at lba %d", ErrNoTable, lba)
	}
	n, es := binary.LittleEndian.Uint32(h[80:]), binary.LittleEndian.Uint32(h[84:])
	if es != entrySize || n == 0 || n > 1024 {
		return nil, fmt.Errorf("%w: %d entries of %d bytes", ErrNoTable, n, es)
	}
	ents := make([]byte, int(n)*entrySize)
	if _, err := r.ReadAt(ents, int64(binary.LittleEndian.Uint64(h[72:]))*SectorSize); err != nil {
		return nil, fmt.Errorf("%w: read entries: %v", ErrNoTable, err)
	}
	if crc32.ChecksumIEEE(ents) != binary.LittleEndian.Uint32(h[88:]) {
		return nil, fmt.Errorf("%w: entries crc", ErrNoTable)
	}
	if sectors == 0 {
		sectors = binary.LittleEndian.Uint64(h[32:]) + 1
	}
	t := &Table{Sectors: sectors, FirstUsable: binary.LittleEndian.Uint64(h[40:]), LastUsable: binary.LittleEndian.Uint64(h[48:])}
	copy(t.DiskGUID[:], h[56:72])
	for i := 0; i < int(n) && i < numEntries; i++ {
		e := ents[i*entrySize:]
		var p Partition
		copy(p.Type[:], e[0:16])
		if p.Type == (GUID{}) {
			continue
		}
		copy(p.GUID[:], e[16:32])
		p.First, p.Last = binary.LittleEndian.Uint64(e[32:]), binary.LittleEndian.Uint64(e[40:])
		p.Attrs = binary.LittleEndian.Uint64(e[48:])
		var u []uint16
		for j := 0; j < 36; j++ {
			c := binary.LittleEndian.Uint16(e[56+2*j:])
			if c == 0 {
				break
			}
			u = append(u, c)
		}
		p.Name, p.Index = string(utf16.Decode(u)), i
		t.Partitions = append(t.Partitions, p)
	}
	return t, nil
}

// Grow rewrites the table of a disk of newSize bytes (oldSize zero: read it
// from the primary header) (larger than the image
// that was flashed to it) so the last partition ends at the last 1 MiB
// boundary and the backup table sits at the disk's end. The file system in
// the partition is grown on the device at first boot (x-systemd.growfs).
// It returns the grown partition.
func Grow(rw interface {
	io.ReaderAt
	io.WriterAt
}, oldSize, newSize int64) (Partition, error) {
	var t *Table
	var err error
	if oldSize == 0 {
		// Unknown image size: the primary header's alternate LBA says
		// where the image ended.
		if t, err = readAt(rw, 1, 0); err != nil {
			return Partition{}, err
		}
		oldSize = int64(t.Sectors) * SectorSize
	} else if t, err = Read(rw, oldSize); err != nil {
		return Partition{}, err
	}
	if len(t.Partitions) == 0 {
		return Partition{}, fmt.Errorf("%w: no partitions", ErrLayout)
	}
	if newSize < oldSize {
		return Partition{}, fmt.Errorf("%w: disk of %d bytes is smaller than the image (%d)", ErrLayout, newSize, oldSize)
	}
	oldBackup := t.Sectors - 1
	t.Sectors = uint64(newSize / SectorSize)
	t.LastUsable = t.Sectors - entrySecs - 2
	li := 0
	for i, p := range t.Partitions {
		if p.Last > t.Partitions[li].Last {
			li = i
		}
	}
	end := (t.LastUsable+1)/align*align - 1
	if end < t.Partitions[li].Last {
		end = t.Partitions[li].Last
	}
	t.Partitions[li].Last = end
	if err := t.Write(rw); err != nil {
		return Partition{}, err
	}
	// Clear the stale backup header so no tool mistakes it for a table.
	if oldBackup < t.Sectors-1 && oldBackup > t.Partitions[li].First {
		rw.WriteAt(make([]byte, SectorSize), int64(oldBackup)*SectorSize)
	}
	return t.Partitions[li], nil
}
