package support

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// File is one entry of a support bundle.
type File struct {
	Name string
	Data []byte
}

// Write writes a gzip'd tar of files, every line redacted, plus the given
// log files (read line by line, redacted, at most maxLog bytes each from the end).
func Write(w io.Writer, files []File, logs []string, maxLog int64, now time.Time) error {
	zw := gzip.NewWriter(w)
	tw := tar.NewWriter(zw)
	add := func(name string, data []byte) error {
		red := []byte(redactAll(string(data)))
		hdr := &tar.Header{Name: name, Mode: 0o644, Size: int64(len(red)), ModTime: now, Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		_, err := tw.Write(red)
		return err
	}
	for _, f := range files {
		if err := add(f.Name, f.Data); err != nil {
			return fmt.Errorf("support: %s: %w", f.Name, err)
		}
	}
	for _, l := range logs {
		data, err := tail(l, maxLog)
		if err != nil {
			data = []byte("unreadable: " + err.Error() + "\n")
		}
		if err := add("logs/"+filepath.Base(l), data); err != nil {
			return fmt.Errorf("support: %s: %w", l, err)
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return zw.Close()
}

func redactAll(s string) string {
	var b strings.Builder
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		b.WriteString(Redact(sc.Text()))
		b.WriteByte('\n')
	}
	return b.String()
}

func tail(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if max > 0 && fi.Size() > max {
		if _, err := f.Seek(fi.Size()-max, io.SeekStart); err != nil {
			return nil, err
		}
	}
	return io.ReadAll(f)
}
