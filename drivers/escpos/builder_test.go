package escpos

import (
	"bytes"
	"encoding/hex"
	"errors"
	"flag"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

func hx(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// plain builds without the ESC @ / FS & prologue, to compare single commands.
func plain(f func(b *Builder)) []byte {
	b := NewBuilder(Profile{Dots: 384, Columns: 32, NativeQR: true, PartialCut: true, FullCut: true}, nil)
	b.buf = b.buf[:0]
	f(b)
	out, err := b.Bytes()
	if err != nil {
		return []byte("error: " + err.Error())
	}
	return out
}

// Every command row of protocols.md section 2 that the builder emits.
func TestCommandVectors(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    func(b *Builder)
		want string
	}{
		{"initialise", func(b *Builder) { b.Raw(NewBuilder(Profile{}, nil).buf...) }, "1B 40"},
		{"align left", func(b *Builder) { b.Align(Left) }, "1B 61 00"},
		{"align centre", func(b *Builder) { b.Align(Center) }, "1B 61 01"},
		{"align right", func(b *Builder) { b.Align(Right) }, "1B 61 02"},
		{"bold on", func(b *Builder) { b.Bold(true) }, "1B 45 01"},
		{"bold off", func(b *Builder) { b.Bold(false) }, "1B 45 00"},
		{"size 1x1", func(b *Builder) { b.Size(1, 1) }, "1D 21 00"},
		{"size 2x2", func(b *Builder) { b.Size(2, 2) }, "1D 21 11"},
		{"size 3x4", func(b *Builder) { b.Size(3, 4) }, "1D 21 23"},
		{"size 8x8", func(b *Builder) { b.Size(8, 8) }, "1D 21 77"},
		{"line feed", func(b *Builder) { b.LF() }, "0A"},
		{"feed 3", func(b *Builder) { b.Feed(3) }, "1B 64 03"},
		{"chinese on", func(b *Builder) { b.ChineseMode(true) }, "1C 26"},
		{"chinese off", func(b *Builder) { b.ChineseMode(false) }, "1C 2E"},
		{"qr", func(b *Builder) { b.QR("A023", 6, ECCM) },
			"1D 28 6B 04 00 31 41 32 00" + "1D 28 6B 03 00 31 43 06" + "1D 28 6B 03 00 31 45 31" +
				"1D 28 6B 07 00 31 50 30 41 30 32 33" + "1D 28 6B 03 00 31 51 30"},
		{"qr ecc L", func(b *Builder) { b.QR("x", 1, ECCL) }, "1D 28 6B 04 00 31 41 32 00 1D 28 6B 03 00 31 43 01 1D 28 6B 03 00 31 45 30 1D 28 6B 04 00 31 50 30 78 1D 28 6B 03 00 31 51 30"},
		{"qr ecc Q", func(b *Builder) { b.QR("x", 16, ECCQ) }, "1D 28 6B 04 00 31 41 32 00 1D 28 6B 03 00 31 43 10 1D 28 6B 03 00 31 45 32 1D 28 6B 04 00 31 50 30 78 1D 28 6B 03 00 31 51 30"},
		{"qr ecc H", func(b *Builder) { b.QR("x", 3, ECCH) }, "1D 28 6B 04 00 31 41 32 00 1D 28 6B 03 00 31 43 03 1D 28 6B 03 00 31 45 33 1D 28 6B 04 00 31 50 30 78 1D 28 6B 03 00 31 51 30"},
		{"cut partial", func(b *Builder) { b.Cut(3) }, "1D 56 42 03"},
		{"raster 9x2", func(b *Builder) {
			img := image.NewGray(image.Rect(0, 0, 9, 2))
			for i := range img.Pix {
				img.Pix[i] = 0xFF
			}
			img.Pix[0] = 0   // (0,0)
			img.Pix[8] = 0   // (8,0)
			img.Pix[9+1] = 0 // (1,1)
			b.Image(img)
		}, "1D 76 30 00 02 00 02 00 80 80 40 00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := plain(tc.f)
			if want := hx(t, tc.want); !bytes.Equal(got, want) {
				t.Fatalf("got  % X\nwant % X", got, want)
			}
		})
	}
}

func TestQRStoreLength(t *testing.T) {
	// pL + 256*pH = k + 3 with k > 255.
	data := strings.Repeat("9", 300)
	got := plain(func(b *Builder) { b.QR(data, 4, ECCM) })
	i := bytes.Index(got, []byte{0x31, 0x50, 0x30})
	if i < 2 || got[i-2] != byte(303%256) || got[i-1] != byte(303/256) {
		t.Fatalf("store header % X", got[max(i-5, 0):i+3])
	}
}

func TestCutFallbacks(t *testing.T) {
	for _, tc := range []struct {
		p    Profile
		want string
	}{
		{Generic80, "1D 56 42 05"},
		{Generic80Narrow, "1D 56 41 05"},
		{Generic58, "1B 64 05"},
	} {
		b := NewBuilder(tc.p, nil)
		n := len(b.buf)
		b.Cut(5)
		if got, want := b.buf[n:], hx(t, tc.want); !bytes.Equal(got, want) {
			t.Errorf("%s: got % X want % X", tc.p.Name, got, want)
		}
	}
}

func TestPrologue(t *testing.T) {
	if got := NewBuilder(Generic80, nil).buf; !bytes.Equal(got, hx(t, "1B 40 1C 26")) {
		t.Fatalf("chinese prologue % X", got)
	}
}

func TestTextGB18030(t *testing.T) {
	got := plain(func(b *Builder) { b.Line("请A023号到3号窗口") })
	// 请 = C7 EB, 号 = BA C5, 到 = B5 BD, 窗 = B4 B0, 口 = BF DA in GB18030.
	want := hx(t, "C7 EB 41 30 32 33 BA C5 B5 BD 33 BA C5 B4 B0 BF DA 0A")
	if !bytes.Equal(got, want) {
		t.Fatalf("got % X want % X", got, want)
	}
}

func TestWrap(t *testing.T) {
	for _, tc := range []struct {
		in   string
		cols int
		want []string
	}{
		{"前面还有5人等候", 8, []string{"前面还有", "5人等候"}},
		{"前面还有 5 人等候", 32, []string{"前面还有 5 人等候"}},
		{"hello world again", 11, []string{"hello world", "again"}},
		{"不动产登记 Real Estate", 12, []string{"不动产登记", "Real Estate"}},
		{"abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
		{"一二三", 5, []string{"一二", "三"}}, // a CJK char never straddles the edge
		{"a\nb", 10, []string{"a", "b"}},
		{"", 10, []string{""}},
	} {
		got := Wrap(tc.in, tc.cols)
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("Wrap(%q,%d) = %q want %q", tc.in, tc.cols, got, tc.want)
		}
		for _, l := range got {
			if StringWidth(l) > tc.cols {
				t.Errorf("line %q wider than %d", l, tc.cols)
			}
		}
	}
	if RuneWidth('A') != 1 || RuneWidth('号') != 2 || RuneWidth('，') != 2 || RuneWidth('\n') != 0 {
		t.Fatal("rune widths")
	}
}

func TestSizeNarrowsColumns(t *testing.T) {
	b := NewBuilder(Generic58, nil)
	n := len(b.buf)
	b.Size(2, 2).Line("一二三四五六七八九十") // 20 columns, 16 left at width 2
	out, _ := b.Bytes()
	lines, err := Decode(out[n:])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(lines, "一二三四五六七八\n九十\n") {
		t.Fatalf("not wrapped at 16 columns:\n%s", lines)
	}
}

func TestRasterFallbackForRareCharacters(t *testing.T) {
	b := NewBuilder(Generic80, nil)
	n := len(b.buf)
	b.Line("吉𠮷祥") // U+20BB7 is outside the GB18030 two-byte area
	out, err := b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if Printable("吉𠮷祥") || !Printable("吉祥 A023") {
		t.Fatal("Printable")
	}
	got, _ := Decode(out[n:])
	if got != "[raster 72x24 dots]\n" {
		t.Fatalf("got %q", got)
	}
}

func TestNoNativeQRFallsBackToRaster(t *testing.T) {
	b := NewBuilder(Legacy80, nil)
	b.QR("https://hall.example/t/A023", 6, ECCM)
	out, err := b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(out, []byte{0x1D, 0x28, 0x6B}) {
		t.Fatal("native QR command on a profile without it")
	}
	ops, _, err := Parse(out, true)
	if err != nil {
		t.Fatal(err)
	}
	var r *Op
	for i := range ops {
		if ops[i].Kind == OpRaster {
			r = &ops[i]
		}
	}
	// Version 3 (29 modules) + 2*4 quiet = 37 modules of 6 dots = 222 dots.
	if r == nil || r.Height != 222 || r.Width != (222+7)/8 {
		t.Fatalf("raster QR: %+v", r)
	}
	// The quiet zone corner is white, the finder pattern corner black.
	if r.Data[0] != 0 || r.Data[24*r.Width+3]&0x80 == 0 {
		t.Fatalf("QR bitmap does not start with quiet zone and finder")
	}
}

func TestBuilderErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    func(b *Builder)
		want error
	}{
		{"size 0", func(b *Builder) { b.Size(0, 1) }, ErrBadCommand},
		{"size 9", func(b *Builder) { b.Size(1, 9) }, ErrBadCommand},
		{"align", func(b *Builder) { b.Align(3) }, ErrBadCommand},
		{"qr module", func(b *Builder) { b.QR("x", 17, ECCM) }, ErrBadCommand},
		{"qr empty", func(b *Builder) { b.QR("", 4, ECCM) }, ErrTooLarge},
		{"image too wide", func(b *Builder) { b.Image(image.NewGray(image.Rect(0, 0, 600, 1))) }, ErrTooLarge},
		{"feed", func(b *Builder) { b.Feed(300) }, ErrBadCommand},
	} {
		b := NewBuilder(Generic80, nil)
		tc.f(b)
		b.Line("after") // the first error sticks
		if _, err := b.Bytes(); !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v want %v", tc.name, err, tc.want)
		}
	}
}

// Ticket is the typical queue ticket of the product brief.
func Ticket(p Profile) ([]byte, error) {
	b := NewBuilder(p, nil)
	b.Align(Center).Bold(true).Line("郑州市金水区政务服务中心").Bold(false)
	b.Line("不动产登记 · 综合受理")
	b.Feed(1)
	b.Size(4, 4).Bold(true).Line("A023").Bold(false).Size(1, 1)
	b.Line("前面还有 5 人等候")
	b.Line("请留意叫号，过号请重新取号")
	b.Feed(1)
	b.QR("https://hall.example.cn/t/A023?d=20261121&h=jinshui", 6, ECCM)
	b.Align(Left).Line("取号时间：2026-11-21 09:30:12")
	b.Line("窗口：3号、4号、5号")
	b.Cut(3)
	return b.Bytes()
}

func TestGoldenTickets(t *testing.T) {
	for _, p := range []Profile{Generic58, Generic80, Generic80Narrow, Legacy80} {
		t.Run(p.Name, func(t *testing.T) {
			got, err := Ticket(p)
			if err != nil {
				t.Fatal(err)
			}
			text, err := Decode(got)
			if err != nil {
				t.Fatal(err)
			}
			bin := filepath.Join("testdata", "ticket-"+p.Name+".bin")
			txt := filepath.Join("testdata", "ticket-"+p.Name+".txt")
			if *update {
				os.MkdirAll("testdata", 0o755)
				os.WriteFile(bin, got, 0o644)
				os.WriteFile(txt, []byte(text), 0o644)
			}
			want, err := os.ReadFile(bin)
			if err != nil {
				t.Fatalf("%v (run with -update to create)", err)
			}
			if !bytes.Equal(got, want) {
				wantText, _ := Decode(want)
				t.Fatalf("ticket bytes differ from %s (-update to accept)\n--- got\n%s\n--- want\n%s", bin, text, wantText)
			}
			wantTxt, _ := os.ReadFile(txt)
			if string(wantTxt) != text {
				t.Fatalf("decoded text differs from %s", txt)
			}
		})
	}
}
