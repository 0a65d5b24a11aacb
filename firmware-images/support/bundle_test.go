package support

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestWriteRedactsEverything(t *testing.T) {
	log := filepath.Join(t.TempDir(), "kiosk.log")
	os.WriteFile(log, []byte("09:00 read card 41152119900307123X name=张三\n09:01 ticket A001 issued\n"), 0o644)
	var buf bytes.Buffer
	err := Write(&buf, []File{{Name: "devices.json", Data: []byte(`[{"hostname":"kiosk-1","note":"联系人：李四"}]`)}}, []string{log, "/nonexistent.log"}, 1<<20, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	var all strings.Builder
	names := 0
	for {
		_, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names++
		b, _ := io.ReadAll(tr)
		all.Write(b)
	}
	out := all.String()
	if names != 3 || strings.Contains(out, "41152119900307123X") || strings.Contains(out, "张三") || strings.Contains(out, "李四") {
		t.Fatalf("%d files:\n%s", names, out)
	}
	if !strings.Contains(out, "4115**********123X") || !strings.Contains(out, "ticket A001 issued") {
		t.Fatalf("over-redacted:\n%s", out)
	}
}
