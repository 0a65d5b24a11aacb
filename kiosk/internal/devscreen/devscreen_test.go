package devscreen

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestAutoScale(t *testing.T) {
	for _, c := range []struct {
		want   float64
		height float32
		got    float64
	}{
		{0, 1080, 1.5},
		{0, 900, 0},
		{0, 480, 0},
		{1, 1080, 1},
		{2, 480, 2},
	} {
		if g := autoScale(c.want, c.height); g != c.got {
			t.Errorf("autoScale(%v, %v) = %v, want %v", c.want, c.height, g, c.got)
		}
	}
}

func TestWriteFirstFrame(t *testing.T) {
	p := filepath.Join(t.TempDir(), "run", "hallq", "first-frame")
	if err := WriteFirstFrame(p); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(string(b))); err != nil {
		t.Errorf("first-frame file holds %q, not a time: %v", b, err)
	}
	for _, none := range []string{"", "-"} {
		if err := WriteFirstFrame(none); err != nil {
			t.Errorf("WriteFirstFrame(%q): %v", none, err)
		}
	}
	if _, err := os.Stat("-"); err == nil {
		t.Error(`"-" created a file named "-"`)
	}
	// A path under a regular file cannot be created.
	if err := WriteFirstFrame(filepath.Join(p, "x")); err == nil || !strings.HasPrefix(err.Error(), "devscreen: ") {
		t.Errorf("under a file: %v, want a devscreen error", err)
	}
}
