package bundle_test

import (
	"errors"
	"os"
	"testing"

	"hallq/firmware-images/bundle"
)

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// FuzzParseManifest checks that any input either parses into a manifest that
// validates and survives a second parse, or fails with ErrManifest.
func FuzzParseManifest(f *testing.F) {
	f.Add([]byte(`{"format":1,"product":"hallq-kiosk","compatible":["x86-64-uefi"],"version":"1.2.3","security_epoch":1,"payloads":[{"name":"rootfs","size":10,"sha256":"` + zeros + `","compressed_size":5,"compressed_sha256":"` + zeros + `"}]}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"format":1,"unknown":true}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := bundle.ParseManifest(b)
		if err != nil {
			if !errors.Is(err, bundle.ErrManifest) {
				t.Fatalf("error %v does not wrap ErrManifest", err)
			}
			return
		}
		if err := m.Validate(); err != nil {
			t.Fatalf("parsed manifest does not validate: %v", err)
		}
		if _, err := bundle.ParseVersion(m.Version); err != nil {
			t.Fatal(err)
		}
	})
}

const zeros = "0000000000000000000000000000000000000000000000000000000000000000"
