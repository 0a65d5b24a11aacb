package hallproto

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// checkGoldens pins the bytes of the samples kept in testdata/dir/ by the
// files that add wire types after the shared list of golden_test.go; refresh
// with -update. Each sample must also decode strictly and marshal back to
// the same bytes (bytes, not values: a decoded zone has no name), and every
// file in the directory must belong to a sample.
func checkGoldens(t *testing.T, dir string, gs []golden) {
	t.Helper()
	names := map[string]bool{}
	for _, g := range gs {
		names[g.name] = true
		t.Run(g.name, func(t *testing.T) { checkGolden(t, filepath.Join("testdata", dir, g.name+".json"), g.v) })
	}
	files, err := filepath.Glob(filepath.Join("testdata", dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !names[strings.TrimSuffix(filepath.Base(f), ".json")] {
			t.Errorf("%s has no Go value: delete it or add one", f)
		}
	}
}

func checkGolden(t *testing.T, path string, v any) {
	t.Helper()
	got, err := marshalGolden(v)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./controller/hallproto -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs:\n%s\nwant\n%s", path, got, want)
	}
	back := reflect.New(reflect.TypeOf(v).Elem())
	dec := json.NewDecoder(bytes.NewReader(want))
	dec.DisallowUnknownFields()
	if err := dec.Decode(back.Interface()); err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	if again, _ := marshalGolden(back.Interface()); !bytes.Equal(again, want) {
		t.Fatalf("round trip changed %s:\n%s", path, again)
	}
}
