package theme

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	fynetheme "fyne.io/fyne/v2/theme"
)

const wqy = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"

// cjkFont returns the bytes of the machine's CJK font collection, or skips.
func cjkFont(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(wqy)
	if err != nil {
		t.Skipf("needs %s (apt-get install fonts-wqy-microhei): %v", wqy, err)
	}
	return b
}

func TestFirstFaceOfCollection(t *testing.T) {
	data := cjkFont(t)
	if string(data[:4]) != "ttcf" {
		t.Fatalf("%s is not a collection; the test needs one", wqy)
	}
	face, err := FirstFace(data)
	if err != nil {
		t.Fatal(err)
	}
	switch string(face[:4]) {
	case "\x00\x01\x00\x00", "OTTO", "true":
	default:
		t.Fatalf("extracted face starts %q, want an sfnt signature", face[:4])
	}
	if len(face) >= len(data) {
		t.Errorf("face is %d bytes, collection %d: nothing was left out", len(face), len(data))
	}
	// The extracted face is a font in its own right: extracting again
	// returns it unchanged, and it carries the Chinese glyphs.
	again, err := FirstFace(face)
	if err != nil || len(again) != len(face) {
		t.Fatalf("FirstFace(face) = %d bytes, %v", len(again), err)
	}
	if _, err := FontResource("wqy.ttc", data); err != nil {
		t.Fatal(err)
	}
	// Every table offset is 4-byte aligned, as the sfnt format requires.
	n := int(binary.BigEndian.Uint16(face[4:]))
	for i := range n {
		off := binary.BigEndian.Uint32(face[12+16*i+8:])
		if off%4 != 0 {
			t.Errorf("table %q at %d, not aligned", face[12+16*i:12+16*i+4], off)
		}
	}
}

// collection builds a two-face collection around one face, the second
// face first in the file, so offsets are not trivially zero-based.
func collection(face []byte) []byte {
	hdr := make([]byte, 20)
	copy(hdr, "ttcf")
	binary.BigEndian.PutUint32(hdr[4:], 0x00010000)
	binary.BigEndian.PutUint32(hdr[8:], 2)
	binary.BigEndian.PutUint32(hdr[12:], 20) // first face right after the header
	binary.BigEndian.PutUint32(hdr[16:], 20)
	// Table offsets inside a collection are from the start of the file.
	f := append([]byte(nil), face...)
	n := int(binary.BigEndian.Uint16(f[4:]))
	for i := range n {
		p := f[12+16*i+8:]
		binary.BigEndian.PutUint32(p, binary.BigEndian.Uint32(p)+20)
	}
	return append(hdr, f...)
}

func TestFirstFaceRoundTrip(t *testing.T) {
	face, err := FirstFace(cjkFont(t))
	if err != nil {
		t.Fatal(err)
	}
	got, err := FirstFace(collection(face))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(face) {
		t.Errorf("face rebuilt from a collection differs from the original (%d vs %d bytes)", len(got), len(face))
	}
}

func TestFirstFaceBad(t *testing.T) {
	good := make([]byte, 12+16)
	copy(good, "\x00\x01\x00\x00")
	binary.BigEndian.PutUint16(good[4:], 1)
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"short", []byte("ttcf")},
		{"text", []byte("this is not a font at all")},
		{"collection of none", append([]byte("ttcf\x00\x01\x00\x00\x00\x00\x00\x00"), make([]byte, 8)...)},
		{"face outside", []byte("ttcf\x00\x01\x00\x00\x00\x00\x00\x01\x7f\xff\xff\xff")},
		{"no tables", []byte("\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00")},
		{"directory truncated", []byte("\x00\x01\x00\x00\x00\x05\x00\x00\x00\x00\x00\x00")},
		{"table outside", func() []byte {
			b := append([]byte(nil), good...)
			copy(b[12:], "glyf")
			binary.BigEndian.PutUint32(b[12+8:], 1000)
			binary.BigEndian.PutUint32(b[12+12:], 10)
			return b
		}()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := FirstFace(tc.data); !errors.Is(err, ErrBadFont) {
				t.Errorf("err %v, want ErrBadFont", err)
			}
		})
	}
}

func TestLoadFontErrors(t *testing.T) {
	dir := t.TempDir()
	missing := []string{filepath.Join(dir, "a.ttc"), filepath.Join(dir, "b.ttf")}
	_, _, err := LoadFont(missing)
	if !errors.Is(err, ErrNoFont) {
		t.Fatalf("err %v, want ErrNoFont", err)
	}
	for _, want := range append(missing, "install fonts-wqy-microhei") {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if _, err := New(&Opts{FontPaths: missing}); !errors.Is(err, ErrNoFont) {
		t.Errorf("New: %v, want ErrNoFont", err)
	}

	junk := filepath.Join(dir, "junk.ttf")
	os.WriteFile(junk, []byte("not a font, just text pretending"), 0o600)
	if _, _, err := LoadFont([]string{missing[0], junk}); !errors.Is(err, ErrBadFont) || !strings.Contains(err.Error(), junk) {
		t.Errorf("junk font: %v, want ErrBadFont naming the file", err)
	}

	// A real font without Chinese glyphs is refused, not used to draw
	// boxes.
	latin := "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
	if _, err := os.Stat(latin); err == nil {
		_, _, err := LoadFont([]string{latin})
		if !errors.Is(err, ErrBadFont) || !strings.Contains(err.Error(), "not a CJK font") {
			t.Errorf("DejaVu: %v, want ErrBadFont: not a CJK font", err)
		}
	}
}

func TestLoadFontSkipsMissing(t *testing.T) {
	cjkFont(t)
	res, path, err := LoadFont([]string{filepath.Join(t.TempDir(), "none.ttc"), wqy})
	if err != nil {
		t.Fatal(err)
	}
	if path != wqy || res == nil || !strings.HasSuffix(res.Name(), ".ttf") {
		t.Errorf("got %q, %v", path, res)
	}
}

func TestLargeText(t *testing.T) {
	cjkFont(t)
	th, err := New(&Opts{FontPaths: []string{wqy}, BaseText: 20})
	if err != nil {
		t.Fatal(err)
	}
	if th.Large() || th.Scale() != 1 || th.Size(fynetheme.SizeNameText) != 20 {
		t.Fatalf("normal: large=%v scale=%v text=%v", th.Large(), th.Scale(), th.Size(fynetheme.SizeNameText))
	}
	pad := th.Size(fynetheme.SizeNamePadding)
	if !th.SetLarge(true) || th.SetLarge(true) {
		t.Error("SetLarge reports changes wrongly")
	}
	if th.Size(fynetheme.SizeNameText) != 30 || th.TextSize() != 30 {
		t.Errorf("large text size %v, want 30", th.Size(fynetheme.SizeNameText))
	}
	if th.Size(fynetheme.SizeNamePadding) <= pad {
		t.Error("padding did not grow with the text")
	}
	th.SetLarge(false)
	if th.Size(fynetheme.SizeNameText) != 20 {
		t.Error("back to normal failed")
	}
	if th.Font(fyne.TextStyle{}) != th.FontResource() || th.Font(fyne.TextStyle{Bold: true}) != th.FontResource() {
		t.Error("regular and bold text must use the CJK face")
	}
	if th.Font(fyne.TextStyle{Monospace: true}) == th.FontResource() {
		t.Error("monospace should stay fyne's")
	}
}

func TestBaseTextFor(t *testing.T) {
	for _, tc := range []struct {
		h    int
		want float32
	}{{1080, 1080 / 38.5}, {800, 800 / 38.5}, {300, 12}, {0, 12}} {
		if got := BaseTextFor(tc.h); got != tc.want {
			t.Errorf("BaseTextFor(%d) = %v, want %v", tc.h, got, tc.want)
		}
	}
}

func FuzzFirstFace(f *testing.F) {
	f.Add([]byte("ttcf\x00\x01\x00\x00\x00\x00\x00\x01\x00\x00\x00\x10\x00\x01\x00\x00\x00\x01"))
	f.Add([]byte("\x00\x01\x00\x00\x00\x01\x00\x10\x00\x00\x00\x00glyf\x00\x00\x00\x00\x00\x00\x00\x1c\x00\x00\x00\x04abcd"))
	f.Add([]byte("OTTO"))
	f.Fuzz(func(t *testing.T, data []byte) {
		face, err := FirstFace(data)
		if err != nil {
			if !errors.Is(err, ErrBadFont) {
				t.Fatalf("error %v is not ErrBadFont", err)
			}
			return
		}
		// Whatever was accepted must be accepted again unchanged.
		again, err := FirstFace(face)
		if err != nil || string(again) != string(face) {
			t.Fatalf("face not stable: %v", err)
		}
	})
}
