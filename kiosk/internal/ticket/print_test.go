package ticket_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"hallq/drivers/escpos"
	"hallq/drivers/escpos/escpostest"
	"hallq/drivers/serialport"
	"hallq/kiosk/internal/kioskapp/kioskapptest"
	"hallq/kiosk/internal/ticket"
)

func printer(t *testing.T) (*escpos.Dev, *escpostest.Emulator) {
	t.Helper()
	devs, err := kioskapptest.Start(nil)
	if err != nil {
		t.Fatal(err)
	}
	port, err := serialport.New(devs.PrinterPath, &serialport.Opts{Baud: 115200})
	if err != nil {
		devs.Close()
		t.Fatal(err)
	}
	dev, err := escpos.New(port, &escpos.Opts{Profile: escpos.Generic80, ReplyTimeout: 500 * time.Millisecond, ASB: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dev.Halt(); devs.Close() })
	return dev, devs.Printer
}

// Through the real driver and the emulated printer on a pty: a healthy
// printer prints the ticket; paper end, an open cover and a switched-off
// printer refuse before a byte is sent, with the Chinese message and the
// device status problem.
func TestPrintThroughEmulator(t *testing.T) {
	dev, em := printer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	l, _ := ticket.LayoutFor("80mm")
	d := sample()
	job, err := ticket.Build(&d, l, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ticket.Check(ctx, dev); err != nil {
		t.Fatalf("check: %v", err)
	}
	if err := ticket.Print(ctx, dev, job); err != nil {
		t.Fatalf("print: %v", err)
	}
	if err := em.WaitCuts(ctx, 1); err != nil {
		t.Fatal(err)
	}
	got := em.Tickets()
	if len(got) != 1 || !strings.Contains(got[0], "A023") || !strings.Contains(got[0], "社保医保") {
		t.Fatalf("printed %q", got)
	}

	for _, tc := range []struct {
		name    string
		set     func(bool)
		want    error
		problem string
		msg     string
	}{
		{"paper end", func(on bool) {
			if on {
				em.SetPaper(escpostest.PaperOut)
			} else {
				em.SetPaper(escpostest.PaperOK)
			}
		}, escpos.ErrPaperEnd, "printer_paper_end", "打印纸用完，请联系工作人员"},
		{"cover open", em.SetCoverOpen, escpos.ErrCoverOpen, "printer_cover_open", "打印机盖未关好，请联系工作人员"},
		{"switched off", func(on bool) {
			if on {
				em.SetFault(escpostest.Fault{Kind: escpostest.Silent})
			} else {
				em.SetFault(escpostest.Fault{})
			}
		}, escpos.ErrOffline, "printer_offline", "打印机未连接，请联系工作人员"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.set(true)
			defer tc.set(false)
			st, err := ticket.Check(ctx, dev)
			if !errors.Is(err, ticket.ErrCannotPrint) || !errors.Is(err, tc.want) {
				t.Fatalf("check: %v", err)
			}
			if p := ticket.Problems(st, err); !slices.Contains(p, tc.problem) {
				t.Errorf("problems %v lack %s", p, tc.problem)
			}
			before := len(em.Tickets())
			err = ticket.Print(ctx, dev, job)
			if !errors.Is(err, ticket.ErrCannotPrint) || !errors.Is(err, tc.want) {
				t.Fatalf("print: %v", err)
			}
			if m := ticket.Message(err); m != tc.msg {
				t.Errorf("message %q, want %q", m, tc.msg)
			}
			if len(em.Tickets()) != before {
				t.Error("a ticket was printed into a printer that cannot print")
			}
		})
	}
}

// Paper that runs out in the middle of the ticket is not "nothing sent":
// the kiosk must not print the ticket again.
func TestPrintPaperOutMidJob(t *testing.T) {
	dev, em := printer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	l, _ := ticket.LayoutFor("80mm")
	d := sample()
	job, _ := ticket.Build(&d, l, nil)
	em.PaperOutAfter(3)
	err := ticket.Print(ctx, dev, job)
	if err == nil || errors.Is(err, ticket.ErrCannotPrint) || !errors.Is(err, escpos.ErrPaperEnd) {
		t.Fatalf("err = %v, want a mid-job paper end", err)
	}
}

func TestProblems(t *testing.T) {
	for _, tc := range []struct {
		st   escpos.Status
		err  error
		want []string
	}{
		{escpos.Status{}, nil, nil},
		{escpos.Status{PaperNearEnd: true}, nil, []string{"printer_paper_near_end"}},
		{escpos.Status{Offline: true, PaperEnd: true, PaperNearEnd: true}, nil, []string{"printer_paper_end"}},
		{escpos.Status{Offline: true, CoverOpen: true}, nil, []string{"printer_cover_open"}},
		{escpos.Status{Offline: true}, escpos.ErrOffline, []string{"printer_offline"}},
		{escpos.Status{CutterError: true, Unrecoverable: true}, nil, []string{"printer_cutter_error"}},
	} {
		if got := ticket.Problems(tc.st, tc.err); !slices.Equal(got, tc.want) {
			t.Errorf("Problems(%v, %v) = %v, want %v", tc.st, tc.err, got, tc.want)
		}
	}
}
