package ticket_test

import (
	"bytes"
	"errors"
	"flag"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hallq/controller/hallproto"
	"hallq/drivers/escpos"
	"hallq/kiosk/internal/ticket"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

var shanghai = time.FixedZone("CST", 8*3600)

func sample() ticket.Data {
	appt := time.Date(2026, 11, 21, 10, 0, 0, 0, shanghai)
	_ = appt
	return ticket.Data{
		HallName:             "郑州市金水区政务服务中心",
		HallNameEN:           "Jinshui Government Service Centre",
		ServiceName:          "社保医保",
		ServiceNameEN:        "Social insurance",
		Number:               "A023",
		Channel:              hallproto.Love,
		WaitingAhead:         5,
		EstimatedWaitMinutes: 20,
		Name:                 "王秀英",
		IssuedAt:             time.Date(2026, 11, 21, 9, 30, 12, 0, shanghai),
		StatusURL:            "http://192.168.1.10:8080/m/t/23?k=4f1c2a9b",
		Footer:               "请留意叫号，过号请重新取号",
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to create it)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update refreshes it)", name)
	}
}

// TestGolden pins the bytes of each layout and checks, by decoding them
// back with escpos's own decoder, that number and Chinese text survive
// the GB18030 round trip.
func TestGolden(t *testing.T) {
	offline := sample()
	offline.WaitingAhead, offline.EstimatedWaitMinutes = ticket.Unknown, ticket.Unknown
	offline.Channel, offline.Name = hallproto.Normal, ""
	declared := sample()
	declared.Category = "pregnant"
	for _, tc := range []struct {
		name    string
		profile string
		data    ticket.Data
		want    []string
		notWant []string
	}{
		{"80mm", "80mm", sample(), []string{"A023", "郑州市金水区政务服务中心", "社保医保", "Social insurance", "爱心通道 Priority",
			"前面还有 5 人等候", "预计等候约 20 分钟", "姓名：王*英", "[qr store \"http://192.168.1.10:8080/m/t/23?k=4f1c2a9b\"]",
			"取号时间：2026-11-21 09:30:12", "请留意叫号，过号请重新取号", "[size 4x4]", "[cut partial feed 3]"}, []string{"王秀英"}},
		{"58mm", "58", sample(), []string{"A023", "[size 3x3]", "姓名：王*英", "[qr module 4]"}, []string{"[cut"}},
		{"80mm-512", "80mm-512", sample(), []string{"A023", "[cut full feed 3]"}, nil},
		{"80mm-noqr", "80mm-noqr", sample(), []string{"A023", "[raster"}, []string{"[qr store"}},
		{"80mm-offline", "80mm", offline, []string{"A023", "请留意叫号屏幕，按顺序办理"}, []string{"前面还有", "姓名", "爱心通道"}},
		{"80mm-declared", "80mm", declared, []string{"爱心通道·孕妇（请到窗口核验）"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := ticket.LayoutFor(tc.profile)
			if err != nil {
				t.Fatal(err)
			}
			job, err := ticket.Build(&tc.data, l, nil)
			if err != nil {
				t.Fatal(err)
			}
			text, err := escpos.Decode(job)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			golden(t, "ticket-"+tc.name+".bin", job)
			golden(t, "ticket-"+tc.name+".txt", []byte(text))
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("decoded ticket lacks %q:\n%s", w, text)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(text, w) {
					t.Errorf("decoded ticket has %q:\n%s", w, text)
				}
			}
			// GB18030 on the wire, not UTF-8.
			if bytes.Contains(job, []byte("社保")) {
				t.Error("service name sent as UTF-8")
			}
			// Every text line fits the paper at its size.
			ops, _, _ := escpos.Parse(job, true)
			w := 1
			for _, op := range ops {
				switch op.Kind {
				case escpos.OpSize:
					w = op.Arg>>4 + 1
				case escpos.OpText:
					if escpos.StringWidth(op.Text)*w > l.Profile.Columns {
						t.Errorf("line %q is %d columns on %d-column paper", op.Text, escpos.StringWidth(op.Text)*w, l.Profile.Columns)
					}
				}
			}
		})
	}
}

func TestBuildErrors(t *testing.T) {
	l, _ := ticket.LayoutFor("80mm")
	long := sample()
	long.Number = strings.Repeat("9", 40)
	ctl := sample()
	ctl.Number = "A0\n23"
	empty := sample()
	empty.Number = ""
	for name, d := range map[string]*ticket.Data{"nil": nil, "empty": &empty, "long": &long, "control": &ctl} {
		if _, err := ticket.Build(d, l, nil); !errors.Is(err, ticket.ErrBadTicket) {
			t.Errorf("%s: err = %v, want ErrBadTicket", name, err)
		} else if ticket.Message(err) == "" {
			t.Errorf("%s: no Chinese message", name)
		}
	}
	if _, err := ticket.LayoutFor("110mm"); !errors.Is(err, ticket.ErrBadTicket) {
		t.Errorf("unknown layout: %v", err)
	}
	if _, err := ticket.Build(ptr(sample()), ticket.Layout{}, nil); !errors.Is(err, ticket.ErrBadTicket) {
		t.Errorf("empty layout: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }

// A name with a character outside the GB18030 two-byte area goes to the
// printer as a bitmap, never as a '?' or a lost character.
func TestRareNameIsRasterised(t *testing.T) {
	d := sample()
	d.Name = "𠮷明" // 𠮷 is a four-byte GB18030 character; masked 𠮷*
	l, _ := ticket.LayoutFor("80mm")
	job, err := ticket.Build(&d, l, nil)
	if err != nil {
		t.Fatal(err)
	}
	text, _ := escpos.Decode(job)
	if strings.Contains(text, "姓名") {
		t.Errorf("the name line was sent as text:\n%s", text)
	}
	if strings.Count(text, "[raster") != 1 {
		t.Errorf("want one raster line for the name:\n%s", text)
	}
}

func TestStatusURL(t *testing.T) {
	for _, tc := range []struct {
		tmpl, want string
		ok         bool
	}{
		{"http://10.0.0.2:8080/m/t/{id}?k={k}", "http://10.0.0.2:8080/m/t/42?k=a%2Bb", true},
		{"https://hall.example.cn/t/{number}", "https://hall.example.cn/t/A023", true},
		{"/m/t/{id}", "", false},
		{"ftp://x/{id}", "", false},
	} {
		got, err := ticket.StatusURL(tc.tmpl, 42, "A023", "a+b")
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("StatusURL(%q) = %q, %v; want %q ok=%v", tc.tmpl, got, err, tc.want, tc.ok)
		}
	}
}

func TestFromTicket(t *testing.T) {
	at := time.Date(2026, 11, 21, 9, 0, 0, 0, shanghai)
	d := ticket.FromTicket(&hallproto.Ticket{ID: 7, Number: "B007", ServiceName: "不动产", Channel: hallproto.Appointment,
		WaitingAhead: 2, EstimatedWaitMinutes: 8, MaskedName: "李*华", IssuedAt: at, AppointmentAt: &at})
	if d.Number != "B007" || d.ServiceName != "不动产" || d.WaitingAhead != 2 || d.Name != "李*华" || !d.IssuedAt.Equal(at) {
		t.Errorf("FromTicket = %+v", d)
	}
	l, _ := ticket.LayoutFor("80")
	job, _ := ticket.Build(&d, l, nil)
	text, _ := escpos.Decode(job)
	for _, w := range []string{"预约 Appointment", "预约时间：09:00", "姓名：李*华"} {
		if !strings.Contains(text, w) {
			t.Errorf("lacks %q:\n%s", w, text)
		}
	}
}

func font(t testing.TB) *ticket.Font {
	f, err := ticket.LoadFont()
	if err != nil {
		t.Skipf("no CJK font on this machine (apt-get install fonts-wqy-microhei): %v", err)
	}
	return f
}

func TestLoadFontMissing(t *testing.T) {
	_, err := ticket.LoadFont(filepath.Join(t.TempDir(), "none.ttc"), "/dev/null")
	if !errors.Is(err, ticket.ErrNoFont) || ticket.Message(err) != "未找到中文字体，请联系工作人员" {
		t.Errorf("err = %v", err)
	}
}

// dark counts black pixels in r.
func dark(img *image.Gray, r image.Rectangle) int {
	n := 0
	r = r.Intersect(img.Rect)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if img.Pix[y*img.Stride+x] < 0x80 {
				n++
			}
		}
	}
	return n
}

// The font draws real glyphs: a CJK character is not the empty box the
// fallback draws, and two different characters differ.
func TestFontDrawsGlyphs(t *testing.T) {
	f := font(t)
	a, err := f.Rasterize("社", 24)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := f.Rasterize("保", 24)
	box, _ := escpos.BoxRasterizer{}.Rasterize("社", 24)
	ga, gb, gbox := a.(*image.Gray), b.(*image.Gray), box.(*image.Gray)
	if ga.Rect.Dx() != 24 || ga.Rect.Dy() != 24 {
		t.Fatalf("glyph cell %v, want 24x24", ga.Rect)
	}
	if n := dark(ga, ga.Rect); n < 30 {
		t.Errorf("社 has %d dark pixels", n)
	}
	if bytes.Equal(ga.Pix, gb.Pix) || bytes.Equal(ga.Pix, gbox.Pix) {
		t.Error("different characters draw the same bitmap")
	}
}

// The preview decodes the printed bytes: the big number is where the
// layout put it, the QR code is drawn, and the image is golden.
func TestPreview(t *testing.T) {
	f := font(t)
	for _, prof := range []string{"58mm", "80mm", "80mm-noqr"} {
		t.Run(prof, func(t *testing.T) {
			l, _ := ticket.LayoutFor(prof)
			d := sample()
			job, err := ticket.Build(&d, l, f)
			if err != nil {
				t.Fatal(err)
			}
			img, err := ticket.Preview(job, l.Profile, f)
			if err != nil {
				t.Fatal(err)
			}
			if img.Rect.Dx() != l.Profile.Dots+32 {
				t.Errorf("width %d", img.Rect.Dx())
			}
			if img.Rect.Dy() < 500 || img.Rect.Dy() > 2000 {
				t.Errorf("height %d", img.Rect.Dy())
			}
			if n := dark(img, img.Rect); n < 5000 {
				t.Errorf("only %d dark pixels", n)
			}
			png, err := ticket.PreviewPNG(job, l.Profile, f)
			if err != nil || len(png) < 1000 {
				t.Fatalf("png: %d bytes, %v", len(png), err)
			}
			golden(t, "preview-"+prof+".png", png)
		})
	}
	// Without a font the preview still works (boxes).
	l, _ := ticket.LayoutFor("80mm")
	d := sample()
	job, _ := ticket.Build(&d, l, nil)
	if _, err := ticket.Preview(job, l.Profile, nil); err != nil {
		t.Fatal(err)
	}
}

func TestPreviewRejects(t *testing.T) {
	if _, err := ticket.Preview([]byte{0x1B}, escpos.Generic80, nil); err == nil {
		t.Error("truncated stream accepted")
	}
	if _, err := ticket.Preview(bytes.Repeat([]byte{0x1B, 0x64, 0xFF}, 200), escpos.Generic80, nil); !errors.Is(err, ticket.ErrBadTicket) {
		t.Errorf("endless feed: %v", err)
	}
}

func FuzzPreview(f *testing.F) {
	l, _ := ticket.LayoutFor("80mm")
	d := sample()
	job, _ := ticket.Build(&d, l, nil)
	f.Add(job)
	f.Add([]byte{0x1D, 0x76, 0x30, 0x00, 0x02, 0x00, 0x02, 0x00, 0xFF, 0x00, 0x0F, 0xF0})
	f.Add([]byte("\x1d!\x77A023\n\x1d(k\x04\x001A2\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		img, err := ticket.Preview(b, escpos.Generic58, nil)
		if err == nil && img.Rect.Dy() > 20000 {
			t.Fatalf("height %d", img.Rect.Dy())
		}
	})
}

func FuzzBuild(f *testing.F) {
	f.Add("A023", "王秀英", "社保医保", "footer", 5, 20)
	f.Add("Z9999", "𠮷", "", "", -1, -1)
	f.Add("", "a", "b\nc", "\x1b@", 0, 0)
	f.Fuzz(func(t *testing.T, number, name, service, footer string, ahead, est int) {
		d := ticket.Data{Number: number, Name: name, ServiceName: service, Footer: footer,
			WaitingAhead: ahead, EstimatedWaitMinutes: est, StatusURL: "http://h/m/t/1?k=x"}
		for _, p := range []string{"58mm", "80mm"} {
			l, _ := ticket.LayoutFor(p)
			job, err := ticket.Build(&d, l, nil)
			if err != nil {
				if !errors.Is(err, ticket.ErrBadTicket) && !errors.Is(err, escpos.ErrTooLarge) {
					t.Fatalf("untyped error %v", err)
				}
				continue
			}
			text, err := escpos.Decode(job)
			if err != nil {
				t.Fatalf("built an undecodable stream: %v", err)
			}
			if !strings.Contains(text, number) {
				t.Fatalf("number %q lost:\n%s", number, text)
			}
			if n := []rune(name); len(n) >= 3 && escpos.Printable(name) && strings.Contains(text, "姓名："+name) {
				t.Fatalf("unmasked name printed")
			}
		}
	})
}
