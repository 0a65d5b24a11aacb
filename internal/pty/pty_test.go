package pty

import (
	"bytes"
	"io"
	"os"
	"testing"
	"time"
)

func TestBinaryRoundTrip(t *testing.T) {
	p, err := Open()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	s, err := os.OpenFile(p.SlavePath, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// Bytes a cooked tty would mangle: CR, LF, DEL, ^C, ^S, 0xFF.
	want := []byte{0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x0d, 0x0a, 0x7f, 0x03, 0x13, 0xff, 0x00}
	if _, err := p.Master.Write(want); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(want))
	done := make(chan error, 1)
	go func() { _, err := io.ReadFull(s, got); done <- err }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("read timed out")
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("slave read % x, want % x", got, want)
	}
}

// The master must stay non-blocking so read deadlines work: an emulator
// that goes silent is detected, not hung.
func TestMasterHonoursDeadlines(t *testing.T) {
	p, err := Open()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	p.Master.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	done := make(chan error, 1)
	go func() { _, err := p.Master.Read(make([]byte, 1)); done <- err }()
	select {
	case err := <-done:
		if !os.IsTimeout(err) {
			t.Fatalf("read returned %v, want a timeout", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("read deadline ignored: the master is in blocking mode")
	}
}
