package appconfig

import (
	"errors"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"hallq/firmware-images/enrol"
	"hallq/firmware-images/fleetapi"
)

const tmpl = `# kiosk
device: kiosk
controller: http://10.20.0.2:8080 # default
token: unenrolled-0123456789
card_reader:
  port: /dev/hallq/idcard
printer:
  port: ""
  profile: 80mm
screen:
  framebuffer: /dev/fb0
  touch: /dev/hallq/touch
`

var ident = &enrol.Identity{DeviceID: "dev-7", Role: "kiosk", Controller: "https://10.20.0.9:8443",
	Settings: fleetapi.Settings{Window: 12, Ports: map[string]string{"idcard": "/dev/serial/by-id/sam", "printer": "/dev/serial/by-id/pos"},
		Extra: map[string]string{"token": "kiosk-token-abcdef0123456789", "caller_addr": "12"}}}

var kioskSet = map[string]string{"device": "device_id", "controller": "controller", "token": "extra.token",
	"card_reader.port": "ports.idcard", "printer.port": "ports.printer", "camera.device": "ports.camera"}

func get(t *testing.T, b []byte, path string) any {
	t.Helper()
	var m map[string]any
	if err := yaml.Unmarshal(b, &m); err != nil {
		t.Fatalf("rendered yaml: %v\n%s", err, b)
	}
	var v any = m
	for _, k := range strings.Split(path, ".") {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[k]
	}
	return v
}

func TestRender(t *testing.T) {
	all := func(string) bool { return true }
	none := func(string) bool { return false }
	tests := []struct {
		name     string
		id       *enrol.Identity
		set      map[string]string
		optional []string
		exists   func(string) bool
		want     map[string]any
		notes    int
	}{
		{"not enrolled keeps defaults", nil, kioskSet, nil, all,
			map[string]any{"controller": "http://10.20.0.2:8080", "device": "kiosk", "card_reader.port": "/dev/hallq/idcard", "printer.profile": "80mm"}, 0},
		{"enrolled fills in", ident, kioskSet, nil, all,
			map[string]any{"controller": "https://10.20.0.9:8443", "device": "dev-7", "token": "kiosk-token-abcdef0123456789",
				"card_reader.port": "/dev/serial/by-id/sam", "printer.port": "/dev/serial/by-id/pos", "camera": nil}, 5},
		{"window number is an int and creates the key", ident, map[string]string{"window": "window", "ports.keypad": "ports.idcard", "input.caller_addr": "extra.caller_addr"}, nil, all,
			map[string]any{"window": 12, "ports.keypad": "/dev/serial/by-id/sam", "input.caller_addr": 12}, 3},
		{"missing devices cleared", ident, kioskSet, []string{"card_reader.port", "printer.port", "screen.touch", "camera.device"}, none,
			map[string]any{"card_reader.port": "", "printer.port": "", "screen.touch": "", "screen.framebuffer": "/dev/fb0"}, 5 + 3},
		{"present devices kept", nil, nil, []string{"card_reader.port", "screen.touch"},
			func(p string) bool { return p == "/dev/hallq/touch" },
			map[string]any{"card_reader.port": "", "screen.touch": "/dev/hallq/touch"}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, notes, err := Render(Opts{Template: []byte(tmpl), Identity: tc.id, Set: tc.set, Optional: tc.optional, Exists: tc.exists})
			if err != nil {
				t.Fatal(err)
			}
			for k, want := range tc.want {
				if got := get(t, b, k); got != want {
					t.Errorf("%s = %#v, want %#v\n%s", k, got, want, b)
				}
			}
			if len(notes) != tc.notes {
				t.Errorf("%d notes, want %d: %v", len(notes), tc.notes, notes)
			}
			for _, n := range notes {
				if strings.Contains(n.String(), "kiosk-token") {
					t.Errorf("note shows the token: %s", n)
				}
			}
			if !strings.Contains(string(b), "# default") {
				t.Errorf("comment lost:\n%s", b)
			}
		})
	}
}

func TestRenderErrors(t *testing.T) {
	tests := []struct {
		name string
		tmpl string
		set  map[string]string
		opt  []string
		want error
	}{
		{"not yaml", "a: [", nil, nil, ErrTemplate},
		{"a list", "- a\n- b\n", nil, nil, ErrTemplate},
		{"empty", "", nil, nil, ErrTemplate},
		{"unknown field", tmpl, map[string]string{"device": "serial_number"}, nil, ErrField},
		{"through a scalar", tmpl, map[string]string{"device.name": "device_id"}, nil, ErrKey},
		{"empty key element", tmpl, map[string]string{"printer..port": "device_id"}, nil, ErrKey},
		{"bad optional", tmpl, nil, []string{".x"}, ErrKey},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Render(Opts{Template: []byte(tc.tmpl), Identity: ident, Set: tc.set, Optional: tc.opt})
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	// Not enrolled yet: a bad field name is still an error.
	if _, _, err := Render(Opts{Template: []byte(tmpl), Set: map[string]string{"device": "serial"}}); !errors.Is(err, ErrField) {
		t.Fatalf("unenrolled, unknown field: err = %v", err)
	}
}

func TestParseSet(t *testing.T) {
	m, err := ParseSet([]string{"a.b=ports.x", "c=device_id"})
	if err != nil || m["a.b"] != "ports.x" || m["c"] != "device_id" || len(m) != 2 {
		t.Fatalf("%v %v", m, err)
	}
	for _, bad := range []string{"a", "=x", "a="} {
		if _, err := ParseSet([]string{bad}); !errors.Is(err, ErrKey) {
			t.Errorf("%q: err = %v", bad, err)
		}
	}
}

func FuzzRender(f *testing.F) {
	f.Add([]byte(tmpl), "printer.port")
	f.Add([]byte("a: {b: [1, 2]}\n"), "a.b.c")
	f.Add([]byte("&x a: *x\n"), "a")
	f.Add([]byte("x: ~\n"), "x.y")
	f.Fuzz(func(t *testing.T, b []byte, key string) {
		out, _, err := Render(Opts{Template: b, Identity: ident, Set: map[string]string{key: "device_id"}, Optional: []string{key},
			Exists: func(string) bool { return false }})
		if err != nil {
			return
		}
		var v any
		if err := yaml.Unmarshal(out, &v); err != nil {
			t.Fatalf("rendered output does not parse: %v\n%s", err, out)
		}
	})
}
