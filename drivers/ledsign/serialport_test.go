package ledsign_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"hallq/drivers/ledsign"
	"hallq/drivers/ledsign/ledsigntest"
	"hallq/drivers/serialport"
	"hallq/internal/pty"
)

var _ ledsign.Port = (*serialport.Dev)(nil)

// TestOverSerialport runs the driver on the project's real port type (tarm
// serial on the pty slave), including a hang-up.
func TestOverSerialport(t *testing.T) {
	p, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	port, err := serialport.New(p.SlavePath, &serialport.Opts{Baud: 9600})
	if err != nil {
		t.Fatal(err)
	}
	defer port.Close()
	sign := ledsigntest.NewSign(3)
	bus := ledsigntest.NewBus(p.Master, sign)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- bus.Serve(ctx) }()
	o := ledsign.DefaultOpts
	o.Addr = 3
	dev, err := ledsign.New(port, &o)
	if err != nil {
		t.Fatal(err)
	}
	if err := dev.ShowCall(ctx, ledsign.Call{Ticket: "C005", Window: "7"}); err != nil {
		t.Fatal(err)
	}
	if got := sign.Screen().Text; got != "请C005号到7号窗口" {
		t.Fatalf("screen %q", got)
	}
	sign.SetFault(ledsigntest.Fault{Kind: ledsigntest.HangUp})
	c2, cancel2 := context.WithTimeout(ctx, 2*time.Second)
	defer cancel2()
	_, err = dev.Ping(c2)
	if !errors.Is(err, ledsign.ErrHangup) {
		t.Fatalf("after hang-up: %v", err)
	}
	if dev.Online() {
		t.Error("online after hang-up")
	}
	<-done
}
