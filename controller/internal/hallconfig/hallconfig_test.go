package hallconfig

import (
	"strings"
	"testing"
)

func TestDemoIsValid(t *testing.T) {
	f, err := Demo()
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Hall.Services) < 4 || len(f.Hall.Windows) < 8 {
		t.Fatalf("demo hall has %d services, %d windows", len(f.Hall.Services), len(f.Hall.Windows))
	}
	comprehensive := false
	for _, w := range f.Hall.Windows {
		if len(w.Services) >= 3 {
			comprehensive = true
		}
	}
	if !comprehensive {
		t.Fatal("demo hall has no comprehensive window")
	}
}

func TestBadConfigsNameTheField(t *testing.T) {
	base := string(DemoYAML())
	cases := map[string]struct{ from, to, want string }{
		"unknown key":           {"  rules:", "  rulez:", "rulez"},
		"bad prefix":            {"prefix: A,", "prefix: a,", "services[0].prefix"},
		"unknown service":       {"services: [social]}", "services: [nope]}", "windows[0].services"},
		"window serves nothing": {`services: [household]}`, `services: []}`, "windows[2].services"},
		"bad time":              {`issue_from: "00:00"`, `issue_from: "25:00"`, "hours.issue_from"},
		"negative weight":       {"love_weight: 3", "love_weight: -3", "policy"},
		"short token":           {"tokens: []", "tokens: [{token: short, role: kiosk}]", "shorter than 16"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			if !strings.Contains(base, c.from) {
				t.Fatalf("fixture %q not in demo.yaml", c.from)
			}
			_, err := Parse([]byte(strings.Replace(base, c.from, c.to, 1)))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error naming %q", err, c.want)
			}
		})
	}
}
