package bmap_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"hallq/firmware-images/bmap"
)

// sparseFile writes data at the given 4 KiB block numbers of a file of
// `blocks` blocks, leaving holes elsewhere.
func sparseFile(t *testing.T, blocks int64, data map[int64]byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "disk.img")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(blocks * 4096); err != nil {
		t.Fatal(err)
	}
	for blk, v := range data {
		if _, err := f.WriteAt(bytes.Repeat([]byte{v}, 4096), blk*4096); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

func TestGenerateMatchesHoles(t *testing.T) {
	p := sparseFile(t, 1024, map[int64]byte{0: 1, 1: 2, 2: 3, 100: 4, 500: 5, 501: 6, 1023: 7})
	m, err := bmap.Generate(p, 4096)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Ranges) == 1 && m.MappedBlocks() == 1024 {
		t.Skip("file system under TempDir reports no holes")
	}
	want := [][2]int64{{0, 2}, {100, 100}, {500, 501}, {1023, 1023}}
	if len(m.Ranges) != len(want) {
		t.Fatalf("ranges %+v, want %v", m.Ranges, want)
	}
	img, _ := os.ReadFile(p)
	for i, r := range m.Ranges {
		if r.First != want[i][0] || r.Last != want[i][1] {
			t.Errorf("range %d = %d-%d, want %d-%d", i, r.First, r.Last, want[i][0], want[i][1])
		}
		s := sha256.Sum256(img[r.First*4096 : (r.Last+1)*4096])
		if r.SHA256 != hex.EncodeToString(s[:]) {
			t.Errorf("range %d checksum wrong", i)
		}
	}
	// Every byte outside the ranges is a hole, so it reads as zero.
	mapped := make([]bool, 1024)
	for _, r := range m.Ranges {
		for b := r.First; b <= r.Last; b++ {
			mapped[b] = true
		}
	}
	for b, ok := range mapped {
		if !ok && !bytes.Equal(img[b*4096:(b+1)*4096], make([]byte, 4096)) {
			t.Fatalf("block %d holds data but is not mapped", b)
		}
	}
}

func TestFromExtentsMergesAndRounds(t *testing.T) {
	img := make([]byte, 10*4096+100)
	m, err := bmap.FromExtents(bytes.NewReader(img), int64(len(img)), 4096,
		[]bmap.Extent{{10, 20}, {4096, 1}, {3 * 4096, 8192}, {5*4096 + 5, 1}, {10 * 4096, 100}})
	if err != nil {
		t.Fatal(err)
	}
	got := [][2]int64{}
	for _, r := range m.Ranges {
		got = append(got, [2]int64{r.First, r.Last})
	}
	want := [][2]int64{{0, 1}, {3, 5}, {10, 10}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	if m.BlocksCount != 11 {
		t.Fatalf("BlocksCount %d", m.BlocksCount)
	}
	if _, n := m.Span(m.Ranges[2]); n != 100 {
		t.Fatalf("last short block spans %d bytes", n)
	}
}

func TestMarshalParse(t *testing.T) {
	p := sparseFile(t, 64, map[int64]byte{3: 1, 4: 1, 40: 2})
	m, err := bmap.Generate(p, 4096)
	if err != nil {
		t.Fatal(err)
	}
	b := m.Marshal()
	got, err := bmap.Parse(b)
	if err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if got.ImageSize != m.ImageSize || got.BlockSize != 4096 || len(got.Ranges) != len(m.Ranges) || got.Ranges[0] != m.Ranges[0] {
		t.Fatalf("round trip: %+v vs %+v", got, m)
	}
	// Any edit breaks the file checksum.
	edited := bytes.Replace(b, []byte("<ImageSize> "), []byte("<ImageSize> 1"), 1)
	if _, err := bmap.Parse(edited); !errors.Is(err, bmap.ErrFormat) {
		t.Fatalf("edited bmap: %v", err)
	}
}

func TestParseGolden(t *testing.T) {
	b, err := os.ReadFile("testdata/bmaptool-2.0.bmap")
	if err != nil {
		t.Fatal(err)
	}
	m, err := bmap.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if m.ImageSize != 8192+1000 || len(m.Ranges) != 2 || m.Ranges[1].First != 2 || m.Ranges[1].Last != 2 {
		t.Fatalf("%+v", m)
	}
}

func FuzzParse(f *testing.F) {
	if b, err := os.ReadFile("testdata/bmaptool-2.0.bmap"); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`<bmap version="2.0"><ImageSize>1</ImageSize></bmap>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := bmap.Parse(b)
		if err != nil {
			if !errors.Is(err, bmap.ErrFormat) {
				t.Fatalf("error %v does not wrap ErrFormat", err)
			}
			return
		}
		for _, r := range m.Ranges {
			if r.Last >= m.BlocksCount {
				t.Fatalf("range outside image accepted")
			}
		}
	})
}
