//go:build !noos

package displayapp

import (
	"os"
	"os/exec"
	"testing"
)

// TestNoosScreen runs the screen test, which needs fyne's embedded driver
// (-tags noos), as a child `go test`, so `go test ./...` covers it.
func TestNoosScreen(t *testing.T) {
	if testing.Short() {
		t.Skip("builds fyne with -tags noos")
	}
	cmd := exec.Command("go", "test", "-count=1", "-tags", "noos", "-run", "TestScreenRepaintsAfterCall|TestScreen$", ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go test -tags noos: %v\n%s", err, out)
	}
}
