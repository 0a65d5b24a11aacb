package bundle_test

import (
	"bytes"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"hallq/firmware-images/bundle"
)

// rootfsLike returns n bytes shaped roughly like a root filesystem image:
// a third incompressible (already-compressed files), a third text-like, a
// third zero blocks.
func rootfsLike(n int) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(7, 7))
	words := []byte("the quick brown fox systemd unit Description=hallq kiosk ExecStart=/usr/bin/kiosk\n")
	for off := 0; off < n; off += 4096 {
		end := min(off+4096, n)
		switch (off / 4096) % 3 {
		case 0:
			for i := off; i < end; i++ {
				b[i] = byte(r.Uint32())
			}
		case 1:
			for i := off; i < end; i++ {
				b[i] = words[(i*7+int(r.Uint32()%3))%len(words)]
			}
		}
	}
	return b
}

// BenchmarkBundle64MiB measures creating (compress + sign) and verifying a
// bundle with one 64 MiB payload, and reports the bundle size.
func BenchmarkBundle64MiB(b *testing.B) {
	data := rootfsLike(64 << 20)
	key := mustKey(b)
	pol := policy(b, key)
	pol.Limits = nil
	var created, verified time.Duration
	var size int
	for i := 0; i < b.N; i++ {
		var buf bytes.Buffer
		t0 := time.Now()
		_, err := bundle.Create(&buf, bundle.Manifest{Product: "hallq-kiosk", Version: "1.3.0", Epoch: 3, Compatible: []string{"x86-64-uefi"}},
			[]bundle.Source{{Name: "rootfs", Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }}},
			key, &bundle.CreateOpts{TempDir: b.TempDir()})
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := bundle.Verify(bytes.NewReader(buf.Bytes()), pol); err != nil {
			b.Fatal(err)
		}
		created += t1.Sub(t0)
		verified += time.Since(t1)
		size = buf.Len()
	}
	b.ReportMetric(float64(size)/(1<<20), "bundle-MiB")
	b.ReportMetric(created.Seconds()/float64(b.N), "create-s")
	b.ReportMetric(verified.Seconds()/float64(b.N), "verify-s")
	b.ReportMetric(float64(len(data))/(1<<20)/(verified.Seconds()/float64(b.N)), "verify-MiB/s")
}
