package report

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"hallq/controller/internal/queue"
)

// TestDecodeSlimMatchesJSON: on every record of a generated day the scanner
// takes the fast path and agrees with encoding/json.
func TestDecodeSlimMatchesJSON(t *testing.T) {
	cfg := cityHall()
	path, n := generate(t, t.TempDir(), cfg, time.Date(2026, 11, 2, 0, 0, 0, 0, cst), 300)
	if n == 0 {
		t.Fatal("nothing generated")
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	records := 0
	db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(eventsBucket).ForEach(func(k, v []byte) error {
			records++
			var fast, slow slimEvent
			if err := scanSlim(v[1:], &fast, func(b []byte) string { return string(b) }); err != nil {
				t.Fatalf("record %x takes the slow path: %v: %s", k, err, v[1:])
			}
			if err := json.Unmarshal(v[1:], &slow); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(fast, slow) {
				t.Fatalf("record %x: fast %+v, json %+v", k, fast, slow)
			}
			return nil
		})
	})
	if records < n {
		t.Fatalf("%d records for %d tickets", records, n)
	}
}

func TestDecodeSlimFallback(t *testing.T) {
	for _, rec := range []string{
		`{"seq":3,"type":"issued","at":"2026-11-23T09:00:00+08:00","ticket":1,"service":"s\u0031","number":"A1","channel":"normal"}`,
		`{"seq":3,"TYPE":"issued","at":"2026-11-23T09:00:00+08:00","ticket":1,"service":"s1","number":"A1","channel":"normal"}`,
		`{"seq":4,"type":"reconfigured","at":"2026-11-23T09:00:00+08:00","config":{"name":"x}","services":[{"id":"a"}]},"channel":"normal"}`,
	} {
		var e queue.Event
		if err := decodeSlim(append([]byte{1}, rec...), &e); err != nil {
			t.Fatalf("%s: %v", rec, err)
		}
		var want slimEvent
		json.Unmarshal([]byte(rec), &want)
		if got := (slimEvent{Type: e.Type, At: e.At, Ticket: e.Ticket, Service: e.Service}); got.Type != want.Type || got.Service != want.Service || !got.At.Equal(want.At) {
			t.Fatalf("%s: %+v, want %+v", rec, got, want)
		}
	}
	var e queue.Event
	if err := decodeSlim([]byte("\x01{\"type\":"), &e); err == nil {
		t.Fatal("truncated record decoded")
	}
}

// FuzzDecodeSlim: whatever the fast scanner accepts, encoding/json reads the
// same way.
func FuzzDecodeSlim(f *testing.F) {
	for _, s := range []string{
		`{"seq":1,"type":"called","at":"2026-11-23T09:20:00+08:00","ticket":1,"number":"A001","service":"social","channel":"normal","window":"1","staff":"S001","calls":1}`,
		`{"seq":2,"type":"transferred","at":"2026-11-23T09:20:00.123+08:00","ticket":1,"new_ticket":9,"to_service":"tax","channel":"love"}`,
		`{"seq":2,"type":"issued","at":"2026-11-23T09:20:00Z","issued_at":"2026-11-23T09:10:00+08:00","ticket":1,"service":"社保","masked_name":"张*"}`,
		`{"config":{"a":[1,{"b":"}"}]},"type":"x"}`, `{}`, `{"at":null}`, `{"ticket":-1}`, `{"ticket":1e3}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var fast, slow slimEvent
		if scanSlim(b, &fast, func(b []byte) string { return string(b) }) != nil {
			return
		}
		if err := json.Unmarshal(b, &slow); err != nil {
			t.Fatalf("fast accepted what json refuses (%v): %q", err, b)
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("%q: fast %+v, json %+v", b, fast, slow)
		}
	})
}
