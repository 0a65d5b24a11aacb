package gpt_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"hallq/firmware-images/gpt"
)

func hallqLayout(t *testing.T, size int64) *gpt.Table {
	t.Helper()
	tab, err := gpt.Layout(size, []gpt.Spec{
		{Name: "esp", Type: gpt.TypeESP, Size: 4 << 20},
		{Name: "root-a", Type: gpt.TypeRootX86, Size: 8 << 20},
		{Name: "root-b", Type: gpt.TypeRootX86, Size: 8 << 20},
		{Name: "data", Type: gpt.TypeLinuxData},
	})
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

func TestGUIDText(t *testing.T) {
	const s = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"
	g := gpt.MustGUID(s)
	if g.String() != s {
		t.Fatalf("%s", g)
	}
	// On-disk bytes of the ESP type GUID.
	want := []byte{0x28, 0x73, 0x2a, 0xc1, 0x1f, 0xf8, 0xd2, 0x11, 0xba, 0x4b, 0x00, 0xa0, 0xc9, 0x3e, 0xc9, 0x3b}
	if string(g[:]) != string(want) {
		t.Fatalf("% x", g[:])
	}
	if _, err := gpt.ParseGUID("nonsense"); err == nil {
		t.Fatal("accepted nonsense")
	}
}

func TestWriteReadGrow(t *testing.T) {
	p := filepath.Join(t.TempDir(), "disk")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	const small, big = 32 << 20, 100 << 20
	f.Truncate(small)
	tab := hallqLayout(t, small)
	if err := tab.Write(f); err != nil {
		t.Fatal(err)
	}
	got, err := gpt.Read(f, small)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Partitions) != 4 || got.Partitions[1].Name != "root-a" || got.Partitions[3].Type != gpt.TypeLinuxData {
		t.Fatalf("%+v", got.Partitions)
	}
	data, _ := got.Find("data")
	if data.First%2048 != 0 || data.Last > got.LastUsable {
		t.Fatalf("data %+v", data)
	}
	// Flash to a bigger card, then grow.
	f.Truncate(big)
	grown, err := gpt.Grow(f, 0, big) // size of the flashed image taken from the header
	if err != nil {
		t.Fatal(err)
	}
	if grown.Name != "data" || grown.First != data.First || grown.Last != big/512-2048-1 {
		t.Fatalf("grown %+v (sectors %d)", grown, big/512)
	}
	after, err := gpt.Read(f, big)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := after.Find("data"); d.Last != grown.Last {
		t.Fatalf("primary says %d", d.Last)
	}
	// The backup at the new end is valid on its own: wreck the primary.
	f.WriteAt(make([]byte, 512), 512)
	backup, err := gpt.Read(f, big)
	if err != nil {
		t.Fatalf("backup: %v", err)
	}
	if d, _ := backup.Find("data"); d.Last != grown.Last {
		t.Fatalf("backup says %d", d.Last)
	}
	// Shrinking is refused.
	if _, err := gpt.Grow(f, big, small); err == nil {
		t.Fatal("grew to a smaller disk")
	}
}

func TestReadRefusesGarbage(t *testing.T) {
	p := filepath.Join(t.TempDir(), "disk")
	os.WriteFile(p, make([]byte, 1<<20), 0o644)
	f, _ := os.Open(p)
	defer f.Close()
	if _, err := gpt.Read(f, 1<<20); !errors.Is(err, gpt.ErrNoTable) {
		t.Fatalf("got %v", err)
	}
}

func TestLayoutTooSmall(t *testing.T) {
	_, err := gpt.Layout(16<<20, []gpt.Spec{{Name: "root-a", Type: gpt.TypeRootX86, Size: 32 << 20}})
	if !errors.Is(err, gpt.ErrLayout) {
		t.Fatalf("got %v", err)
	}
}
