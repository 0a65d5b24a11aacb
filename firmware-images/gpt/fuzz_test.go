package gpt_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"hallq/firmware-images/gpt"
)

// FuzzRead feeds arbitrary disks to the table reader: a card from the field
// may hold anything.
func FuzzRead(f *testing.F) {
	p := filepath.Join(f.TempDir(), "d")
	fh, _ := os.Create(p)
	fh.Truncate(4 << 20)
	tab, _ := gpt.Layout(4<<20, []gpt.Spec{{Name: "esp", Type: gpt.TypeESP, Size: 1 << 20}, {Name: "data", Type: gpt.TypeLinuxData}})
	tab.Write(fh)
	head := make([]byte, 34*512)
	fh.ReadAt(head, 0)
	fh.Close()
	f.Add(head)
	f.Add([]byte("EFI PART"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r := bytes.NewReader(b)
		tab, err := gpt.Read(r, int64(len(b)))
		if err != nil {
			return
		}
		for _, p := range tab.Partitions {
			_ = p.Size()
		}
	})
}
