package fat

import (
	"encoding/binary"
	"fmt"
)

// Format writes an empty FAT16 or FAT32 file system of size bytes at off,
// with 512-byte sectors, two FATs and the given volume label.
func Format(dev Device, off, size int64, fat32 bool, label string) error {
	const bps = 512
	total := size / bps
	spc, reserved, rootEntries := int64(4), int64(4), int64(512)
	if fat32 {
		spc, reserved, rootEntries = 1, 32, 0
		for total/spc > 4<<20 {
			spc *= 2
		}
	} else {
		for total/spc >= 65525 && spc < 64 {
			spc *= 2
		}
	}
	entry := int64(2)
	if fat32 {
		entry = 4
	}
	rootSecs := rootEntries * 32 / bps
	// Iterate: the FAT must cover the clusters left after the FATs themselves.
	// Growing the FAT shrinks the data area, so the smallest fixed point is
	// reached from below in a few steps.
	fatSecs := int64(1)
	for i := 0; i < 64; i++ {
		clusters := (total - reserved - 2*fatSecs - rootSecs) / spc
		need := ((clusters+2)*entry + bps - 1) / bps
		if need <= fatSecs {
			break
		}
		fatSecs = need
	}
	clusters := (total - reserved - 2*fatSecs - rootSecs) / spc
	if (fat32 && clusters < 65525) || (!fat32 && (clusters < 4085 || clusters >= 65525)) {
		return fmt.Errorf("%w: %d bytes gives %d clusters, wrong for FAT%d", ErrFormat, size, clusters, map[bool]int{true: 32, false: 16}[fat32])
	}
	b := make([]byte, bps)
	copy(b, []byte{0xEB, 0x3C, 0x90})
	if fat32 {
		b[1] = 0x58
	}
	copy(b[3:], "HALLQFW ")
	binary.LittleEndian.PutUint16(b[11:], bps)
	b[13] = byte(spc)
	binary.LittleEndian.PutUint16(b[14:], uint16(reserved))
	b[16] = 2
	binary.LittleEndian.PutUint16(b[17:], uint16(rootEntries))
	if total < 65536 && !fat32 {
		binary.LittleEndian.PutUint16(b[19:], uint16(total))
	} else {
		binary.LittleEndian.PutUint32(b[32:], uint32(total))
	}
	b[21] = 0xF8
	binary.LittleEndian.PutUint16(b[24:], 63)
	binary.LittleEndian.PutUint16(b[26:], 255)
	lab := []byte(fmt.Sprintf("%-11.11s", label))
	if fat32 {
		binary.LittleEndian.PutUint32(b[36:], uint32(fatSecs))
		binary.LittleEndian.PutUint32(b[44:], 2)
		binary.LittleEndian.PutUint16(b[48:], 1)
		binary.LittleEndian.PutUint16(b[50:], 6)
		b[64], b[66] = 0x80, 0x29
		binary.LittleEndian.PutUint32(b[67:], 0x48514657)
		copy(b[71:], lab)
		copy(b[82:], "FAT32   ")
	} else {
		binary.LittleEndian.PutUint16(b[22:], uint16(fatSecs))
		b[36], b[38] = 0x80, 0x29
		binary.LittleEndian.PutUint32(b[39:], 0x48514657)
		copy(b[43:], lab)
		copy(b[54:], "FAT16   ")
	}
	b[510], b[511] = 0x55, 0xAA
	// Zero the metadata area first: a reused card may hold an old FAT.
	meta := (reserved + 2*fatSecs + rootSecs) * bps
	if fat32 {
		meta += spc * bps // root directory cluster
	}
	zero := make([]byte, 64<<10)
	for o := int64(0); o < meta; o += int64(len(zero)) {
		if _, err := dev.WriteAt(zero[:min(int64(len(zero)), meta-o)], off+o); err != nil {
			return err
		}
	}
	if _, err := dev.WriteAt(b, off); err != nil {
		return err
	}
	if fat32 {
		if _, err := dev.WriteAt(b, off+6*bps); err != nil {
			return err
		}
		fi := make([]byte, bps)
		copy(fi, "RRaA")
		copy(fi[484:], "rrAa")
		binary.LittleEndian.PutUint32(fi[488:], 0xFFFFFFFF)
		binary.LittleEndian.PutUint32(fi[492:], 0xFFFFFFFF)
		fi[510], fi[511] = 0x55, 0xAA
		if _, err := dev.WriteAt(fi, off+bps); err != nil {
			return err
		}
	}
	for i := int64(0); i < 2; i++ {
		fo := off + (reserved+i*fatSecs)*bps
		head := []byte{0xF8, 0xFF, 0xFF, 0xFF}
		if fat32 {
			head = []byte{0xF8, 0xFF, 0xFF, 0x0F, 0xFF, 0xFF, 0xFF, 0x0F, 0xFF, 0xFF, 0xFF, 0x0F} // media, reserved, root dir EOC
		}
		if _, err := dev.WriteAt(head, fo); err != nil {
			return err
		}
	}
	return nil
}
