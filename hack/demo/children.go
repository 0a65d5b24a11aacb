package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The device programs (kiosk, window terminals, hall display) live in
// kiosk/internal/..., which Go does not let hack/ import. The demo builds
// their commands from this source tree (Go's build cache makes it quick
// after the first time) and runs each as a child process: fyne's embedded
// driver allows one app per process, and the kiosk and the display need
// -tags noos anyway.

// moduleRoot finds the hallq module above dir.
func moduleRoot(dir string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		b, err := os.ReadFile(filepath.Join(d, "go.mod"))
		if err == nil && bytes.HasPrefix(bytes.TrimSpace(b), []byte("module hallq")) {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("demo: no hallq go.mod above %s: run the demo from the source tree (go run ./hack/demo)", dir)
		}
	}
}

// buildCommand builds the command package pkg (./kiosk/cmd/kiosk) with
// -tags noos into dir and returns the binary's path.
func buildCommand(ctx context.Context, root, pkg, dir string) (string, error) {
	if _, err := os.Stat(filepath.Join(root, pkg)); err != nil {
		return "", fmt.Errorf("demo: %s is not in this tree yet", pkg)
	}
	out := filepath.Join(dir, filepath.Base(pkg))
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-tags", "noos", "-o", out, "./"+strings.TrimPrefix(pkg, "./"))
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("demo: go build %s: %w\n%s", pkg, err, strings.TrimSpace(buf.String()))
	}
	return out, nil
}

// child is a running device program.
type child struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
	mu   sync.Mutex
	err  error
}

// startChild runs bin with args; its output goes to logPath. The child is
// in its own process group and gets SIGKILL if the demo dies (Pdeathsig),
// so no device program outlives the demo.
func startChild(name, bin, logPath string, args ...string) (*child, error) {
	lf, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("demo: %s log: %w", name, err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = lf, lf
	// fyne reads the locale from LANG and complains about "C".
	cmd.Env = append(os.Environ(), "LANG=zh_CN.UTF-8")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		lf.Close()
		return nil, fmt.Errorf("demo: start %s: %w", name, err)
	}
	c := &child{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() {
		err := cmd.Wait()
		lf.Close()
		c.mu.Lock()
		c.err = err
		c.mu.Unlock()
		close(c.done)
	}()
	return c, nil
}

// Running reports whether the child has not exited.
func (c *child) Running() bool {
	select {
	case <-c.done:
		return false
	default:
		return true
	}
}

// Tail is the end of the child's log, for error messages.
func (c *child) Tail() string {
	b, _ := os.ReadFile(c.log)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return strings.TrimSpace(string(b))
}

// Stop asks the child's process group to end, then kills it.
func (c *child) Stop() {
	if !c.Running() {
		return
	}
	pg := -c.cmd.Process.Pid
	syscall.Kill(pg, syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(3 * time.Second):
		syscall.Kill(pg, syscall.SIGKILL)
		<-c.done
	}
}

// freeAddr returns a loopback address with a port free right now.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// waitHTTP waits until url answers or d passes or the child exits.
func waitHTTP(ctx context.Context, c *child, url string, d time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	for {
		if c != nil && !c.Running() {
			return fmt.Errorf("demo: %s exited:\n%s", c.name, c.Tail())
		}
		req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case <-ctx.Done():
			return errors.New("demo: " + url + " did not answer in time")
		case <-time.After(100 * time.Millisecond):
		}
	}
}
