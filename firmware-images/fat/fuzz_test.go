package fat_test

import (
	"testing"

	"hallq/firmware-images/fat"
)

type mem []byte

func (m mem) ReadAt(b []byte, off int64) (int, error) {
	if off < 0 || off >= int64(len(m)) {
		return 0, errEOF{}
	}
	n := copy(b, m[off:])
	if n < len(b) {
		return n, errEOF{}
	}
	return n, nil
}

func (m mem) WriteAt(b []byte, off int64) (int, error) {
	if off < 0 || off+int64(len(b)) > int64(len(m)) {
		return 0, errEOF{}
	}
	return copy(m[off:], b), nil
}

type errEOF struct{}

func (errEOF) Error() string { return "out of range" }

// FuzzOpen opens arbitrary boot sectors (followed by a little space) and
// tries to read and write the seed: no panic, no hang.
func FuzzOpen(f *testing.F) {
	vol := make(mem, 16<<20)
	if err := fat.Format(vol, 0, 16<<20, false, "X"); err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(vol[:512]))
	f.Fuzz(func(t *testing.T, boot []byte) {
		m := make(mem, 1<<20)
		copy(m, boot)
		v, err := fat.Open(m, 0)
		if err != nil {
			return
		}
		v.WriteFile("HQSEED.JSN", []byte("{}"))
		v.ReadFile("HQSEED.JSN")
	})
}
