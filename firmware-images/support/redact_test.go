package support

import "testing"

func TestRedact(t *testing.T) {
	cases := []struct{ in, want string }{
		{"card read 41152119900307123X ok", "card read 4115**********123X ok"},
		{"id=110101199003074518,", "id=1101**********4518,"},
		{"姓名：张三 请到3号窗口", "姓名：张* 请到3号窗口"},
		{`{"name":"欧阳小明","window":3}`, `{"name":"欧**明","window":3}`},
		{"ticket A012 for 王小二 issued", "ticket A012 for 王*二 issued"},
		{"请重新放置身份证", "请重新放置身份证"},
		{"phone 13800138000 and order 1234567890123456789012", "phone 13800138000 and order 1234567890123456789012"},
		{"no personal data here", "no personal data here"},
	}
	for _, c := range cases {
		if got := Redact(c.in); got != c.want {
			t.Errorf("Redact(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func FuzzRedact(f *testing.F) {
	f.Add("姓名：张三 41152119900307123X")
	f.Add("李")
	f.Fuzz(func(t *testing.T, s string) {
		out := Redact(s)
		if idRE.MatchString(out) {
			t.Fatalf("ID number survived: %q", out)
		}
		if Redact(out) != out {
			t.Fatalf("not idempotent: %q -> %q", out, Redact(out))
		}
	})
}
