package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"hallq/controller/hallproto"
	"hallq/controller/internal/store"
)

const crashToken = "crash-test-dev-token-0123"

// TestMain doubles as the controller process of the crash test: the test
// binary re-executes itself with HALLQ_CRASH_CHILD set.
func TestMain(m *testing.M) {
	if dir := os.Getenv("HALLQ_CRASH_CHILD"); dir != "" {
		lg := slog.New(slog.NewTextHandler(io.Discard, nil))
		_, err := Start(Config{Listen: "127.0.0.1:0", DataDir: dir, ConfigFile: os.Getenv("HALLQ_CRASH_CONFIG"),
			DevToken: crashToken, Logger: lg, Ready: func(addr string) { fmt.Println("READY", addr) }})
		if err != nil {
			fmt.Println("ERROR", err)
			os.Exit(1)
		}
		select {} // until SIGKILL
	}
	os.Exit(m.Run())
}

const crashConfig = `
hall:
  name: crash
  services:
    - {id: s1, name: "一", prefix: A, first: 1, last: 9999}
    - {id: s2, name: "二", prefix: B, first: 1, last: 9999}
  windows:
    - {id: "1", services: [s1, s2]}
    - {id: "2", services: [s1]}
    - {id: "3", services: [s2]}
    - {id: "4", services: [s2, s1]}
  hours: {issue_from: "00:00", issue_until: "24:00", close: "24:00"}
`

type child struct {
	cmd  *exec.Cmd
	addr string
}

func startChild(t *testing.T, dir, cfg string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "HALLQ_CRASH_CHILD="+dir, "HALLQ_CRASH_CONFIG="+cfg)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "READY ") {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("child did not start: %q %v", line, err)
	}
	return &child{cmd: cmd, addr: strings.TrimSpace(strings.TrimPrefix(line, "READY "))}
}

func (c *child) kill() {
	c.cmd.Process.Signal(syscall.SIGKILL)
	c.cmd.Wait()
}

var client = &http.Client{Timeout: 5 * time.Second}

func post(addr, path string, body any) (int, []byte, error) {
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", "http://"+addr+path, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+crashToken)
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	rb, err := io.ReadAll(resp.Body)
	return resp.StatusCode, rb, err
}

// TestCrashLosesNothingAcknowledged kills the controller with SIGKILL at
// random moments under load, 20 times, and checks after each restart that
// every acknowledged ticket is there exactly once, that numbers are never
// reused, and that no ticket was ever called at two windows.
func TestCrashLosesNothingAcknowledged(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test runs subprocesses")
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "hall.yaml")
	os.WriteFile(cfg, []byte(crashConfig), 0o600)
	data := filepath.Join(dir, "data")
	rng := rand.New(rand.NewPCG(1, 2))

	type ack struct {
		id     uint64
		number string
	}
	var mu sync.Mutex
	acked := map[string]ack{}       // request id -> ticket
	calledAt := map[uint64]string{} // ticket -> window
	var unsure []string             // request ids whose answer was lost in a crash
	reqSeq := 0
	newID := func() string { mu.Lock(); defer mu.Unlock(); reqSeq++; return fmt.Sprintf("crash-%d", reqSeq) }

	const rounds = 20
	for round := 0; round < rounds; round++ {
		c := startChild(t, data, cfg)
		// Windows log in (once; the log keeps it) and finish whatever a
		// crash left called.
		for w := 1; w <= 4; w++ {
			post(c.addr, fmt.Sprintf("/api/v1/windows/%d/login", w), hallproto.ActionRequest{RequestID: newID(), Staff: fmt.Sprint("S", w)})
			post(c.addr, fmt.Sprintf("/api/v1/windows/%d/finish", w), hallproto.ActionRequest{RequestID: newID()})
		}
		// Retry the requests whose answers were lost: same id, same body.
		mu.Lock()
		retry := unsure
		unsure = nil
		mu.Unlock()
		for _, id := range retry {
			code, body, err := post(c.addr, "/api/v1/tickets", hallproto.IssueRequest{RequestID: id, Service: "s1"})
			if err != nil || code != 201 {
				t.Fatalf("retry %s after restart: %d %s %v", id, code, body, err)
			}
			var tk hallproto.Ticket
			json.Unmarshal(body, &tk)
			mu.Lock()
			acked[id] = ack{tk.ID, tk.Number}
			mu.Unlock()
		}
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for g := 0; g < 6; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				for ctx.Err() == nil {
					id := newID()
					svc := []string{"s1", "s2"}[g%2]
					code, body, err := post(c.addr, "/api/v1/tickets", hallproto.IssueRequest{RequestID: id, Service: svc})
					if err != nil {
						if svc == "s1" {
							mu.Lock()
							unsure = append(unsure, id)
							mu.Unlock()
						}
						return
					}
					if code != 201 {
						t.Errorf("issue: %d %s", code, body)
						return
					}
					var tk hallproto.Ticket
					json.Unmarshal(body, &tk)
					mu.Lock()
					acked[id] = ack{tk.ID, tk.Number}
					mu.Unlock()
				}
			}(g)
		}
		for w := 1; w <= 4; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for ctx.Err() == nil {
					code, body, err := post(c.addr, fmt.Sprintf("/api/v1/windows/%d/call", w), hallproto.ActionRequest{RequestID: newID()})
					if err != nil {
						return
					}
					if code == 200 {
						var tk hallproto.Ticket
						json.Unmarshal(body, &tk)
						mu.Lock()
						if prev, ok := calledAt[tk.ID]; ok {
							t.Errorf("ticket %d called at window %s and again at %d", tk.ID, prev, w)
						}
						calledAt[tk.ID] = fmt.Sprint(w)
						mu.Unlock()
						if _, _, err := post(c.addr, fmt.Sprintf("/api/v1/windows/%d/finish", w), hallproto.ActionRequest{RequestID: newID()}); err != nil {
							return
						}
					}
				}
			}(w)
		}
		time.Sleep(time.Duration(30+rng.IntN(250)) * time.Millisecond)
		c.kill()
		cancel()
		wg.Wait()
		if t.Failed() {
			return
		}
	}
	// Final incarnation: every acknowledged ticket is there with its number.
	c := startChild(t, data, cfg)
	defer c.kill()
	numbers := map[string]uint64{}
	for rid, a := range acked {
		req, _ := http.NewRequest("GET", fmt.Sprintf("http://%s/api/v1/tickets/%d", c.addr, a.id), nil)
		req.Header.Set("Authorization", "Bearer "+crashToken)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var tk hallproto.Ticket
		json.NewDecoder(resp.Body).Decode(&tk)
		resp.Body.Close()
		if resp.StatusCode != 200 || tk.Number != a.number {
			t.Fatalf("acknowledged ticket %d (%s, request %s) after crashes: %d %+v", a.id, a.number, rid, resp.StatusCode, tk)
		}
		if other, dup := numbers[a.number]; dup && other != a.id {
			t.Fatalf("number %s given to tickets %d and %d", a.number, other, a.id)
		}
		numbers[a.number] = a.id
	}
	if len(acked) < 100 {
		t.Fatalf("only %d tickets acknowledged over %d crashes: the load did not run", len(acked), rounds)
	}
	c.kill()
	st, err := store.Open(filepath.Join(data, "hallq.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Check(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d crashes, %d acknowledged tickets, %d calls, all present once", rounds, len(acked), len(calledAt))
}
