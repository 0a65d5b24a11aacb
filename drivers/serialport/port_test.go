package serialport

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"hallq/internal/pty"
)

func openPair(t *testing.T) (*pty.Pair, *Dev) {
	t.Helper()
	p, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	d, err := New(p.SlavePath, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return p, d
}

func TestReadTimeoutIsNotHangup(t *testing.T) {
	_, d := openPair(t)
	for i := 0; i < 4; i++ {
		start := time.Now()
		n, err := d.Read(make([]byte, 8))
		if n != 0 || !errors.Is(err, ErrTimeout) {
			t.Fatalf("read %d: got (%d, %v), want ErrTimeout", i, n, err)
		}
		if el := time.Since(start); el < 50*time.Millisecond || el > 5*time.Second {
			t.Fatalf("timeout slice took %v", el)
		}
	}
}

func TestBytesArrive(t *testing.T) {
	p, d := openPair(t)
	want := []byte{0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x0d, 0x0a}
	if _, err := p.Master.Write(want); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var got []byte
	b := make([]byte, 64)
	for len(got) < len(want) {
		n, err := d.ReadContext(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, b[:n]...)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("got % x want % x", got, want)
	}
	if _, err := d.Write([]byte{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	p.Master.SetReadDeadline(time.Now().Add(2 * time.Second))
	n, err := p.Master.Read(b)
	if err != nil || !bytes.Equal(b[:n], []byte{1, 2, 3}) {
		t.Fatalf("master got % x, %v", b[:n], err)
	}
}

func TestReadContextHonoursDeadline(t *testing.T) {
	_, d := openPair(t)
	ctx, cancel := context.WithTimeout(context.Background(), 250*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := d.ReadContext(ctx, make([]byte, 4))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v", err)
	}
	// Upper bounds are loose: the CI machine is shared and CPU-throttled;
	// they catch "blocks forever", not latency.
	if el := time.Since(start); el > 5*time.Second {
		t.Fatalf("deadline overrun: %v", el)
	}
}

// TestHangupAndReopen unplugs the "device" (closes the pty master) and plugs
// a new one in under the same stable name, as a USB adapter does.
func TestHangupAndReopen(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(dir, "usb-hallq_idreader-if00")
	p1, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(p1.SlavePath, link); err != nil {
		t.Fatal(err)
	}
	d, err := New(link, &Opts{BackoffMin: 20 * time.Millisecond, BackoffMax: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	p1.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	_, err = d.ReadContext(ctx, make([]byte, 4))
	if !errors.Is(err, ErrHangup) {
		t.Fatalf("after unplug got %v, want ErrHangup", err)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Fatalf("hang-up took %v to detect", el)
	}
	if _, err := d.Write([]byte{1}); !errors.Is(err, ErrHangup) {
		t.Fatalf("write after hang-up: %v", err)
	}
	os.Remove(link)

	// Plug the new device in a little later; Reopen must keep retrying.
	p2ch := make(chan *pty.Pair, 1)
	go func() {
		time.Sleep(100 * time.Millisecond)
		p2, err := pty.Open()
		if err != nil {
			p2ch <- nil
			return
		}
		os.Symlink(p2.SlavePath, link)
		p2ch <- p2
	}()
	if err := d.Reopen(ctx); err != nil {
		t.Fatal(err)
	}
	p2 := <-p2ch
	if p2 == nil {
		t.Fatal("second pty")
	}
	defer p2.Close()
	p2.Master.Write([]byte("ok"))
	b := make([]byte, 4)
	n, err := d.ReadContext(ctx, b)
	if err != nil || string(b[:n]) != "ok" {
		t.Fatalf("after reopen: %q %v", b[:n], err)
	}
}

func TestReopenGivesUp(t *testing.T) {
	_, d := openPair(t)
	d.name = filepath.Join(t.TempDir(), "absent")
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := d.Reopen(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v", err)
	}
}

func TestCloseUnblocksReader(t *testing.T) {
	_, d := openPair(t)
	done := make(chan error, 1)
	go func() { _, err := d.ReadContext(context.Background(), make([]byte, 1)); done <- err }()
	time.Sleep(150 * time.Millisecond)
	d.Close()
	select {
	case err := <-done:
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("got %v want ErrClosed", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("reader still blocked after Close")
	}
}

func TestStablePath(t *testing.T) {
	dir := t.TempDir()
	dev := filepath.Join(dir, "ttyUSB3")
	os.WriteFile(dev, nil, 0o600)
	byid := filepath.Join(dir, "by-id")
	os.Mkdir(byid, 0o755)
	os.Symlink(dev, filepath.Join(byid, "usb-Printer_58-if00"))
	if got := stablePathIn(byid, dev); got != filepath.Join(byid, "usb-Printer_58-if00") {
		t.Fatalf("got %s", got)
	}
	if got := stablePathIn(byid, filepath.Join(dir, "other")); got != filepath.Join(dir, "other") {
		t.Fatalf("unknown device mapped to %s", got)
	}
}

func TestPipe(t *testing.T) {
	a, b := Pipe()
	a.SetReadTimeout(30 * time.Millisecond)
	if _, err := a.Read(make([]byte, 1)); !errors.Is(err, ErrTimeout) {
		t.Fatalf("empty pipe: %v", err)
	}
	// Both ends write before either reads: must not deadlock.
	a.Write([]byte("ping"))
	b.Write([]byte("pong"))
	buf := make([]byte, 8)
	n, _ := b.ReadContext(context.Background(), buf)
	if string(buf[:n]) != "ping" {
		t.Fatalf("b got %q", buf[:n])
	}
	n, _ = a.ReadContext(context.Background(), buf)
	if string(buf[:n]) != "pong" {
		t.Fatalf("a got %q", buf[:n])
	}
	b.Close()
	if _, err := a.Read(buf); !errors.Is(err, ErrHangup) {
		t.Fatalf("after close: %v", err)
	}
	a.Reopen(context.Background())
	b.Write([]byte("x"))
	if n, err := a.Read(buf); err != nil || n != 1 {
		t.Fatalf("after reopen: %d %v", n, err)
	}
}

// Flush must drop stale input but never unsent output (a print job).
func TestFlushKeepsOutput(t *testing.T) {
	p, d := openPair(t)
	p.Master.Write([]byte("stale"))
	time.Sleep(20 * time.Millisecond)
	d.Write([]byte("job"))
	if err := d.Flush(); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 16)
	p.Master.SetReadDeadline(time.Now().Add(time.Second))
	n, err := p.Master.Read(b)
	if err != nil || string(b[:n]) != "job" {
		t.Fatalf("output after flush: %q %v", b[:n], err)
	}
	if n, err := d.Read(b); !errors.Is(err, ErrTimeout) {
		t.Fatalf("stale input survived flush: %q %v", b[:n], err)
	}
}
