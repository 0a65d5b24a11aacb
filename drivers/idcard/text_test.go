package idcard_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"hallq/drivers/idcard"
	"hallq/drivers/idcard/idcardtest"
)

var refNow = time.Date(2026, 11, 21, 10, 0, 0, 0, time.Local)

func TestCheckChar(t *testing.T) {
	for _, tc := range []struct{ first17, want string }{
		// Worked by hand with the weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2.
		{"11010519491231002", "X"}, // S=167, 167 mod 11 = 2 -> X
		{"44030019900101001", "6"}, // S=160, 160 mod 11 = 6 -> 6
		{"00000000000000000", "1"}, // S=0 -> '1'
		{"11111111111111111", "0"}, // S=100 (sum of weights), 100 mod 11 = 1 -> 0
	} {
		c, err := idcard.CheckChar(tc.first17)
		if err != nil {
			t.Fatal(err)
		}
		if string(c) != tc.want {
			t.Errorf("%s: got %c want %s", tc.first17, c, tc.want)
		}
	}
	if _, err := idcard.CheckChar("1101051949123100A"); !errors.Is(err, idcard.ErrInvalidNumber) {
		t.Errorf("letter accepted: %v", err)
	}
	if err := idcard.ValidNumber("11010519491231002x"); err != nil {
		t.Errorf("lowercase x rejected: %v", err)
	}
	if err := idcard.ValidNumber("110105194912310021"); !errors.Is(err, idcard.ErrInvalidNumber) {
		t.Errorf("wrong check char accepted: %v", err)
	}
}

func TestSamplesRoundTrip(t *testing.T) {
	for _, name := range idcardtest.SampleNames {
		t.Run(name, func(t *testing.T) {
			c := idcardtest.Sample(name, refNow)
			b, err := idcard.EncodeText(c.Identity)
			if err != nil {
				t.Fatal(err)
			}
			if len(b) != idcard.TextSize {
				t.Fatalf("%d bytes", len(b))
			}
			got, err := idcard.ParseText(b)
			if err != nil {
				t.Fatal(err)
			}
			want := *c.Identity
			want.Photo = nil
			if !sameIdentity(got, &want) {
				t.Fatalf("round trip differs:\n got %s\nwant %s", dump(got), dump(&want))
			}
			err = got.Check(refNow)
			switch name {
			case idcardtest.Expired:
				if !errors.Is(err, idcard.ErrExpired) || errors.Is(err, idcard.ErrInvalidNumber) {
					t.Fatalf("expired card: %v", err)
				}
			case idcardtest.BadNumber:
				if !errors.Is(err, idcard.ErrInvalidNumber) {
					t.Fatalf("bad number: %v", err)
				}
			default:
				if err != nil {
					t.Fatalf("check: %v", err)
				}
			}
		})
	}
}

func TestSampleAges(t *testing.T) {
	cards := idcardtest.SampleCards(refNow)
	for name, want := range map[string]int{idcardtest.Elder: 72, idcardtest.Child: 7, idcardtest.Adult: 35} {
		if got := cards[name].Identity.Age(refNow); got != want {
			t.Errorf("%s: age %d want %d", name, got, want)
		}
	}
}

// dump prints every field: test-only, fictional data.
func dump(id *idcard.Identity) string {
	return fmt.Sprintf("%d|%s|%s|%d|%s|%s|%s|%s|%s|%s|%s|%s|%v|%s|%d|%s", id.Type, id.Name, id.EnglishName, id.Gender, id.Nation,
		id.Nationality, id.Birth.Format("20060102"), id.Address, id.Number, id.Authority, id.ValidFrom.Format("20060102"),
		id.ValidTo.Format("20060102"), id.NoExpiry, id.PassNumber, id.IssueCount, id.CardVersion)
}

func sameIdentity(a, b *idcard.Identity) bool { return dump(a) == dump(b) }

// block builds a text block by hand, independent of EncodeText.
func block(fields map[int]string) []byte {
	b := make([]byte, 256)
	for i := 0; i < 256; i += 2 {
		b[i] = ' '
	}
	for off, s := range fields {
		for i, u := range utf16.Encode([]rune(s)) {
			binary.LittleEndian.PutUint16(b[off+2*i:], u)
		}
	}
	return b
}

func TestParseTextLayouts(t *testing.T) {
	res := block(map[int]string{0: "张三", 30: "1", 32: "01", 36: "19491231", 52: "北京市西城区", 122: "11010519491231002X",
		158: "北京市公安局西城分局", 188: "20100101", 204: "长期"})
	id, err := idcard.ParseText(res)
	if err != nil {
		t.Fatal(err)
	}
	if id.Type != idcard.Resident || id.Name != "张三" || id.Gender != idcard.GenderMale || id.NationName() != "汉" ||
		!id.NoExpiry || id.Number != "11010519491231002X" || id.Birth.Format("20060102") != "19491231" {
		t.Fatalf("resident: %s", dump(id))
	}
	// NUL padding is trimmed like spaces.
	nul := bytes.Clone(res)
	for i := 4; i < 30; i++ {
		nul[i] = 0
	}
	if id, err := idcard.ParseText(nul); err != nil || id.Name != "张三" {
		t.Fatalf("NUL padded name: %v", err)
	}
	hk := block(map[int]string{0: "陈大文", 30: "1", 36: "19800101", 52: "广东省深圳市", 122: "810000198001010016",
		158: "深圳市公安局", 188: "20200101", 204: "20250101", 220: "H00000001", 238: "03", 248: "J"})
	id, err = idcard.ParseText(hk)
	if err != nil {
		t.Fatal(err)
	}
	if id.Type != idcard.ResidencePermit || id.PassNumber != "H00000001" || id.IssueCount != 3 || id.Nation != "" {
		t.Fatalf("permit: %s", dump(id))
	}
	fr := block(map[int]string{0: "DOE, JANE", 120: "2", 122: "USA310079020304", 152: "USA", 158: "多伊",
		188: "20200101", 204: "20300101", 220: "19790203", 236: "01", 240: "1500", 248: "I"})
	id, err = idcard.ParseText(fr)
	if err != nil {
		t.Fatal(err)
	}
	if id.Type != idcard.Foreigner || id.EnglishName != "DOE, JANE" || id.Name != "多伊" || id.Nationality != "USA" ||
		id.Gender != idcard.GenderFemale || id.Birth.Format("20060102") != "19790203" || id.Authority != "1500" {
		t.Fatalf("foreigner: %s", dump(id))
	}
	if err := id.Check(refNow); err != nil {
		t.Fatalf("foreigner 15-char number: %v", err)
	}
}

func TestParseTextErrors(t *testing.T) {
	base := map[int]string{0: "张三", 30: "1", 32: "01", 36: "19491231", 122: "11010519491231002X", 188: "20100101", 204: "长期"}
	with := func(off int, s string) []byte {
		m := map[int]string{}
		for k, v := range base {
			m[k] = v
		}
		m[off] = s
		return block(m)
	}
	for _, tc := range []struct {
		name string
		b    []byte
		want error
	}{
		{"short", make([]byte, 255), idcard.ErrBadText},
		{"unknown type", with(248, "Q"), idcard.ErrUnknownCardType},
		{"empty name", with(0, ""), idcard.ErrBadText},
		{"bad gender", with(30, "5"), idcard.ErrBadText},
		{"bad nation", with(32, "77"), idcard.ErrBadText},
		{"bad birth", with(36, "19490231"), idcard.ErrBadText},
		{"bad valid to", with(204, "2010013X"), idcard.ErrBadText},
		{"ends before start", with(204, "20000101"), idcard.ErrBadText},
	} {
		if _, err := idcard.ParseText(tc.b); !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v want %v", tc.name, err, tc.want)
		}
	}
}

func TestCheckConsistency(t *testing.T) {
	base := idcardtest.Sample(idcardtest.Adult, refNow).Identity
	for _, tc := range []struct {
		name string
		mod  func(*idcard.Identity)
		want error
	}{
		{"ok", func(*idcard.Identity) {}, nil},
		{"birth differs", func(id *idcard.Identity) { id.Birth = id.Birth.AddDate(0, 0, 1) }, idcard.ErrInconsistent},
		{"gender differs", func(id *idcard.Identity) { id.Gender = idcard.GenderFemale }, idcard.ErrInconsistent},
		{"short number", func(id *idcard.Identity) { id.Number = id.Number[:15] }, idcard.ErrInvalidNumber},
		{"expired yesterday", func(id *idcard.Identity) { id.ValidTo = refNow.AddDate(0, 0, -1) }, idcard.ErrExpired},
	} {
		id := *base
		tc.mod(&id)
		err := id.Check(refNow)
		if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v want %v", tc.name, err, tc.want)
		}
	}
	// Valid through the whole last day.
	id := *base
	y, m, d := refNow.Date()
	id.ValidTo = time.Date(y, m, d, 0, 0, 0, 0, time.Local)
	if id.Expired(refNow.Add(13 * time.Hour)) {
		t.Error("card expired on its last valid day")
	}
}

func TestMasking(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"张三丰", "张*丰"}, {"王五", "王*"}, {"欧阳小华", "欧**华"}, {"李", "*"}, {"", ""},
		{"SMITH, JOHN", "S****, J***"},
	} {
		if got := idcard.MaskName(tc.in); got != tc.want {
			t.Errorf("MaskName(%q) = %q want %q", tc.in, got, tc.want)
		}
	}
	if got := idcard.MaskNumber("41152119900101123X"); got != "4115**********123X" {
		t.Errorf("MaskNumber: %s", got)
	}
	c := idcardtest.Sample(idcardtest.Elder, refNow)
	id := c.Identity
	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("read", "identity", id, "value", *id)
	outs := []string{id.String(), fmt.Sprint(id), fmt.Sprintf("%v %+v %#v %s", id, id, id, *id), logged.String()}
	for _, out := range outs {
		for _, secret := range []string{id.Name, id.Number, id.Address, id.Number[6:14]} {
			if strings.Contains(out, secret) {
				t.Fatalf("personal data %q leaked in %q", secret, out)
			}
		}
		if !strings.Contains(out, "王*英") && !strings.Contains(out, "王\\*英") {
			t.Fatalf("masked name missing in %q", out)
		}
	}
}

func TestMessages(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&idcard.StatusError{SW3: 0x41}, "请重新放置身份证"},
		{&idcard.StatusError{SW3: 0x81}, "请重新放置身份证"},
		{&idcard.StatusError{SW3: 0x32}, "证件无法验证，请联系工作人员"},
		{&idcard.StatusError{SW3: 0x60}, "读卡器故障，请联系工作人员"},
		{fmt.Errorf("x: %w", idcard.ErrExpired), "身份证已过期，请使用有效证件"},
		{idcard.ErrChecksum, "请重新放置身份证"},
		{idcard.ErrTimeout, "读卡器无响应，请联系工作人员"},
		{idcard.ErrDisconnected, "读卡器未连接，请联系工作人员"},
		{nil, ""},
	} {
		if got := idcard.Message(tc.err); got != tc.want {
			t.Errorf("Message(%v) = %q want %q", tc.err, got, tc.want)
		}
	}
}

func FuzzParseText(f *testing.F) {
	for _, name := range idcardtest.SampleNames {
		b, _ := idcard.EncodeText(idcardtest.Sample(name, refNow).Identity)
		f.Add(b)
	}
	f.Add(make([]byte, 256))
	f.Fuzz(func(t *testing.T, b []byte) {
		id, err := idcard.ParseText(b)
		if err != nil {
			if id != nil {
				t.Fatal("identity with error")
			}
			return
		}
		id.Check(refNow)
		_ = id.String()
		// Whatever parses must encode back to something that parses the same.
		b2, err := idcard.EncodeText(id)
		if err != nil {
			return // e.g. trailing spaces trimmed into a different width
		}
		id2, err := idcard.ParseText(b2)
		if err != nil || dump(id2) != dump(id) {
			t.Fatalf("re-parse differs: %v", err)
		}
	})
}

func TestDecodePhoto(t *testing.T) {
	id := idcardtest.Sample(idcardtest.Adult, refNow).Identity
	img, err := id.DecodePhoto(idcardtest.FakePhotoDecoder{})
	if err != nil || img.Bounds().Dx() != 102 || img.Bounds().Dy() != 126 {
		t.Fatalf("fake decode: %v", err)
	}
	if _, err := id.DecodePhoto(nil); !errors.Is(err, idcard.ErrNoDecoder) {
		t.Fatalf("nil decoder: %v", err)
	}
	if _, err := (&idcard.Identity{}).DecodePhoto(idcardtest.FakePhotoDecoder{}); !errors.Is(err, idcard.ErrNoContent) {
		t.Fatalf("no photo: %v", err)
	}
}
