package hallconfig

import (
	"errors"
	"strings"
	"testing"

	"hallq/controller/internal/console"
)

// TestConsoleSection: the console users of the demo parse, and a bad
// console section is refused when the file is read, not at sign-in.
func TestConsoleSection(t *testing.T) {
	f, err := Demo()
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Console.Users) != 4 || f.Console.Texts.SignIdle != "欢迎光临" {
		t.Fatalf("demo console section: %+v", f.Console)
	}
	demo := string(DemoYAML())
	for _, tc := range []struct{ name, from, to, want string }{
		{"unknown role", "role: auditor,", "role: boss,", "未知角色"},
		{"not bcrypt", `password_hash: "$2a$10$FpkE`, `password_hash: "x$2a$10$FpkE`, "bcrypt"},
		{"sign text too long", `sign_idle: "欢迎光临"`, `sign_idle: "欢迎光临欢迎光临欢迎光临欢迎光临欢迎光临"`, "sign_idle"},
		{"idle shorter than a minute", "session_idle: 30m", "session_idle: 10s", "session_idle"},
	} {
		y := strings.Replace(demo, tc.from, tc.to, 1)
		if y == demo {
			t.Fatalf("%s: the demo no longer contains %q", tc.name, tc.from)
		}
		_, err := Parse([]byte(y))
		if !errors.Is(err, console.ErrSettings) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}
