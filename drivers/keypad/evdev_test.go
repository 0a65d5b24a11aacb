package keypad_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"hallq/drivers/keypad"
)

var update = flag.Bool("update", false, "rewrite testdata recordings")

// recording is what a 5-key USB evaluator sends for "press 非常满意, press
// 不满意" plus a typed-ahead F1, in the shape the kernel delivers it:
// MSC_SCAN, KEY press, SYN, then KEY release, SYN, with auto-repeat noise.
func recording() []byte {
	t0 := time.Unix(1767225600, 0) // 2026-01-01 00:00:00 UTC
	var b []byte
	add := func(ms int, typ, code uint16, val int32) {
		b = keypad.AppendInputEvent(b, keypad.InputEvent{Time: t0.Add(time.Duration(ms) * time.Millisecond), Type: typ, Code: code, Value: val}, keypad.EventSize64)
	}
	press := func(ms int, code uint16) {
		add(ms, 0x04, 0x04, 0x70000+int32(code)) // EV_MSC MSC_SCAN
		add(ms, keypad.EvKey, code, 1)
		add(ms, keypad.EvSyn, 0, 0)
		add(ms+300, keypad.EvKey, code, 2) // auto-repeat
		add(ms+300, keypad.EvSyn, 0, 0)
		add(ms+400, keypad.EvKey, code, 0)
		add(ms+400, keypad.EvSyn, 0, 0)
	}
	press(0, 6)     // KEY_5
	press(1000, 3)  // KEY_2
	press(2000, 99) // KEY_SYSRQ: not mapped
	press(3000, 59) // KEY_F1
	return b
}

func TestEvdevRecording(t *testing.T) {
	path := filepath.Join("testdata", "evaluator-5key.events")
	if *update {
		if err := os.WriteFile(path, recording(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, recording()) {
		t.Fatal("recording differs from the generator; run with -update")
	}
	keys := keypad.DigitRatings()
	keys[59] = keypad.Binding{Kind: keypad.KindCallNext, Digit: -1}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var unknown []error
	d := keypad.NewEvdev(f, path, &keypad.EvdevOpts{Keys: keys, Window: "5", EventSize: keypad.EventSize64,
		OnError: func(err error) { unknown = append(unknown, err) }})
	want := []struct {
		kind   keypad.Kind
		rating keypad.Rating
		at     time.Duration
	}{
		{keypad.KindRate, keypad.VerySatisfied, 0},
		{keypad.KindRate, keypad.Dissatisfied, time.Second},
		{keypad.KindCallNext, 0, 3 * time.Second},
	}
	t0 := time.Unix(1767225600, 0)
	for i, w := range want {
		e, err := d.Next(context.Background())
		if err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		if e.Kind != w.kind || e.Rating != w.rating || !e.Time.Equal(t0.Add(w.at)) || e.Window != "5" {
			t.Errorf("event %d = %+v", i, e)
		}
	}
	if _, err := d.Next(context.Background()); err != io.EOF {
		t.Errorf("end of recording: %v", err)
	}
	if len(unknown) != 1 || !errors.Is(unknown[0], keypad.ErrUnknownKey) {
		t.Errorf("unmapped keys reported: %v", unknown)
	}
}

func TestEvdevTruncatedRecording(t *testing.T) {
	rec := recording()
	d := keypad.NewEvdev(bytes.NewReader(rec[:3*keypad.EventSize64+10]), "cut", &keypad.EvdevOpts{Keys: keypad.DigitRatings(), EventSize: keypad.EventSize64})
	if _, err := d.Next(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Next(context.Background()); !errors.Is(err, keypad.ErrShortEvent) {
		t.Fatalf("err %v, want ErrShortEvent", err)
	}
}

// TestEvdevPipe feeds events through a pipe, as a live device delivers them
// in pieces, and checks that cancelling the context ends a waiting Next.
func TestEvdevPipe(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	d := keypad.NewEvdev(r, "pipe", &keypad.EvdevOpts{Keys: keypad.OrderedRatings([5]uint16{59, 60, 61, 62, 63}), EventSize: keypad.EventSize64})
	rec := keypad.AppendInputEvent(nil, keypad.InputEvent{Type: keypad.EvKey, Code: 63, Value: 1}, keypad.EventSize64)
	go func() {
		w.Write(rec[:5])
		time.Sleep(10 * time.Millisecond)
		w.Write(rec[5:])
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	e, err := d.Next(ctx)
	if err != nil || e.Rating != keypad.VeryDissatisfied || e.Time.IsZero() {
		t.Fatalf("event %+v %v", e, err)
	}
	short, cancel2 := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel2()
	start := time.Now()
	if _, err := d.Next(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v", err)
	}
	if took := time.Since(start); took > 500*time.Millisecond {
		t.Errorf("cancel took %v", took)
	}
}

func TestEvdevGrabNonDevice(t *testing.T) {
	path := filepath.Join(t.TempDir(), "not-an-input-device")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := keypad.OpenEvdev(path, &keypad.EvdevOpts{Grab: true})
	if !errors.Is(err, keypad.ErrGrab) {
		t.Fatalf("err %v, want ErrGrab", err)
	}
	if keypad.Message(err) == "" {
		t.Error("no message")
	}
}

// BenchmarkEvdevLatency measures a key event written to a pipe until Next
// returns it.
func BenchmarkEvdevLatency(b *testing.B) {
	r, w, err := os.Pipe()
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	d := keypad.NewEvdev(r, "pipe", &keypad.EvdevOpts{Keys: keypad.DigitRatings(), EventSize: keypad.EventSize64})
	rec := keypad.AppendInputEvent(nil, keypad.InputEvent{Type: keypad.EvKey, Code: 6, Value: 1}, keypad.EventSize64)
	rec = keypad.AppendInputEvent(rec, keypad.InputEvent{Type: keypad.EvSyn}, keypad.EventSize64)
	ctx := context.Background()
	var total time.Duration
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if _, err := w.Write(rec); err != nil {
			b.Fatal(err)
		}
		if _, err := d.Next(ctx); err != nil {
			b.Fatal(err)
		}
		total += time.Since(start)
	}
	b.ReportMetric(float64(total.Microseconds())/float64(b.N), "µs/event")
}
