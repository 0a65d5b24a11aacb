package devemu

import (
	"bytes"
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"hallq/drivers/keypad"
	"hallq/drivers/ledsign"
)

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func openSlave(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestHallDevices(t *testing.T) {
	out := &syncBuf{}
	h, err := Start(Config{Windows: 2, Keypad: true, IDCard: true, Printer: true}, out)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	for _, n := range []string{"sign 1", "sign 2", "keypad", "idcard", "printer"} {
		if !strings.HasPrefix(h.Paths[n], "/dev/pts/") {
			t.Fatalf("%s path %q", n, h.Paths[n])
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()

	// A real driver on the printed path drives sign 2.
	o := ledsign.DefaultOpts
	o.Addr = 2
	dev, err := ledsign.New(openSlave(t, h.Paths["sign 2"]), &o)
	if err != nil {
		t.Fatal(err)
	}
	if err := dev.ShowCall(ctx, ledsign.Call{Ticket: "A023", Window: "2", Blink: 3}); err != nil {
		t.Fatal(err)
	}
	if got, _ := h.Exec("signs"); !strings.Contains(got, "sign 2 (addr 2, brightness 8): 请A023号到2号窗口") {
		t.Errorf("signs:\n%s", got)
	}

	// "key 3 call" reaches a keypad.Bus on the keypad path.
	bus := keypad.NewBus(openSlave(t, h.Paths["keypad"]), nil)
	type res struct {
		e   keypad.Event
		err error
	}
	got := make(chan res, 1)
	go func() { e, err := bus.Next(ctx); got <- res{e, err} }()
	if msg, err := h.Exec("key 3 call"); err != nil || !strings.Contains(msg, "acknowledged") {
		t.Fatalf("key: %q %v", msg, err)
	}
	r := <-got
	if r.err != nil || r.e.Kind != keypad.KindCallNext || r.e.Window != "3" {
		t.Fatalf("event %+v %v", r.e, r.err)
	}

	for _, line := range []string{"card place elderly", "card remove", "card fault badsum 1", "printer paper-out",
		"printer paper near-end", "printer cover open", "printer offline off", "printer cutter on", "printer fault slow 50 1",
		"sign 1 fault slow 100 2", "sign 1 fault nak", "sign 1 power", "keypad fault duplicate 1", "printer tickets", "paths", "# comment", ""} {
		if _, err := h.Exec(line); err != nil {
			t.Errorf("%q: %v", line, err)
		}
	}
	for _, line := range []string{"bogus", "sign 9 power", "sign 1 fault slow", "sign x power", "key 3 dance", "rate 3 6",
		"card place nobody", "card fault nope", "printer paper wet", "printer cover ajar", "keypad fault x", "sign 1 fault x"} {
		if _, err := h.Exec(line); err == nil {
			t.Errorf("%q accepted", line)
		}
	}
	deadline := time.Now().Add(time.Second)
	for !strings.Contains(out.String(), "sign 2: 请A023号到2号窗口 [blink 3]") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(out.String(), "sign 2: 请A023号到2号窗口 [blink 3]") {
		t.Errorf("change not printed:\n%s", out.String())
	}
}

func TestMain_(t *testing.T) {
	var out, errOut syncBuf
	in := strings.NewReader("signs\nsign 1 fault silent\nquit\nsigns\n")
	code := Main([]string{"-windows", "1", "-keypad=false", "-idcard=false", "-printer=false"}, in, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	s := out.String()
	if !strings.Contains(s, "sign 1   /dev/pts/") || !strings.Contains(s, "sign 1 fault silent") || strings.Count(s, "sign 1 (addr 1") != 1 {
		t.Errorf("output:\n%s", s)
	}
	if code := Main([]string{"-windows", "999"}, strings.NewReader(""), &out, &errOut); code != 1 {
		t.Errorf("bad windows: exit %d", code)
	}
	if code := Main([]string{"-nope"}, strings.NewReader(""), &out, &errOut); code != 2 {
		t.Errorf("bad flag: exit %d", code)
	}
}
