//go:build !noos

package screen

import (
	"os"
	"os/exec"
	"testing"
)

// TestNoosSuite runs this package's fyne tests, which need the noos build
// tag (fyne's embedded driver), as a child `go test`, so the repository's one
// test command (`go test ./...`) covers them too.
func TestNoosSuite(t *testing.T) {
	if testing.Short() {
		t.Skip("builds fyne with -tags noos")
	}
	cmd := exec.Command("go", "test", "-count=1", "-tags", "noos", "-run", "TestFyneAppOnFramebuffer|TestRefreshAfterDo", ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go test -tags noos: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}
