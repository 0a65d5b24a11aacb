// Package browsertest drives Debian's headless Chromium from Go tests
// through the DevTools protocol (chromedp), for the pages the controller
// and the demo serve. Without a browser the test is skipped with a message
// saying how to get one, so `go test ./...` passes on a machine with only
// Go; .ci/run installs chromium so CI runs them.
//
// chromedp v0.23 has a typed API: chromedp.Do(ctx, steps...) runs actions
// that return nothing (Navigate, Click(chromedp.CSS("#id")), WaitVisible,
// SendKeys, SetValue), chromedp.Run(ctx, a) runs one action and returns
// its value (Text, Evaluate[T], FullScreenshot). Selectors are typed:
// chromedp.CSS("..."), or chromedp.Search for text/XPath.
package browsertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Timeout bounds one test's browser session.
const Timeout = 90 * time.Second

// Executable finds the browser: $HALLQ_CHROMIUM, /usr/bin/chromium, or
// chromium / chromium-browser / google-chrome on PATH.
func Executable() (string, error) {
	if p := os.Getenv("HALLQ_CHROMIUM"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("browsertest: HALLQ_CHROMIUM=%s: %w", p, err)
		}
		return p, nil
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium", nil
	}
	for _, n := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(n); err == nil {
			return p, nil
		}
	}
	return "", errors.New("browsertest: no chromium found (apt-get install chromium, or set HALLQ_CHROMIUM)")
}

// New starts a headless browser for t and returns a chromedp context bound
// to it; the browser is stopped when the test ends. It skips the test when
// no browser is installed.
func New(t testing.TB) context.Context {
	t.Helper()
	exe, err := Executable()
	if err != nil {
		t.Skipf("%v; skipping the browser test", err)
	}
	// The flags keep Chromium off the network (this machine's closed network
	// refuses its background connections) and runnable as root in CI.
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("lang", "zh-CN"),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx, chromedp.WithErrorf(t.Logf))
	ctx, cancelTimeout := context.WithTimeout(ctx, Timeout)
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
	})
	// Start the browser now so a broken installation fails here, clearly.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("browsertest: start %s: %v", exe, err)
	}
	return ctx
}

// ArtifactDir is where screenshots are kept: $HALLQ_ARTIFACTS, or
// hallq-artifacts in the temporary directory.
func ArtifactDir() string {
	if d := os.Getenv("HALLQ_ARTIFACTS"); d != "" {
		return d
	}
	return filepath.Join(os.TempDir(), "hallq-artifacts")
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// Screenshot saves a full-page PNG of the current page as an artifact
// named after the test and name, and returns its path.
func Screenshot(t testing.TB, ctx context.Context, name string) string {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("browsertest: screenshot %s: %v", name, err)
	}
	dir := ArtifactDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("browsertest: %v", err)
	}
	p := filepath.Join(dir, unsafeName.ReplaceAllString(t.Name()+"-"+name, "_")+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatalf("browsertest: %v", err)
	}
	t.Logf("screenshot: %s", p)
	return p
}
