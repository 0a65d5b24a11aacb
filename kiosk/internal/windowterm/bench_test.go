package windowterm_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"hallq/controller/controllertest"
	"hallq/drivers/keypad"
	"hallq/drivers/keypad/keypadtest"
	"hallq/drivers/ledsign"
	"hallq/drivers/ledsign/ledsigntest"
	"hallq/drivers/serialport"
	"hallq/kiosk/internal/link"
	"hallq/kiosk/internal/windowterm"
)

// line is one direction of a serial line at a real baud rate: bytes
// written reach the other end after their air time (10 bits a byte, 8N1),
// one chunk after the other as on a wire. Write does not block, as a UART
// write into the kernel's buffer does not.
type line struct {
	dst     *serialport.PipeEnd
	baud    int
	mu      sync.Mutex
	busy    time.Time
	q       chan chunk
	deliver func(b []byte, sent, at time.Time)
}

type chunk struct {
	b         []byte
	sent, due time.Time
}

func newLine(dst *serialport.PipeEnd, baud int, deliver func(b []byte, sent, at time.Time)) *line {
	l := &line{dst: dst, baud: baud, q: make(chan chunk, 256), deliver: deliver}
	go func() {
		for c := range l.q {
			time.Sleep(time.Until(c.due))
			l.dst.Write(c.b)
			if l.deliver != nil {
				l.deliver(c.b, c.sent, time.Now())
			}
		}
	}()
	return l
}

func (l *line) air(n int) time.Duration {
	return time.Duration(n) * 10 * time.Second / time.Duration(l.baud)
}

func (l *line) Write(b []byte) (int, error) {
	now := time.Now()
	l.mu.Lock()
	start := now
	if l.busy.After(now) {
		start = l.busy
	}
	l.busy = start.Add(l.air(len(b)))
	due := l.busy
	l.mu.Unlock()
	l.q <- chunk{b: append([]byte(nil), b...), sent: now, due: due}
	return len(b), nil
}

// hostPort is the driver's end: reads time out with serialport.ErrTimeout
// like the real port, writes go through the line.
type hostPort struct {
	in  *serialport.PipeEnd
	out *line
}

func (p *hostPort) Read(b []byte) (int, error)  { return p.in.Read(b) }
func (p *hostPort) Write(b []byte) (int, error) { return p.out.Write(b) }

// emuPort is the emulator's end, with read deadlines as on a pty master.
type emuPort struct {
	in  *serialport.PipeEnd
	out *line
	mu  sync.Mutex
	dl  time.Time
}

func (p *emuPort) SetReadDeadline(t time.Time) error {
	p.mu.Lock()
	p.dl = t
	p.mu.Unlock()
	return nil
}
func (p *emuPort) Write(b []byte) (int, error) { return p.out.Write(b) }
func (p *emuPort) Read(b []byte) (int, error) {
	p.mu.Lock()
	dl := p.dl
	p.mu.Unlock()
	ctx, cancel := context.WithDeadline(context.Background(), dl)
	defer cancel()
	n, err := p.in.ReadContext(ctx, b)
	if errors.Is(err, context.DeadlineExceeded) {
		return 0, os.ErrDeadlineExceeded
	}
	return n, err
}

// benchWindow is one window's devices and the times of its last press.
type benchWindow struct {
	id    string
	keys  *keypadtest.Bus
	mu    sync.Mutex
	armed bool
	press time.Time // the caller starts sending
	got   time.Time // the frame is complete at the terminal
	leave time.Time // SHOW_CALL handed to the sign's line
	shown time.Time // SHOW_CALL complete at the sign
	done  chan struct{}
}

func benchHallYAML(windows int) string {
	var b strings.Builder
	b.WriteString(`hall:
  name: "bench hall"
  services:
    - {id: social, name: "社保医保", prefix: A, first: 1, last: 9999, expected_minutes: 8}
  windows:
`)
	for i := 1; i <= windows; i++ {
		fmt.Fprintf(&b, "    - {id: \"%d\", name: \"%d号窗口\", services: [social]}\n", i, i)
	}
	b.WriteString(`  hours: {timezone: Asia/Shanghai, issue_from: "00:00", issue_until: "24:00", close: "24:00"}
tokens: []
`)
	return b.String()
}

// BenchmarkButtonToSign: 50 windows press call-next at once; each press
// goes over a 9600 baud caller line to its terminal, through the real
// controller (finish the previous ticket, call the next: two commits) and
// out over a 9600 baud line to the window's KWS/1 sign. Reported:
// p50/p99 from the keypad frame complete at the terminal to the SHOW_CALL
// frame leaving for the sign (the terminal and the controller), p50/p99
// from the first bit of the key press to the last bit of SHOW_CALL at the
// sign, and the share of the latter spent on the two serial lines.
func BenchmarkButtonToSign(b *testing.B) {
	const windows, baud = 50, 9600
	ctl := controllertest.Start(b, &controllertest.Options{ConfigYAML: benchHallYAML(windows)})
	admin, err := link.New(ctl.URL, ctl.Token, nil)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	go1 := func(f func(context.Context) error) {
		wg.Add(1)
		go func() { defer wg.Done(); f(ctx) }()
	}
	ws := make([]*benchWindow, windows)
	for i := range ws {
		w := &benchWindow{id: fmt.Sprint(i + 1), done: make(chan struct{}, 1)}
		ws[i] = w
		if err := admin.Do(ctx, http.MethodPost, "/api/v1/windows/"+w.id+"/login",
			map[string]string{"request_id": link.NewRequestID(), "staff": "S" + w.id}, nil); err != nil {
			b.Fatal(err)
		}
		// Caller line: keypad (emulator) <-> terminal.
		kh, ke := serialport.Pipe()
		toHost := newLine(ke, baud, func(_ []byte, _, at time.Time) {
			w.mu.Lock()
			if w.armed && w.got.IsZero() {
				w.got = at
			}
			w.mu.Unlock()
		})
		toKeys := newLine(kh, baud, nil)
		w.keys = keypadtest.NewBus(&emuPort{in: ke, out: toHost})
		// One retransmission, inside the bus's 300 ms duplicate window, so
		// a slow echo on a loaded machine never makes a second press.
		w.keys.EchoWait, w.keys.Retries = 250*time.Millisecond, 1
		bus := keypad.NewBus(&hostPort{in: kh, out: toKeys}, &keypad.BusOpts{Windows: map[uint8]string{uint8(i + 1): w.id}})
		// Sign line: terminal <-> sign (emulator).
		sh, se := serialport.Pipe()
		toSign := newLine(sh, baud, func(p []byte, sent, at time.Time) {
			if len(p) < 7 || ledsign.Cmd(p[6]) != ledsign.CmdShowCall {
				return
			}
			w.mu.Lock()
			if w.armed && w.shown.IsZero() {
				w.leave, w.shown = sent, at
				select {
				case w.done <- struct{}{}:
				default:
				}
			}
			w.mu.Unlock()
		})
		toTerm := newLine(se, baud, nil)
		sign, err := ledsign.New(&hostPort{in: sh, out: toSign}, &ledsign.Opts{Addr: uint8(i + 1), Baud: baud})
		if err != nil {
			b.Fatal(err)
		}
		dev, err := link.New(ctl.URL, ctl.Token, nil)
		if err != nil {
			b.Fatal(err)
		}
		term, err := windowterm.New(dev, sign, []keypad.Source{bus}, &windowterm.Options{Window: w.id, Debounce: 50 * time.Millisecond})
		if err != nil {
			b.Fatal(err)
		}
		go1(w.keys.Serve)
		go1(ledsigntest.NewBus(&emuPort{in: se, out: toTerm}, ledsigntest.NewSign(uint8(i+1))).Serve)
		go1(term.Run)
	}
	time.Sleep(500 * time.Millisecond) // terminals synced, idle texts shown
	var inner, e2e, share []float64
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		for range windows {
			if err := admin.Do(ctx, http.MethodPost, "/api/v1/tickets", map[string]string{"request_id": link.NewRequestID(), "service": "social"}, nil); err != nil {
				b.Fatal(err)
			}
		}
		time.Sleep(350 * time.Millisecond) // the bus takes one frame twice within 300 ms as a retransmission
		for _, w := range ws {
			w.mu.Lock()
			w.armed, w.got, w.leave, w.shown = true, time.Time{}, time.Time{}, time.Time{}
			w.mu.Unlock()
			select {
			case <-w.done:
			default:
			}
		}
		b.StartTimer()
		var pwg sync.WaitGroup
		for i, w := range ws {
			pwg.Add(1)
			go func() {
				defer pwg.Done()
				w.mu.Lock()
				w.press = time.Now()
				w.mu.Unlock()
				pctx, pcancel := context.WithTimeout(ctx, 5*time.Second)
				defer pcancel()
				// A missing echo is not fatal: the press may still have
				// arrived; the sign tells.
				_ = w.keys.Press(pctx, uint8(i+1), keypad.KeyCallNext)
				select {
				case <-w.done:
				case <-pctx.Done():
					b.Errorf("window %s: no SHOW_CALL within 5 s", w.id)
				}
			}()
		}
		pwg.Wait()
		b.StopTimer()
		for _, w := range ws {
			w.mu.Lock()
			if !w.shown.IsZero() && !w.got.IsZero() {
				total := w.shown.Sub(w.press)
				inner = append(inner, ms(w.leave.Sub(w.got)))
				e2e = append(e2e, ms(total))
				share = append(share, float64(w.got.Sub(w.press)+w.shown.Sub(w.leave))/float64(total))
			}
			w.armed = false
			w.mu.Unlock()
		}
		b.StartTimer()
	}
	b.StopTimer()
	if len(inner) == 0 {
		b.Fatal("no samples")
	}
	b.ReportMetric(pct(inner, 50), "p50-ms")
	b.ReportMetric(pct(inner, 99), "p99-ms")
	b.ReportMetric(pct(e2e, 50), "e2e-p50-ms")
	b.ReportMetric(pct(e2e, 99), "e2e-p99-ms")
	b.ReportMetric(pct(share, 50), "serial-share")
	b.ReportMetric(0, "ns/op")
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func pct(v []float64, p int) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	return s[max(min(i, len(s))-1, 0)]
}
