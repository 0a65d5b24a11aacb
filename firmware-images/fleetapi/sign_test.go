package fleetapi

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestSignVerify(t *testing.T) {
	pub, key, _ := ed25519.GenerateKey(nil)
	now := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	body := []byte(`{"version":"1.2.0"}`)
	mk := func(method, url string, b []byte) *http.Request {
		r, _ := http.NewRequest(method, url, bytes.NewReader(b))
		return r
	}
	req := mk("POST", "http://c/api/v1/fleet/checkin", body)
	Sign(req, "dev-1", key, now, body)
	check := func(r *http.Request, at time.Time) error {
		s, err := ReadSigned(r, 1<<20)
		if err != nil {
			return err
		}
		return s.Verify(r, pub, at)
	}
	clone := func(url string, b []byte) *http.Request {
		r := mk("POST", url, b)
		r.Header = req.Header.Clone()
		return r
	}
	if err := check(clone("http://c/api/v1/fleet/checkin", body), now.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		r    *http.Request
		at   time.Time
		want error
	}{
		{"other body", clone("http://c/api/v1/fleet/checkin", []byte(`{"version":"9"}`)), now, ErrSignature},
		{"other path", clone("http://c/api/v1/fleet/report", body), now, ErrSignature},
		{"late", clone("http://c/api/v1/fleet/checkin", body), now.Add(10 * time.Minute), ErrSkew},
		{"unsigned", mk("POST", "http://c/api/v1/fleet/checkin", body), now, ErrNoAuth},
	}
	for _, c := range cases {
		if err := check(c.r, c.at); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

func TestFetchWithoutRangeSupport(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789"), 1000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "10000")
		w.Write(data) // ignores Range
	}))
	defer srv.Close()
	c := &Client{Base: srv.URL}
	rc, total, err := c.Fetch(context.Background(), "/b", 1234)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	got, _ := io.ReadAll(rc)
	if total != int64(len(data)) || !bytes.Equal(got, data[1234:]) {
		t.Fatalf("total %d, %d bytes", total, len(got))
	}
}
