package devconfig

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
)

func TestDecode(t *testing.T) {
	type conf struct {
		Name  string `yaml:"name"`
		Count int    `yaml:"count"`
	}
	for _, tc := range []struct {
		in      string
		want    conf
		wantErr string
	}{
		{"name: a\ncount: 2\n", conf{"a", 2}, ""},
		{"", conf{"keep", 1}, ""},
		{"# only a comment\n", conf{"keep", 1}, ""},
		{"nmae: a\n", conf{}, "field nmae not found"},
		{"count: many\n", conf{}, "cannot unmarshal"},
		{"name: [\n", conf{}, "yaml"},
	} {
		c := conf{"keep", 1}
		err := Decode([]byte(tc.in), &c)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%q: err %v, want %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || c != tc.want {
			t.Errorf("%q: %+v %v, want %+v", tc.in, c, err, tc.want)
		}
	}
}

func TestParseFlags(t *testing.T) {
	var stderr bytes.Buffer
	f, err := ParseFlags("x", "/etc/hallq/x.yaml", "x configuration", nil, &stderr)
	if err != nil || f.Config != "/etc/hallq/x.yaml" || f.Check || f.Level != slog.LevelInfo {
		t.Fatalf("defaults: %+v %v", f, err)
	}
	f, err = ParseFlags("x", "/etc/hallq/x.yaml", "x configuration", []string{"-config", "a.yaml", "-check", "-log-level", "debug"}, &stderr)
	if err != nil || f.Config != "a.yaml" || !f.Check || f.Level != slog.LevelDebug {
		t.Fatalf("set: %+v %v", f, err)
	}
	if !f.Logger(&stderr).Enabled(context.Background(), slog.LevelDebug) {
		t.Error("logger ignores -log-level debug")
	}
	for _, args := range [][]string{{"-log-level", "loud"}, {"extra"}, {"-nope"}} {
		if _, err := ParseFlags("x", "", "", args, &stderr); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
}
