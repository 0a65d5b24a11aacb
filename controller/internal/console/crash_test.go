package console_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"hallq/controller/server"
)

// TestMain doubles as the controller process of the kill -9 test: the test
// binary re-executes itself with HALLQ_CONSOLE_CHILD set to a data dir.
func TestMain(m *testing.M) {
	if dir := os.Getenv("HALLQ_CONSOLE_CHILD"); dir != "" {
		lg := slog.New(slog.NewTextHandler(io.Discard, nil))
		_, err := server.Start(server.Config{Listen: "127.0.0.1:0", DataDir: dir, DevToken: browserToken, Logger: lg,
			Ready: func(addr string) { fmt.Println("READY", addr) }})
		if err != nil {
			fmt.Println("ERROR", err)
			os.Exit(1)
		}
		select {} // until SIGKILL
	}
	os.Exit(m.Run())
}

// startChild runs a controller in a child process and returns its URL.
func startChild(t *testing.T, dir string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "HALLQ_CONSOLE_CHILD="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line <- sc.Text()
		}
		close(line)
	}()
	select {
	case l := <-line:
		addr, ok := strings.CutPrefix(l, "READY ")
		if !ok {
			t.Fatalf("child: %s", l)
		}
		return cmd, "http://" + addr
	case <-time.After(20 * time.Second):
		t.Fatal("child controller did not start")
	}
	return nil, ""
}

// TestConfigSurvivesKill: a version applied from the console, and a ticket
// of the service it added, are both there after kill -9 and a restart: the
// change was an event in the log, written before the answer.
func TestConfigSurvivesKill(t *testing.T) {
	dir := t.TempDir()
	cmd, base := startChild(t, dir)
	mgr := mustLogin(t, base, "manager", "manager-demo")
	cur := getConfig(t, mgr)
	h := cur.Hall
	svc := h.Services[0]
	svc.ID, svc.Name, svc.Prefix = "pass", "出入境", "F"
	h.Services = append(h.Services, svc)
	h.Windows[0].Services = append(h.Windows[0].Services, "pass")
	if st, b := mgr.do("PUT", "/console/api/config", map[string]any{"base_version": 0, "hall": h, "texts": cur.Texts}, true); st != 200 {
		t.Fatalf("apply: %d %s", st, b)
	}
	st, b := mgr.do("POST", "/api/v1/tickets", map[string]any{"request_id": reqID(), "service": "pass"}, true)
	if st != 201 {
		t.Fatalf("issue in the new service: %d %s", st, b)
	}
	var tk struct{ ID uint64 }
	json.Unmarshal(b, &tk)
	cmd.Process.Kill()
	cmd.Wait()

	_, base = startChild(t, dir)
	mgr.base = base // the session survives too (cookies belong to the host)
	v := getConfig(t, mgr)
	if v.Version != 1 || len(v.Hall.Services) != len(h.Services) {
		t.Fatalf("after kill -9: version %d with %d services", v.Version, len(v.Hall.Services))
	}
	st, b = mgr.do("GET", fmt.Sprintf("/api/v1/tickets/%d", tk.ID), nil, false)
	if st != 200 || !strings.Contains(string(b), `"service":"pass"`) || !strings.Contains(string(b), `"number":"F001"`) {
		t.Fatalf("ticket after kill -9: %d %s", st, b)
	}
}
