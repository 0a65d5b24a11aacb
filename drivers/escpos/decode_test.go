package escpos

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestDecodeTruncated(t *testing.T) {
	full, err := Ticket(Generic80)
	if err != nil {
		t.Fatal(err)
	}
	for _, cut := range []int{1, 3, 30, len(full) - 1} {
		b := full[:cut]
		_, err := Decode(b)
		ops, used, perr := Parse(b, false)
		if perr != nil {
			t.Fatalf("cut %d: incremental parse failed: %v", cut, perr)
		}
		// Whatever is left unused must be the start of one command.
		if used < len(b) && err == nil {
			t.Fatalf("cut %d: %d bytes unused but Decode reported no error", cut, len(b)-used)
		}
		_ = ops
	}
	if _, err := Decode([]byte{0x1D, 0x76, 0x30, 0x00, 0x01, 0x00, 0x05, 0x00, 0xFF}); !errors.Is(err, ErrTruncated) {
		t.Fatalf("short raster: %v", err)
	}
	if _, err := Decode([]byte{'a', 0xC7}); !errors.Is(err, ErrTruncated) {
		t.Fatalf("half a GB character: %v", err)
	}
}

// Feeding a stream in any split must give the same ops as all at once.
func TestParseIncremental(t *testing.T) {
	full, _ := Ticket(Generic80)
	whole, _ := Decode(full)
	for _, step := range []int{1, 2, 7, 64} {
		var ops []Op
		var pending []byte
		for i := 0; i < len(full); i += step {
			pending = append(pending, full[i:min(i+step, len(full))]...)
			o, used, err := Parse(pending, false)
			if err != nil {
				t.Fatal(err)
			}
			ops = append(ops, o...)
			pending = pending[used:]
		}
		if len(pending) != 0 {
			t.Fatalf("step %d: %d bytes left", step, len(pending))
		}
		// Text may come in pieces; Render of pieces equals Render of the whole
		// once adjacent text ops are merged.
		if got := Render(mergeText(ops)); got != whole {
			t.Fatalf("step %d:\n%s\nwant\n%s", step, got, whole)
		}
	}
}

func mergeText(ops []Op) []Op {
	var out []Op
	for _, op := range ops {
		if op.Kind == OpText && len(out) > 0 && out[len(out)-1].Kind == OpText {
			out[len(out)-1].Text += op.Text
			continue
		}
		out = append(out, op)
	}
	return out
}

func TestDecodeUnknownAndStatus(t *testing.T) {
	got, err := Decode([]byte{0x10, 0x04, 0x01, 0x1B, 0x74, 0x1D, 0x61, 0x0E, 0x10, 0x05, 0x01, 0x07, 'x'})
	if err != nil {
		t.Fatal(err)
	}
	want := "[status request 1]\n[unknown 1B 74]\n[asb 00001110]\n[recover 1]\n[unknown 07]\nx\n"
	if got != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
}

func TestDecodeBoundsRaster(t *testing.T) {
	// A raster header claiming 65535x65535 must not make Parse wait for 4 GB.
	b := []byte{0x1D, 0x76, 0x30, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 'o', 'k'}
	got, err := Decode(b)
	if err != nil || !strings.HasSuffix(got, "ok\n") {
		t.Fatalf("%q %v", got, err)
	}
}

func FuzzDecode(f *testing.F) {
	t80, _ := Ticket(Generic80)
	tnq, _ := Ticket(Legacy80)
	f.Add(t80)
	f.Add(tnq[:300])
	f.Add([]byte{0x1D, 0x28, 0x6B, 0xFF, 0xFF, 0x31})
	f.Add([]byte{0x10, 0x04, 0x01, 0xC7, 0xEB, 0x81, 0x30})
	f.Fuzz(func(t *testing.T, b []byte) {
		ops, used, err := Parse(b, false)
		if err != nil {
			t.Fatalf("incremental parse error: %v", err)
		}
		if used < 0 || used > len(b) {
			t.Fatalf("used %d of %d", used, len(b))
		}
		_ = Render(ops)
		s, err := Decode(b)
		if err == nil && used != len(b) {
			t.Fatalf("Decode ok but Parse left %d bytes", len(b)-used)
		}
		if err != nil && !errors.Is(err, ErrTruncated) {
			t.Fatalf("unexpected error type %v", err)
		}
		_ = s
		if bytes.Equal(b, t80) && err != nil {
			t.Fatal(err)
		}
	})
}
