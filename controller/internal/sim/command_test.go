package sim

import (
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunCommand(t *testing.T) {
	dir := t.TempDir()
	csvPath, svgPath, logPath := filepath.Join(dir, "out.csv"), filepath.Join(dir, "chart.svg"), filepath.Join(dir, "day.jsonl")
	hourPath := filepath.Join(dir, "hourly.csv")
	var out bytes.Buffer
	err := RunCommand([]string{"-scenario", "county,overloaded", "-days", "2", "-policies", "composite,fifo,strict",
		"-csv", csvPath, "-svg", svgPath, "-events", logPath, "-hourly", hourPath}, &out)
	if err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, want := range []string{"### county", "### overloaded", "| composite |", "| fifo |", "| strict |", "love p90"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	rows, err := csv.NewReader(mustOpen(t, csvPath)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	// header + 2 scenarios x 3 policies x 5 rows (all + 4 channels)
	if len(rows) != 1+2*3*5 || rows[0][0] != "scenario" || rows[1][1] != "composite" {
		t.Errorf("csv has %d rows: %v", len(rows), rows[:2])
	}
	hrows, err := csv.NewReader(mustOpen(t, hourPath)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	// Every hour from 08 to 16 for each scenario and policy, "all" first.
	hours := map[string]bool{}
	for _, r := range hrows[1:] {
		if r[3] == "all" {
			hours[r[0]+r[1]+r[2]] = true
		}
	}
	if len(hours) != 2*3*9 || hrows[1][2] != "08" {
		t.Errorf("hourly csv: %d scenario-policy-hours, want 54; first row %v", len(hours), hrows[1])
	}
	for _, name := range []string{"chart-county.svg", "chart-overloaded.svg"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if n := bytes.Count(b, []byte("<polyline")); n != 4*3 {
			t.Errorf("%s: %d curves, want 12", name, n)
		}
		dec := xml.NewDecoder(bytes.NewReader(b))
		for {
			if _, err := dec.Token(); err == io.EOF {
				break
			} else if err != nil {
				t.Fatalf("%s is not well-formed: %v", name, err)
			}
		}
	}
	out.Reset()
	if err := RunPlan([]string{"-log", logPath}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Staffing plan") {
		t.Errorf("plan output:\n%s", out.String())
	}
}

func mustOpen(t *testing.T, p string) io.Reader {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(b)
}

func TestRunCommandErrors(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte(strings.Replace(minimal, "services: [a]", "services: [b]", 1)), 0o644)
	cases := []struct {
		args []string
		is   error
		text string
	}{
		{[]string{"-nope"}, ErrUsage, "nope"},
		{[]string{"-scenario", "mars"}, ErrUsage, "mars"},
		{[]string{"-policies", "random"}, ErrUsage, "random"},
		{[]string{"-scenario", bad}, ErrScenario, "windows[0].services"},
		{[]string{"-scenario", "county", "-days", "-2"}, ErrUsage, "days"},
		{[]string{"-scenario", "county", "-scope", "room"}, ErrScenario, "consecutive_scope"},
		{[]string{"stray"}, ErrUsage, "stray"},
	}
	for _, c := range cases {
		err := RunCommand(c.args, io.Discard)
		if !errors.Is(err, c.is) || !strings.Contains(err.Error(), c.text) {
			t.Errorf("%v: got %v, want %v mentioning %q", c.args, err, c.is, c.text)
		}
	}
	if err := RunPlan([]string{"-target", "2"}, io.Discard); !errors.Is(err, ErrUsage) {
		t.Errorf("plan -target 2: %v", err)
	}
	if err := RunPlan([]string{"-log", filepath.Join(t.TempDir(), "none")}, io.Discard); err == nil {
		t.Error("plan with a missing log succeeded")
	}
	var out bytes.Buffer
	if err := RunCommand([]string{"-dump", "county"}, &out); err != nil {
		t.Fatal(err)
	}
	if _, err := ParseScenario(out.Bytes()); err != nil {
		t.Errorf("a dumped built-in does not parse back: %v", err)
	}
	out.Reset()
	if err := RunCommand([]string{"-h"}, &out); err != nil || !strings.Contains(out.String(), "usage: hallctl simulate") {
		t.Errorf("-h: %v %q", err, out.String())
	}
}
