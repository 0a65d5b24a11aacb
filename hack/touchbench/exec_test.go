//go:build !noos

package touchbench

import (
	"os"
	"os/exec"
	"testing"
)

// TestNoosSuite runs the noos tests (fyne's embedded driver) as a child
// `go test -tags noos`, so `go test ./...` covers them.
func TestNoosSuite(t *testing.T) {
	if testing.Short() {
		t.Skip("builds fyne with -tags noos")
	}
	cmd := exec.Command("go", "test", "-count=1", "-tags", "noos", "-run", "TestKioskMenuTap", ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go test -tags noos: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}
