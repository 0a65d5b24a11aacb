// Package fat is a minimal pure-Go FAT16/FAT32 writer: it formats a volume
// and adds, replaces and reads files in the root directory. The technician's
// tool uses it to drop the enrolment seed onto a flashed card's EFI system
// partition without mounting anything or needing mtools.
package fat

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Sentinel errors.
var (
	// ErrFormat: the volume is not a FAT16/FAT32 file system this package understands.
	ErrFormat = errors.New("fat: unsupported or damaged file system")
	// ErrName: the name is not a valid 8.3 name.
	ErrName = errors.New("fat: invalid 8.3 file name")
	// ErrNoSpace: no free clusters or directory entries.
	ErrNoSpace = errors.New("fat: no space left")
	// ErrNotFound: the file does not exist.
	ErrNotFound = errors.New("fat: file not found")
)

// Device is the storage under a volume.
type Device interface {
	io.ReaderAt
	io.WriterAt
}

// Volume is an opened FAT file system at some offset of a device.
type Volume struct {
	dev          Device
	off          int64
	bps          int64 // bytes per sector
	spc          int64 // sectors per cluster
	reserved     int64
	fats         int64
	fatSectors   int64
	rootEntries  int64 // FAT16 fixed root
	totalSectors int64
	rootCluster  uint32 // FAT32
	fsInfo       int64  // FAT32 FSInfo sector
	fat32        bool
	clusters     uint32 // data clusters
}

func (v *Volume) clusterBytes() int64 { return v.bps * v.spc }
func (v *Volume) fatOff(i int64) int64 {
	return v.off + (v.reserved+i*v.fatSectors)*v.bps
}
func (v *Volume) rootOff() int64 { return v.fatOff(v.fats) }
func (v *Volume) dataOff() int64 {
	return v.rootOff() + (v.rootEntries*32+v.bps-1)/v.bps*v.bps
}
func (v *Volume) clusterOff(c uint32) int64 { return v.dataOff() + int64(c-2)*v.clusterBytes() }

// Open reads the boot sector at off.
func Open(dev Device, off int64) (*Volume, error) {
	b := make([]byte, 512)
	if _, err := dev.ReadAt(b, off); err != nil {
		return nil, fmt.Errorf("%w: read boot sector: %v", ErrFormat, err)
	}
	if b[510] != 0x55 || b[511] != 0xAA {
		return nil, fmt.Errorf("%w: no boot signature", ErrFormat)
	}
	le16 := func(o int) int64 { return int64(binary.LittleEndian.Uint16(b[o:])) }
	le32 := func(o int) int64 { return int64(binary.LittleEndian.Uint32(b[o:])) }
	v := &Volume{dev: dev, off: off, bps: le16(11), spc: int64(b[13]), reserved: le16(14), fats: int64(b[16]),
		rootEntries: le16(17), totalSectors: le16(19), fatSectors: le16(22)}
	if v.totalSectors == 0 {
		v.totalSectors = le32(32)
	}
	if v.fatSectors == 0 {
		v.fat32 = true
		v.fatSectors = le32(36)
		v.rootCluster = uint32(le32(44))
		v.fsInfo = le16(48)
	}
	switch {
	case v.bps != 512 && v.bps != 1024 && v.bps != 2048 && v.bps != 4096:
		return nil, fmt.Errorf("%w: %d bytes per sector", ErrFormat, v.bps)
	case v.spc == 0 || v.spc&(v.spc-1) != 0:
		return nil, fmt.Errorf("%w: %d sectors per cluster", ErrFormat, v.spc)
	case v.fats == 0 || v.fats > 4 || v.reserved == 0 || v.fatSectors == 0:
		return nil, fmt.Errorf("%w: bad layout", ErrFormat)
	}
	dataSectors := v.totalSectors - (v.dataOff()-off)/v.bps
	if dataSectors <= 0 {
		return nil, fmt.Errorf("%w: no data area", ErrFormat)
	}
	v.clusters = uint32(dataSectors / v.spc)
	switch {
	case v.clusters < 4085:
		return nil, fmt.Errorf("%w: FAT12 is not supported", ErrFormat)
	case v.clusters < 65525 && v.fat32, v.clusters >= 65525 && !v.fat32:
		return nil, fmt.Errorf("%w: cluster count %d contradicts the boot sector", ErrFormat, v.clusters)
	}
	if maxEntries := v.fatSectors * v.bps / v.entryBytes(); int64(v.clusters)+2 > maxEntries {
		return nil, fmt.Errorf("%w: FAT too small for %d clusters", ErrFormat, v.clusters)
	}
	return v, nil
}

func (v *Volume) entryBytes() int64 {
	if v.fat32 {
		return 4
	}
	return 2
}

func (v *Volume) eoc() uint32 {
	if v.fat32 {
		return 0x0FFFFFFF
	}
	return 0xFFFF
}

func (v *Volume) isEOC(c uint32) bool {
	if v.fat32 {
		return c >= 0x0FFFFFF8
	}
	return c >= 0xFFF8
}

func (v *Volume) get(c uint32) (uint32, error) {
	b := make([]byte, 4)
	n := v.entryBytes()
	if _, err := v.dev.ReadAt(b[:n], v.fatOff(0)+int64(c)*n); err != nil {
		return 0, err
	}
	if v.fat32 {
		return binary.LittleEndian.Uint32(b) & 0x0FFFFFFF, nil
	}
	return uint32(binary.LittleEndian.Uint16(b)), nil
}

func (v *Volume) set(c, val uint32) error {
	b := make([]byte, 4)
	n := v.entryBytes()
	if v.fat32 {
		binary.LittleEndian.PutUint32(b, val&0x0FFFFFFF)
	} else {
		binary.LittleEndian.PutUint16(b, uint16(val))
	}
	for i := int64(0); i < v.fats; i++ {
		if _, err := v.dev.WriteAt(b[:n], v.fatOff(i)+int64(c)*n); err != nil {
			return err
		}
	}
	return nil
}

// chain follows a cluster chain, bounded by the cluster count so a looped
// FAT cannot hang us.
func (v *Volume) chain(first uint32) ([]uint32, error) {
	var out []uint32
	for c := first; !v.isEOC(c); {
		if c < 2 || c >= v.clusters+2 || len(out) > int(v.clusters) {
			return nil, fmt.Errorf("%w: broken cluster chain at %d", ErrFormat, c)
		}
		out = append(out, c)
		next, err := v.get(c)
		if err != nil {
			return nil, err
		}
		c = next
	}
	return out, nil
}

// alloc finds n free clusters and links them.
func (v *Volume) alloc(n int) ([]uint32, error) {
	var got []uint32
	for c := uint32(2); c < v.clusters+2 && len(got) < n; c++ {
		val, err := v.get(c)
		if err != nil {
			return nil, err
		}
		if val == 0 {
			got = append(got, c)
		}
	}
	if len(got) < n {
		return nil, ErrNoSpace
	}
	for i, c := range got {
		next := v.eoc()
		if i+1 < len(got) {
			next = got[i+1]
		}
		if err := v.set(c, next); err != nil {
			return nil, err
		}
	}
	v.invalidateFree()
	return got, nil
}

func (v *Volume) free(first uint32) error {
	cs, err := v.chain(first)
	if err != nil {
		return err
	}
	for _, c := range cs {
		if err := v.set(c, 0); err != nil {
			return err
		}
	}
	v.invalidateFree()
	return nil
}

// invalidateFree marks the FSInfo free count unknown, so the kernel
// recounts instead of trusting a stale hint.
func (v *Volume) invalidateFree() {
	if v.fat32 && v.fsInfo > 0 {
		v.dev.WriteAt([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, v.off+v.fsInfo*v.bps+488)
	}
}

// shortName converts "HQSEED.JSN" to its 11-byte directory form.
func shortName(name string) ([11]byte, error) {
	var out [11]byte
	base, ext, _ := strings.Cut(strings.ToUpper(name), ".")
	if len(base) == 0 || len(base) > 8 || len(ext) > 3 || strings.Contains(ext, ".") {
		return out, fmt.Errorf("%w: %q", ErrName, name)
	}
	for _, r := range base + ext {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_-~!#$%&'()@^`{}", r)) {
			return out, fmt.Errorf("%w: %q", ErrName, name)
		}
	}
	copy(out[:], bytes.Repeat([]byte{' '}, 11))
	copy(out[:8], base)
	copy(out[8:], ext)
	return out, nil
}

// rootSlots returns the byte offsets of every root directory entry.
func (v *Volume) rootSlots() ([]int64, error) {
	var out []int64
	if !v.fat32 {
		for i := int64(0); i < v.rootEntries; i++ {
			out = append(out, v.rootOff()+i*32)
		}
		return out, nil
	}
	cs, err := v.chain(v.rootCluster)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		for i := int64(0); i < v.clusterBytes()/32; i++ {
			out = append(out, v.clusterOff(c)+i*32)
		}
	}
	return out, nil
}

func (v *Volume) find(name [11]byte) (slot int64, ent []byte, free int64, err error) {
	slots, err := v.rootSlots()
	if err != nil {
		return 0, nil, 0, err
	}
	free = -1
	e := make([]byte, 32)
	for _, s := range slots {
		if _, err := v.dev.ReadAt(e, s); err != nil {
			return 0, nil, 0, err
		}
		if e[0] == 0 || e[0] == 0xE5 {
			if free < 0 {
				free = s
			}
			if e[0] == 0 {
				break
			}
			continue
		}
		if e[11]&0x08 == 0 && e[11] != 0x0F && bytes.Equal(e[:11], name[:]) {
			return s, e, free, nil
		}
	}
	return -1, nil, free, nil
}

// WriteFile creates or replaces name in the root directory.
func (v *Volume) WriteFile(name string, data []byte) error {
	sn, err := shortName(name)
	if err != nil {
		return err
	}
	slot, ent, free, err := v.find(sn)
	if err != nil {
		return err
	}
	if slot >= 0 {
		if first := v.firstCluster(ent); first != 0 {
			if err := v.free(first); err != nil {
				return err
			}
		}
		free = slot
	}
	if free < 0 {
		if !v.fat32 {
			return fmt.Errorf("%w: root directory full", ErrNoSpace)
		}
		cs, err := v.chain(v.rootCluster)
		if err != nil {
			return err
		}
		nc, err := v.alloc(1)
		if err != nil {
			return err
		}
		if err := v.set(cs[len(cs)-1], nc[0]); err != nil {
			return err
		}
		if _, err := v.dev.WriteAt(make([]byte, v.clusterBytes()), v.clusterOff(nc[0])); err != nil {
			return err
		}
		free = v.clusterOff(nc[0])
	}
	n := int((int64(len(data)) + v.clusterBytes() - 1) / v.clusterBytes())
	var cs []uint32
	if n > 0 {
		if cs, err = v.alloc(n); err != nil {
			return err
		}
	}
	for i, c := range cs {
		chunk := data[int64(i)*v.clusterBytes() : min(int64(len(data)), int64(i+1)*v.clusterBytes())]
		if _, err := v.dev.WriteAt(chunk, v.clusterOff(c)); err != nil {
			return err
		}
	}
	e := make([]byte, 32)
	copy(e, sn[:])
	e[11] = 0x20 // archive
	// 2026-01-01 00:00, a fixed stamp: the seed's content matters, not its time.
	date := uint16((2026-1980)<<9 | 1<<5 | 1)
	binary.LittleEndian.PutUint16(e[16:], date)
	binary.LittleEndian.PutUint16(e[18:], date)
	binary.LittleEndian.PutUint16(e[24:], date)
	var first uint32
	if len(cs) > 0 {
		first = cs[0]
	}
	binary.LittleEndian.PutUint16(e[20:], uint16(first>>16))
	binary.LittleEndian.PutUint16(e[26:], uint16(first))
	binary.LittleEndian.PutUint32(e[28:], uint32(len(data)))
	_, err = v.dev.WriteAt(e, free)
	return err
}

func (v *Volume) firstCluster(e []byte) uint32 {
	c := uint32(binary.LittleEndian.Uint16(e[26:]))
	if v.fat32 {
		c |= uint32(binary.LittleEndian.Uint16(e[20:])) << 16
	}
	return c
}

// ReadFile returns the contents of name in the root directory.
func (v *Volume) ReadFile(name string) ([]byte, error) {
	sn, err := shortName(name)
	if err != nil {
		return nil, err
	}
	slot, e, _, err := v.find(sn)
	if err != nil {
		return nil, err
	}
	if slot < 0 {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, name)
	}
	size := int64(binary.LittleEndian.Uint32(e[28:]))
	out := make([]byte, 0, size)
	if first := v.firstCluster(e); first != 0 {
		cs, err := v.chain(first)
		if err != nil {
			return nil, err
		}
		buf := make([]byte, v.clusterBytes())
		for _, c := range cs {
			if _, err := v.dev.ReadAt(buf, v.clusterOff(c)); err != nil {
				return nil, err
			}
			out = append(out, buf[:min(int64(len(buf)), size-int64(len(out)))]...)
		}
	}
	if int64(len(out)) != size {
		return nil, fmt.Errorf("%w: %s: chain holds %d of %d bytes", ErrFormat, name, len(out), size)
	}
	return out, nil
}
