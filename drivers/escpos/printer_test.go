package escpos_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"hallq/drivers/escpos"
	"hallq/drivers/escpos/escpostest"
	"hallq/drivers/serialport"
	"hallq/internal/pty"
)

type rig struct {
	dev    *escpos.Dev
	port   *serialport.Dev
	em     *escpostest.Emulator
	pair   *pty.Pair
	link   string
	ctx    context.Context
	wg     sync.WaitGroup
	runErr chan error
}

func newRig(t testing.TB, eo *escpostest.Opts, prof escpos.Profile) *rig {
	t.Helper()
	p, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{pair: p, link: filepath.Join(t.TempDir(), "usb-POS80_Printer-if00"), runErr: make(chan error, 4)}
	os.Symlink(p.SlavePath, r.link)
	ctx, cancel := context.WithCancel(context.Background())
	r.ctx = ctx
	r.em = escpostest.NewEmulator(p.Master, eo)
	r.start()
	r.port, err = serialport.New(r.link, &serialport.Opts{Baud: 9600, BackoffMin: 20 * time.Millisecond, BackoffMax: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	r.dev, err = escpos.New(r.port, &escpos.Opts{Profile: prof, ReplyTimeout: time.Second, ASB: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		r.wg.Wait()
		r.port.Close()
		r.pair.Close()
	})
	return r
}

func (r *rig) start() {
	r.wg.Add(1)
	go func() { defer r.wg.Done(); r.runErr <- r.em.Run(r.ctx) }()
}

func (r *rig) replug(t testing.TB) {
	r.pair.Close()
	p, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	r.pair = p
	os.Remove(r.link)
	os.Symlink(p.SlavePath, r.link)
	r.em.SetPort(p.Master)
	r.start()
}

func ticket(t testing.TB, p escpos.Profile, n string) []byte {
	b := escpos.NewBuilder(p, nil)
	b.Align(escpos.Center).Line("政务服务中心").Size(4, 4).Line(n).Size(1, 1).Line("前面还有 5 人等候")
	b.QR("https://hall.example.cn/t/"+n, 6, escpos.ECCM).Cut(3)
	out, err := b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func ctxT(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func TestPrintTicket(t *testing.T) {
	r := newRig(t, nil, escpos.Generic80)
	ctx := ctxT(t, 5*time.Second)
	job := ticket(t, escpos.Generic80, "A023")
	if err := r.dev.Print(ctx, job); err != nil {
		t.Fatal(err)
	}
	if err := r.em.WaitCuts(ctx, 1); err != nil {
		t.Fatal(err)
	}
	want, _ := escpos.Decode(job)
	if got := r.em.Tickets(); len(got) != 1 || got[0] != want {
		t.Fatalf("printed:\n%s\nwant:\n%s", strings.Join(got, "\n----\n"), want)
	}
	if st, ok := r.dev.Last(); !ok || st.Err() != nil {
		t.Fatalf("status %v", st)
	}
}

// The exact bytes the driver sends around a job: ESC @ and GS a at start,
// DLE EOT 1..4 before and after.
func TestDriverBytes(t *testing.T) {
	a, b := serialport.Pipe()
	go func() {
		buf := make([]byte, 256)
		for {
			n, err := b.ReadContext(context.Background(), buf)
			if err != nil {
				return
			}
			for i := 0; i < n; i++ {
				if buf[i] == 0x10 && i+1 < n && buf[i+1] == 0x04 {
					b.Write([]byte{0x12})
				}
			}
		}
	}()
	var sent bytes.Buffer
	tap := &tapPort{PipeEnd: a, w: &sent}
	d, err := escpos.New(tap, &escpos.Opts{Profile: escpos.Generic80, ASB: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Print(ctxT(t, 3*time.Second), []byte("hi\n")); err != nil {
		t.Fatal(err)
	}
	if err := d.Recover(context.Background()); err != nil {
		t.Fatal(err)
	}
	b.Close()
	want := "1B 40 1D 61 0E 10 04 01 10 04 02 10 04 03 10 04 04 68 69 0A 10 04 01 10 04 02 10 04 03 10 04 04 10 05 01"
	if got := fmt.Sprintf("% X", sent.Bytes()); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

type tapPort struct {
	*serialport.PipeEnd
	mu sync.Mutex
	w  *bytes.Buffer
}

func (p *tapPort) Write(b []byte) (int, error) {
	p.mu.Lock()
	p.w.Write(b)
	p.mu.Unlock()
	return p.PipeEnd.Write(b)
}

func TestPrinterFaults(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(em *escpostest.Emulator)
		want  error
		msg   string
	}{
		{"paper end", func(em *escpostest.Emulator) { em.SetPaper(escpostest.PaperOut) }, escpos.ErrPaperEnd, "打印纸用完，请联系工作人员"},
		{"cover open", func(em *escpostest.Emulator) { em.SetCoverOpen(true) }, escpos.ErrCoverOpen, "打印机盖未关好，请联系工作人员"},
		{"cutter", func(em *escpostest.Emulator) { em.SetCutterError(true) }, escpos.ErrCutter, "打印机切纸故障，请联系工作人员"},
		{"offline", func(em *escpostest.Emulator) { em.SetOffline(true) }, escpos.ErrOffline, "打印机未连接，请联系工作人员"},
		{"silent", func(em *escpostest.Emulator) { em.SetFault(escpostest.Fault{Kind: escpostest.Silent}) }, escpos.ErrOffline, "打印机未连接，请联系工作人员"},
		{"too slow", func(em *escpostest.Emulator) {
			em.SetFault(escpostest.Fault{Kind: escpostest.Slow, Delay: 1500 * time.Millisecond})
		}, escpos.ErrOffline, "打印机未连接，请联系工作人员"},
		{"slow but in time", func(em *escpostest.Emulator) {
			em.SetFault(escpostest.Fault{Kind: escpostest.Slow, Delay: 50 * time.Millisecond})
		}, nil, ""},
		{"near end", func(em *escpostest.Emulator) { em.SetPaper(escpostest.PaperNearEnd) }, nil, ""},
		{"runs out mid-job", func(em *escpostest.Emulator) { em.PaperOutAfter(2) }, escpos.ErrPaperEnd, "打印纸用完，请联系工作人员"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, nil, escpos.Generic80)
			tc.setup(r.em)
			start := time.Now()
			err := r.dev.Print(ctxT(t, 20*time.Second), ticket(t, escpos.Generic80, "B007"))
			if el := time.Since(start); el > 10*time.Second { // generous: the CI machine is shared
				t.Errorf("took %v", el)
			}
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				if err := r.em.WaitCuts(ctxT(t, 2*time.Second), 1); err != nil {
					t.Fatal("ticket not printed")
				}
				return
			}
			if !errors.Is(err, tc.want) || escpos.Message(err) != tc.msg {
				t.Fatalf("got %v (%q), want %v", err, escpos.Message(err), tc.want)
			}
			if tc.name != "runs out mid-job" && tc.name != "silent" && tc.name != "too slow" && len(r.em.Tickets()) != 0 {
				t.Fatal("printed into a printer that cannot print")
			}
		})
	}
}

func TestCutterRecover(t *testing.T) {
	r := newRig(t, nil, escpos.Generic80)
	r.em.SetCutterError(true)
	ctx := ctxT(t, 5*time.Second)
	if err := r.dev.Print(ctx, ticket(t, escpos.Generic80, "C001")); !errors.Is(err, escpos.ErrCutter) {
		t.Fatal(err)
	}
	if err := r.dev.Recover(ctx); err != nil {
		t.Fatal(err)
	}
	if err := r.dev.Print(ctx, ticket(t, escpos.Generic80, "C001")); err != nil {
		t.Fatalf("after recover: %v", err)
	}
}

func TestJobsSerialised(t *testing.T) {
	r := newRig(t, nil, escpos.Generic80Narrow)
	ctx := ctxT(t, 20*time.Second)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 2; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 3; i++ {
				errs <- r.dev.Print(ctx, ticket(t, escpos.Generic80Narrow, fmt.Sprintf("%c%03d", 'A'+g, i)))
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	r.em.WaitCuts(ctx, 6)
	tk := r.em.Tickets()
	if len(tk) != 6 {
		t.Fatalf("%d tickets", len(tk))
	}
	for _, s := range tk {
		// Each ticket is whole: one number, one QR, in order.
		if strings.Count(s, "[qr print") != 1 || strings.Count(s, "[init]") != 1 || strings.Count(s, "[cut") != 1 {
			t.Fatalf("interleaved ticket:\n%s", s)
		}
	}
}

func TestMonitor(t *testing.T) {
	r := newRig(t, nil, escpos.Generic80)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got := make(chan string, 16)
	done := make(chan error, 1)
	go func() {
		done <- r.dev.Monitor(ctx, 30*time.Millisecond, func(s escpos.Status, err error) {
			if err != nil {
				got <- "err:" + escpos.Message(err)
				return
			}
			got <- s.String()
		})
	}()
	want := func(s string) {
		t.Helper()
		select {
		case g := <-got:
			if g != s {
				t.Fatalf("status %q want %q", g, s)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no status %q", s)
		}
	}
	want("ok")
	r.em.SetPaper(escpostest.PaperNearEnd)
	want("paper-near-end")
	r.em.SetPaper(escpostest.PaperOut)
	want("offline,paper-end,paper-near-end")
	r.em.SetPaper(escpostest.PaperOK)
	want("ok")
	r.em.SetCoverOpen(true)
	want("offline,cover-open")
	r.em.SetCoverOpen(false)
	want("ok")
	// Unplugged and plugged back in.
	r.em.SetFault(escpostest.Fault{Kind: escpostest.Hangup, Count: 1})
	want("err:打印机未连接，请联系工作人员")
	if err := <-r.runErr; !errors.Is(err, escpostest.ErrHungUp) {
		t.Fatalf("emulator: %v", err)
	}
	r.replug(t)
	want("ok")
	cancel()
	<-done
	if err := r.dev.Print(ctxT(t, 5*time.Second), ticket(t, escpos.Generic80, "D009")); err != nil {
		t.Fatalf("print after replug: %v", err)
	}
}

// BenchmarkPrintTicket measures Print over a pty against the emulator
// (unpaced): status polls before and after plus the job.
func BenchmarkPrintTicket(b *testing.B) {
	r := newRig(b, nil, escpos.Generic80)
	job := ticket(b, escpos.Generic80, "A023")
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := r.dev.Print(ctx, job); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if err := r.em.WaitCuts(ctxT(b, 5*time.Second), b.N); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(len(job)), "bytes/job")
}

// With automatic status back a change arrives long before the next poll.
func TestMonitorASB(t *testing.T) {
	r := newRig(t, nil, escpos.Generic80)
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan string, 8)
	done := make(chan error, 1)
	go func() {
		done <- r.dev.Monitor(ctx, time.Hour, func(s escpos.Status, err error) { got <- s.String() })
	}()
	defer func() { cancel(); <-done }()
	if s := <-got; s != "ok" {
		t.Fatalf("first status %q", s)
	}
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	r.em.SetCoverOpen(true)
	select {
	case s := <-got:
		if s != "offline,cover-open" {
			t.Fatalf("status %q", s)
		}
		if el := time.Since(start); el > 5*time.Second { // loose: shared, throttled CI machine
			t.Fatalf("ASB took %v", el)
		}
	case <-time.After(8 * time.Second):
		t.Fatal("ASB change not reported")
	}
}
