package image

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"hallq/firmware-images/bmap"
	"hallq/firmware-images/gpt"
)

// Part is one partition of a disk to assemble.
type Part struct {
	Name  string
	Type  gpt.GUID
	Size  int64
	Image string // file copied into the partition; empty leaves it a hole
}

// Assemble lays out a GPT disk in a sparse file and copies partition images
// into it, skipping their holes and zero blocks, so the disk stays sparse
// (what "dd conv=sparse,notrunc" would do, without dd).
func Assemble(out string, parts []Part) error {
	size := int64(2 << 20) // 1 MiB alignment at the start, room for the backup table at the end
	specs := make([]gpt.Spec, len(parts))
	for i, p := range parts {
		specs[i] = gpt.Spec{Name: p.Name, Type: p.Type, Size: p.Size}
		size += (p.Size + (1<<20 - 1)) &^ (1<<20 - 1)
	}
	tab, err := gpt.Layout(size, specs)
	if err != nil {
		return err
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		return err
	}
	if err := tab.Write(f); err != nil {
		return err
	}
	for i, p := range parts {
		if p.Image == "" {
			continue
		}
		part := tab.Partitions[i]
		if err := copySparse(f, int64(part.First)*gpt.SectorSize, part.Size(), p.Image); err != nil {
			return fmt.Errorf("image: partition %s: %w", p.Name, err)
		}
	}
	return f.Sync()
}

func copySparse(dst *os.File, off, room int64, src string) error {
	s, err := os.Open(src)
	if err != nil {
		return err
	}
	defer s.Close()
	fi, err := s.Stat()
	if err != nil {
		return err
	}
	if fi.Size() > room {
		return fmt.Errorf("%s is %d bytes, partition holds %d", src, fi.Size(), room)
	}
	ext, err := bmap.Extents(s)
	if err != nil {
		return err
	}
	buf := make([]byte, 64<<10)
	zero := make([]byte, len(buf))
	for _, e := range ext {
		for pos := e.Off; pos < e.Off+e.Len; {
			n := min(int64(len(buf)), e.Off+e.Len-pos)
			if _, err := s.ReadAt(buf[:n], pos); err != nil && err != io.EOF {
				return err
			}
			if !bytes.Equal(buf[:n], zero[:n]) {
				if _, err := dst.WriteAt(buf[:n], off+pos); err != nil {
					return err
				}
			}
			pos += n
		}
	}
	return nil
}
