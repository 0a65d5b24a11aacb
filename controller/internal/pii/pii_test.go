package pii

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

func key(id string, b byte) Key { return Key{ID: id, Secret: bytes.Repeat([]byte{b}, 32)} }

func TestSealOpenRotate(t *testing.T) {
	old, err := NewSealer([]Key{key("k1", 1)})
	if err != nil {
		t.Fatal(err)
	}
	s1, err := old.Seal("110101199003074514", []byte("A1"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(s1, "1990") || !strings.HasPrefix(s1, "p1.k1.") {
		t.Fatalf("sealed form %q", s1)
	}
	rot, _ := NewSealer([]Key{key("k1", 1), key("k2", 2)})
	if got, err := rot.Open(s1, []byte("A1")); err != nil || got != "110101199003074514" {
		t.Fatalf("open with rotated set: %q %v", got, err)
	}
	s2, err := rot.Reseal(s1, []byte("A1"))
	if err != nil || !strings.HasPrefix(s2, "p1.k2.") {
		t.Fatalf("reseal: %q %v", s2, err)
	}
	if _, err := old.Open(s2, []byte("A1")); !errors.Is(err, ErrNoKey) {
		t.Fatalf("old sealer opened a k2 value: %v", err)
	}
	if _, err := rot.Open(s1, []byte("A2")); !errors.Is(err, ErrSealed) {
		t.Fatalf("value opened for another record: %v", err)
	}
	tampered := s1[:len(s1)-2] + "AA"
	if tampered == s1 {
		tampered = s1[:len(s1)-2] + "BB"
	}
	if _, err := rot.Open(tampered, []byte("A1")); !errors.Is(err, ErrSealed) {
		t.Fatalf("tampered value: %v", err)
	}
	// A value relabelled to the other key must not open either.
	relabel := "p1.k2." + strings.SplitN(s1, ".", 3)[2]
	if _, err := rot.Open(relabel, []byte("A1")); !errors.Is(err, ErrSealed) {
		t.Fatalf("relabelled value: %v", err)
	}
	if e, _ := rot.Seal("", nil); e != "" {
		t.Fatalf("empty sealed to %q", e)
	}
	a, _ := rot.Seal("x", nil)
	b, _ := rot.Seal("x", nil)
	if a == b {
		t.Fatal("two seals of one value are equal: nonce reused")
	}
}

func TestKeyConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    Config
		ok   bool
	}{
		{"good", Config{Keys: []KeyConfig{{ID: "2026a", Key: "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="}}}, true},
		{"short", Config{Keys: []KeyConfig{{ID: "a", Key: "AQEB"}}}, false},
		{"not base64", Config{Keys: []KeyConfig{{ID: "a", Key: "!!!"}}}, false},
		{"both", Config{Keys: []KeyConfig{{ID: "a", Key: "AQEB", File: "/x"}}}, false},
		{"missing file", Config{Keys: []KeyConfig{{ID: "a", File: "/nonexistent/key"}}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			keys, err := tc.c.Load()
			if err == nil {
				_, err = NewSealer(keys)
			}
			if (err == nil) != tc.ok {
				t.Fatalf("err %v, want ok=%v", err, tc.ok)
			}
			if err != nil && !errors.Is(err, ErrBadKey) {
				t.Fatalf("error %v is not ErrBadKey", err)
			}
		})
	}
	if _, err := NewSealer([]Key{key("a", 1), key("a", 2)}); !errors.Is(err, ErrBadKey) {
		t.Fatalf("duplicate ids: %v", err)
	}
	if _, err := NewSealer([]Key{key("a.b", 1)}); !errors.Is(err, ErrBadKey) {
		t.Fatalf("dotted id: %v", err)
	}
}

func TestValidateID(t *testing.T) {
	today := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		id, msg string
	}{
		{"110101199003074514", ""},
		{"11010119900307451x", "校验位"}, // wrong check character
		{"440306194901010019", "校验位"},
		{"440306194901010017", ""},
		{"", "请填写"},
		{"1101011990030745", "18位"},
		{"11010119900307451A", "最后一位"},
		{"1101011990030745X4", "前17位"},
		{"110101199013074514", "出生日期"},
		{"110101203001014514", "出生日期"},
		{"010101199003074514", "地区码"},
	} {
		err := ValidateID(tc.id, today)
		if tc.msg == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.id, err)
			}
			continue
		}
		var pe *Error
		if !errors.As(err, &pe) || !errors.Is(err, ErrBadID) || !strings.Contains(pe.Message, tc.msg) {
			t.Errorf("%s: err %v, want message with %q", tc.id, err, tc.msg)
		}
		if err != nil && strings.Contains(err.Error(), tc.id) && tc.id != "" {
			t.Errorf("%s: the error repeats the number", tc.id)
		}
	}
}

func TestMasks(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{MaskID("411502198001011234"), "4115**********1234"},
		{MaskID("41150219800101123x"), "4115**********123X"},
		{MaskName("张三丰"), "张*丰"},
		{MaskName("欧阳娜娜"), "欧**娜"},
		{MaskPhone("13812345678"), "138****5678"},
		{MaskPhone("123"), "***"},
	} {
		if tc.in != tc.want {
			t.Errorf("got %q, want %q", tc.in, tc.want)
		}
	}
	if Person([]byte("k"), "41150219800101123x") != Person([]byte("k"), " 41150219800101123X") {
		t.Error("person hash depends on case or spaces")
	}
	if Person([]byte("k"), "411502198001011234") == Person([]byte("j"), "411502198001011234") {
		t.Error("person hash ignores the key")
	}
}

func TestValidateNamePhone(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{{"张三", true}, {"阿依古丽·买买提", true}, {"", false}, {"张三<script>", false}, {strings.Repeat("张", 33), false}} {
		if err := ValidateName(tc.name); (err == nil) != tc.ok {
			t.Errorf("name %q: %v", tc.name, err)
		}
	}
	for _, tc := range []struct {
		p  string
		ok bool
	}{{"", true}, {"13812345678", true}, {"23812345678", false}, {"1381234567", false}, {"1381234567a", false}} {
		if err := ValidatePhone(tc.p); (err == nil) != tc.ok {
			t.Errorf("phone %q: %v", tc.p, err)
		}
	}
}

// FuzzOpen: any string opens to an error or a value, never a panic.
func FuzzOpen(f *testing.F) {
	s, _ := NewSealer([]Key{key("k1", 1)})
	good, _ := s.Seal("张三", []byte("x"))
	for _, v := range []string{good, "", "p1..", "p1.k1.", "p1.k1.AAAA", "p1.zz.AAAA", "x.y.z", strings.Repeat("A", 5000)} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		pt, err := s.Open(v, []byte("x"))
		if err == nil && v != good && v != "" && pt == "" {
			t.Fatalf("%q opened to nothing without error", v)
		}
	})
}

// FuzzValidateID: validation never panics and accepts only numbers whose
// check character is right.
func FuzzValidateID(f *testing.F) {
	for _, v := range []string{"110101199003074514", "11010119900307451X", "", "x", "11010119900231451X"} {
		f.Add(v)
	}
	today := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) {
		if ValidateID(v, today) == nil {
			n := NormalizeID(v)
			if len(n) != 18 || MaskID(v) == n {
				t.Fatalf("accepted %q", v)
			}
		}
	})
}
