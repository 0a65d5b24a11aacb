package fat_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"hallq/firmware-images/fat"
)

func volume(t *testing.T, size int64, fat32 bool) (string, *os.File) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "esp.img")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	const off = 1 << 20 // as if the ESP were the first partition of a disk
	f.Truncate(off + size)
	if err := fat.Format(f, off, size, fat32, "HALLQ-ESP"); err != nil {
		t.Fatal(err)
	}
	return p, f
}

func TestWriteReadReplace(t *testing.T) {
	for _, c := range []struct {
		name  string
		size  int64
		fat32 bool
	}{{"fat16", 16 << 20, false}, {"fat32", 64 << 20, true}} {
		t.Run(c.name, func(t *testing.T) {
			_, f := volume(t, c.size, c.fat32)
			v, err := fat.Open(f, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			seed := []byte(`{"controller":"https://10.0.0.2:8443","token":"abc"}`)
			big := bytes.Repeat([]byte("0123456789"), 5000) // spans many clusters
			if err := v.WriteFile("hqseed.jsn", seed); err != nil {
				t.Fatal(err)
			}
			if err := v.WriteFile("BIG.BIN", big); err != nil {
				t.Fatal(err)
			}
			if err := v.WriteFile("EMPTY", nil); err != nil {
				t.Fatal(err)
			}
			// Reopen from disk and read everything back.
			v, err = fat.Open(f, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			for name, want := range map[string][]byte{"HQSEED.JSN": seed, "big.bin": big, "EMPTY": {}} {
				got, err := v.ReadFile(name)
				if err != nil || !bytes.Equal(got, want) {
					t.Fatalf("%s: %d bytes, %v", name, len(got), err)
				}
			}
			// Replacing frees the old chain: writing many times does not fill the disk.
			for i := 0; i < 50; i++ {
				if err := v.WriteFile("BIG.BIN", big); err != nil {
					t.Fatalf("rewrite %d: %v", i, err)
				}
			}
			if _, err := v.ReadFile("NOPE.TXT"); !errors.Is(err, fat.ErrNotFound) {
				t.Fatalf("missing file: %v", err)
			}
		})
	}
}

func TestManyFilesFAT32GrowsRoot(t *testing.T) {
	_, f := volume(t, 64<<20, true)
	v, err := fat.Open(f, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 40; i++ { // 16 entries per 512-byte cluster
		if err := v.WriteFile(name(i), []byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	v, _ = fat.Open(f, 1<<20)
	for i := 0; i < 40; i++ {
		if got, err := v.ReadFile(name(i)); err != nil || len(got) != 1 || got[0] != byte(i) {
			t.Fatalf("%s: %v %v", name(i), got, err)
		}
	}
}

func name(i int) string {
	return "F" + strings.Repeat("X", i%5) + string(rune('A'+i%26)) + string(rune('A'+i/26)) + ".TXT"
}

func TestBadNamesAndVolumes(t *testing.T) {
	_, f := volume(t, 16<<20, false)
	v, _ := fat.Open(f, 1<<20)
	for _, n := range []string{"", "toolongname.txt", "a.json", "a b.txt", "种子.txt", "a.b.c"} {
		if err := v.WriteFile(n, nil); !errors.Is(err, fat.ErrName) {
			t.Errorf("%q: %v", n, err)
		}
	}
	if _, err := fat.Open(f, 0); !errors.Is(err, fat.ErrFormat) {
		t.Errorf("open at wrong offset: %v", err)
	}
	if err := fat.Format(f, 0, 1<<20, true, "X"); !errors.Is(err, fat.ErrFormat) {
		t.Errorf("FAT32 on 1 MiB: %v", err)
	}
}

// TestMtoolsReadsOurFiles cross-checks with mtools when it is installed.
func TestMtoolsReadsOurFiles(t *testing.T) {
	if _, err := exec.LookPath("mtype"); err != nil {
		t.Skip("mtools not installed")
	}
	for _, fat32 := range []bool{false, true} {
		p := filepath.Join(t.TempDir(), "esp.img")
		f, _ := os.Create(p)
		f.Truncate(64 << 20)
		if err := fat.Format(f, 0, 64<<20, fat32, "ESP"); err != nil {
			t.Fatal(err)
		}
		v, _ := fat.Open(f, 0)
		v.WriteFile("HQSEED.JSN", []byte("hello seed"))
		f.Close()
		out, err := exec.Command("mtype", "-i", p, "::HQSEED.JSN").CombinedOutput()
		if err != nil || string(out) != "hello seed" {
			t.Fatalf("mtype: %q %v", out, err)
		}
	}
}
