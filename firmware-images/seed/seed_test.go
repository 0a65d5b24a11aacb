package seed_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"hallq/firmware-images/fat"
	"hallq/firmware-images/gpt"
	"hallq/firmware-images/seed"
)

const fp = "3f1e7a8d9c0b2a4e5f6d7c8b9a0e1f2d3c4b5a69788796a5b4c3d2e1f0a9b8c7"

func TestWriteToDisk(t *testing.T) {
	p := filepath.Join(t.TempDir(), "card")
	f, _ := os.Create(p)
	defer f.Close()
	const size = 64 << 20
	f.Truncate(size)
	tab, err := gpt.Layout(size, []gpt.Spec{{Name: "esp", Type: gpt.TypeESP, Size: 34 << 20}, {Name: "data", Type: gpt.TypeLinuxData}})
	if err != nil {
		t.Fatal(err)
	}
	tab.Write(f)
	esp, _ := tab.Find("esp")
	if err := fat.Format(f, int64(esp.First)*512, esp.Size(), true, "ESP"); err != nil {
		t.Fatal(err)
	}
	s := &seed.Seed{Controller: "https://10.20.0.2:8443", CAFingerprint: fp, Token: "tok_0123456789abcdef"}
	if err := seed.WriteToDisk(f, size, s); err != nil {
		t.Fatal(err)
	}
	got, err := seed.ReadFromDisk(f, size)
	if err != nil || *got != *s {
		t.Fatalf("%+v %v", got, err)
	}
}

func TestValidate(t *testing.T) {
	cases := []seed.Seed{
		{Controller: "ftp://x", CAFingerprint: fp, Token: "tok_0123456789abcdef"},
		{Controller: "https://10.0.0.2", CAFingerprint: "abc", Token: "tok_0123456789abcdef"},
		{Controller: "https://10.0.0.2", CAFingerprint: fp, Token: "short"},
		{Controller: "https://10.0.0.2", CAFingerprint: fp, Token: "has space 0123456789"},
	}
	for _, c := range cases {
		if _, err := c.Marshal(); !errors.Is(err, seed.ErrSeed) {
			t.Errorf("%+v: %v", c, err)
		}
	}
	if _, err := seed.Parse([]byte(`{"controller":`)); !errors.Is(err, seed.ErrSeed) {
		t.Errorf("truncated json: %v", err)
	}
}
