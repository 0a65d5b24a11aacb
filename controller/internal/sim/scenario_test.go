package sim

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hallq/controller/internal/sim/policies"
)

var update = flag.Bool("update", false, "rewrite testdata/county.yaml from the built-in county day")

const minimal = `
name: tiny
services:
  - id: a
    per_day: 100
    service_minutes: 4
windows:
  - id: W
    count: 2
    services: [a]
`

func TestParseScenarioMinimal(t *testing.T) {
	sc, err := ParseScenario([]byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	if sc.Days != 1 || sc.Date != "2026-03-16" || sc.Hours.IssueFrom != "08:30" || sc.Services[0].Dist != "lognormal" || sc.Services[0].Prefix != "A" {
		t.Errorf("defaults not filled: %+v", sc)
	}
	cfg, err := sc.Config()
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Windows) != 2 || cfg.Windows[1].ID != "W02" {
		t.Errorf("windows %+v", cfg.Windows)
	}
	// The same scenario as JSON.
	js := `{"services":[{"id":"a","per_day":100,"service_minutes":4}],"windows":[{"id":"W","count":2,"services":["a"]}]}`
	if _, err := ParseScenario([]byte(js)); err != nil {
		t.Errorf("json: %v", err)
	}
}

func TestScenarioErrorsNameTheField(t *testing.T) {
	base := func(extra string) string { return minimal + extra }
	cases := []struct {
		name, text, field string
	}{
		{"unknown service in a window", strings.Replace(minimal, "services: [a]", "services: [a, zz]", 1), "windows[0].services"},
		{"window serving nothing", strings.Replace(minimal, "services: [a]", "services: []", 1), "windows[0].services"},
		{"negative rate", strings.Replace(minimal, "per_day: 100", "per_day: -3", 1), "services[0].per_day"},
		{"impossible load", strings.Replace(minimal, "per_day: 100", "per_day: 5000", 1), "services[0].per_day"},
		{"zero service time", strings.Replace(minimal, "service_minutes: 4", "service_minutes: 0", 1), "services[0].service_minutes"},
		{"unknown channel", strings.Replace(minimal, "service_minutes: 4", "service_minutes: 4\n    channels: {vip: 0.1}", 1), "services[0].channels"},
		{"shares above one", strings.Replace(minimal, "service_minutes: 4", "service_minutes: 4\n    channels: {love: 0.7, green: 0.5}", 1), "services[0].channels"},
		{"bad distribution", strings.Replace(minimal, "service_minutes: 4", "service_minutes: 4\n    service_dist: gamma", 1), "services[0].service_dist"},
		{"bad hour in profile", base("profile: {25: 1}\n"), "profile"},
		{"negative profile weight", base("profile: {9: -1}\n"), "profile[9]"},
		{"no arrivals in issue hours", base("profile: {3: 1}\n"), "services[0].profile"},
		{"bad issue time", base("hours: {issue_from: \"8h\"}\n"), "hours.issue_from"},
		{"cut-off before opening", base("hours: {issue_from: \"12:00\", issue_until: \"09:00\"}\n"), "hours.issue_until"},
		{"break at unknown window", base("breaks: [{windows: [X], from: \"12:00\", minutes: 30}]\n"), "breaks[0].windows"},
		{"break without length", base("breaks: [{from: \"12:00\"}]\n"), "breaks[0].minutes"},
		{"no-show above 0.9", base("citizens: {no_show: 1.5}\n"), "citizens.no_show"},
		{"staffing beyond the hall", base("staffing: {9: 5}\n"), "staffing[9]"},
		{"duplicate service", strings.Replace(minimal, "windows:", "  - id: a\n    per_day: 1\n    service_minutes: 1\nwindows:", 1), "services[1].id"},
		{"no services", "windows: [{id: W, services: [a]}]\n", "services"},
		{"bad date", base("date: yesterday\n"), "date"},
		{"replayed arrival of an unknown service", base("arrivals: [{at: \"09:00:00\", service: q, channel: normal}]\n"), "arrivals[0].service"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseScenario([]byte(c.text))
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("got %v, want a FieldError on %s", err, c.field)
			}
			if fe.Field != c.field {
				t.Errorf("field %q (%v), want %q", fe.Field, err, c.field)
			}
			if !errors.Is(err, ErrScenario) {
				t.Errorf("%v is not ErrScenario", err)
			}
		})
	}
}

func TestScenarioUnknownFieldRejected(t *testing.T) {
	for _, text := range []string{minimal + "windowz: 3\n", `{"services":[],"extra":1}`} {
		_, err := ParseScenario([]byte(text))
		if !errors.Is(err, ErrScenario) || !(strings.Contains(err.Error(), "windowz") || strings.Contains(err.Error(), "extra")) {
			t.Errorf("unknown field: got %v", err)
		}
	}
}

func TestLoadScenarioFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "hall.yaml")
	if err := os.WriteFile(p, []byte(strings.Replace(minimal, "per_day: 100", "per_day: -1", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := LoadScenario(p)
	if err == nil || !strings.Contains(err.Error(), "hall.yaml") || !strings.Contains(err.Error(), "services[0].per_day") {
		t.Errorf("got %v, want the file and field named", err)
	}
	if _, err := LoadScenario(filepath.Join(t.TempDir(), "missing.yaml")); err == nil {
		t.Error("missing file accepted")
	}
}

func TestBuiltinsValid(t *testing.T) {
	for _, n := range BuiltinNames() {
		sc := Builtins()[n]()
		if err := sc.Validate(); err != nil {
			t.Errorf("%s: %v", n, err)
		}
	}
	if got := OfferedLoad(Overloaded()); got < 0.949 || got > 0.951 {
		t.Errorf("overloaded offered load %.3f, want 0.95", got)
	}
}

func FuzzParseScenario(f *testing.F) {
	f.Add([]byte(minimal))
	f.Add([]byte(`{"services":[{"id":"a","per_day":1,"service_minutes":1}],"windows":[{"id":"W","services":["a"]}]}`))
	f.Add([]byte(minimal + "profile: {9: 1e308}\nbreaks: [{from: \"24:00\", minutes: 1}]\n"))
	f.Add([]byte("services: [{id: a, per_day: .nan, service_minutes: 1}]\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		sc, err := ParseScenario(b)
		if err == nil && sc == nil {
			t.Fatal("nil scenario without error")
		}
		if err != nil && !errors.Is(err, ErrScenario) {
			t.Fatalf("error %v is not ErrScenario", err)
		}
	})
}

// TestExampleScenarioFile: the example file (a dump of the county day,
// refreshed with -update) loads and simulates like the built-in.
func TestExampleScenarioFile(t *testing.T) {
	path := filepath.Join("testdata", "county.yaml")
	if *update {
		var b strings.Builder
		if err := RunCommand([]string{"-dump", "county"}, &b); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sc, err := LoadScenario(path)
	if err != nil {
		t.Fatal(err)
	}
	sc.Days = 1
	want := County()
	want.Days = 1
	mustValid(t, want)
	a, err := Run(sc, policies.Composite(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Run(want, policies.Composite(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Records) != len(b.Records) || a.Busy != b.Busy {
		t.Errorf("the example file and the built-in differ: %d vs %d tickets (run with -update after changing County)", len(a.Records), len(b.Records))
	}
}
