package escpos_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"hallq/drivers/escpos"
	"hallq/drivers/escpos/escpostest"
	"hallq/drivers/serialport"
)

// refuser is what kiosk/internal/ticket looks for before any text match.
type refuser interface{ Refused() bool }

func checkJobError(t *testing.T, err error, refused bool, sent, size int, cause error) {
	t.Helper()
	var je *escpos.JobError
	if !errors.As(err, &je) {
		t.Fatalf("%v (%T) is not a *JobError", err, err)
	}
	if got := errors.Is(err, escpos.ErrRefused); got != refused {
		t.Errorf("errors.Is(ErrRefused) = %v, want %v: %v", got, refused, err)
	}
	var r refuser
	if !errors.As(err, &r) || r.Refused() != refused {
		t.Errorf("Refused() = %v, want %v", r != nil && r.Refused(), refused)
	}
	if sent >= 0 && je.Sent != sent {
		t.Errorf("Sent = %d, want %d", je.Sent, sent)
	}
	if je.Size != size {
		t.Errorf("Size = %d, want %d", je.Size, size)
	}
	if cause != nil && !errors.Is(err, cause) {
		t.Errorf("%v does not wrap %v", err, cause)
	}
	if !strings.HasPrefix(err.Error(), "escpos: print: ") {
		t.Errorf("message %q lacks the package prefix", err)
	}
	// Wrapped again by a caller, the marker survives.
	if w := errors.Join(errors.New("kiosk"), err); errors.Is(w, escpos.ErrRefused) != refused {
		t.Errorf("wrapped: errors.Is(ErrRefused) changed")
	}
}

// TestRefusedOnEmulator: a printer that cannot print refuses the job before
// any byte of it, and nothing comes out; paper running out mid-job is not a
// refusal, as the first part of the ticket is on paper.
func TestRefusedOnEmulator(t *testing.T) {
	for _, tc := range []struct {
		name    string
		setup   func(em *escpostest.Emulator)
		cause   error
		refused bool
		printed bool
	}{
		{"paper end", func(em *escpostest.Emulator) { em.SetPaper(escpostest.PaperOut) }, escpos.ErrPaperEnd, true, false},
		{"cover open", func(em *escpostest.Emulator) { em.SetCoverOpen(true) }, escpos.ErrCoverOpen, true, false},
		{"offline", func(em *escpostest.Emulator) { em.SetOffline(true) }, escpos.ErrOffline, true, false},
		{"silent", func(em *escpostest.Emulator) { em.SetFault(escpostest.Fault{Kind: escpostest.Silent}) }, escpos.ErrOffline, true, false},
		{"runs out mid-job", func(em *escpostest.Emulator) { em.PaperOutAfter(2) }, escpos.ErrPaperEnd, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, nil, escpos.Generic80)
			tc.setup(r.em)
			job := ticket(t, escpos.Generic80, "B007")
			err := r.dev.Print(ctxT(t, 10*time.Second), job)
			sent := 0
			if !tc.refused {
				sent = len(job)
			}
			checkJobError(t, err, tc.refused, sent, len(job), tc.cause)
			if got := r.em.Output(); tc.refused && strings.Contains(string(got), "B007") {
				t.Errorf("refused, yet the printer got the job")
			}
			if tc.printed && !strings.Contains(string(r.em.Output()), "B007") {
				t.Errorf("mid-job failure, but the job never reached the printer")
			}
		})
	}
}

// statusPrinter answers the first answers DLE EOT requests with "all
// well", then goes silent; it reads until the pipe closes.
func statusPrinter(b *serialport.PipeEnd, answers int) {
	buf := make([]byte, 256)
	var prev byte
	for {
		n, err := b.ReadContext(context.Background(), buf)
		if err != nil {
			return
		}
		for _, c := range buf[:n] {
			if prev == 0x10 && c == 0x04 && answers > 0 {
				answers--
				b.Write([]byte{0x12})
			}
			prev = c
		}
	}
}

// failPort accepts limit bytes in all, then fails every write with a
// hang-up, as an unplugged USB adapter does.
type failPort struct {
	*serialport.PipeEnd
	mu    sync.Mutex
	limit int
}

func (p *failPort) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := min(len(b), max(p.limit, 0))
	p.limit -= n
	if n > 0 {
		p.PipeEnd.Write(b[:n])
	}
	if n < len(b) {
		return n, serialport.ErrHangup
	}
	return n, nil
}

// TestRefusedOrPartial: where the job fails decides the marker. The port
// takes 5 bytes of init and 12 of status requests before the job.
func TestRefusedOrPartial(t *testing.T) {
	const pre = 5 + 12
	job := []byte(strings.Repeat("政务服务中心 A023\n", 20))
	for _, tc := range []struct {
		name    string
		limit   int // bytes the port takes in all
		answers int // status requests answered
		cancel  bool
		refused bool
		sent    int
		cause   error
	}{
		{"unplugged before the job", pre, 4, false, true, 0, serialport.ErrHangup},
		{"unplugged after 100 bytes", pre + 100, 4, false, false, 100, serialport.ErrHangup},
		{"unplugged after one chunk", pre + 64, 4, false, false, 64, serialport.ErrHangup},
		{"silent after the job", 1 << 20, 4, false, false, len(job), escpos.ErrOffline},
		{"silent before the job", 1 << 20, 0, false, true, 0, escpos.ErrOffline},
		{"cancelled before the job", 1 << 20, 4, true, true, 0, context.Canceled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := serialport.Pipe()
			defer b.Close()
			go statusPrinter(b, tc.answers)
			port := &failPort{PipeEnd: a, limit: tc.limit}
			d, err := escpos.New(port, &escpos.Opts{Profile: escpos.Generic80, ASB: true, Chunk: 64, ReplyTimeout: 200 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if tc.cancel {
				// Cancelled while the status is polled: the poll itself
				// fails with ctx's error, before the job.
				cancel()
			}
			err = d.Print(ctx, job)
			checkJobError(t, err, tc.refused, tc.sent, len(job), tc.cause)
		})
	}
}

// TestPrintOKHasNoJobError: a printed job returns nil, not a typed nil.
func TestPrintOKHasNoJobError(t *testing.T) {
	a, b := serialport.Pipe()
	defer b.Close()
	go statusPrinter(b, 8)
	d, err := escpos.New(a, &escpos.Opts{Profile: escpos.Generic80, ASB: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Print(ctxT(t, 3*time.Second), []byte("hi\n")); err != nil {
		t.Fatalf("%v", err)
	}
}
