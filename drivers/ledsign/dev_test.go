package ledsign_test

import (
	"context"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"hallq/drivers/ledsign"
	"hallq/drivers/ledsign/ledsigntest"
	"hallq/internal/pty"
)

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

type rig struct {
	dev   *ledsign.Dev
	bus   *ledsigntest.Bus
	signs []*ledsigntest.Sign
	clock *fakeClock
	slave *os.File
	done  chan error
}

// newRig starts emulated signs at addrs on a pty master and a Dev for the
// first address on the slave.
func newRig(t testing.TB, baud int, addrs ...uint8) *rig {
	t.Helper()
	p, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	slave, err := os.OpenFile(p.SlavePath, os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		p.Close()
		t.Fatal(err)
	}
	r := &rig{clock: &fakeClock{now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}, slave: slave, done: make(chan error, 1)}
	for _, a := range addrs {
		r.signs = append(r.signs, ledsigntest.NewSign(a))
	}
	master := p.Master
	r.bus = ledsigntest.NewBus(master, r.signs...)
	r.bus.Baud = baud
	ctx, cancel := context.WithCancel(context.Background())
	go func() { r.done <- r.bus.Serve(ctx) }()
	o := ledsign.DefaultOpts
	o.Addr = addrs[0]
	o.Clock = r.clock
	o.Name = "window 3"
	if r.dev, err = ledsign.New(slave, &o); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		master.Close()
		slave.Close()
		select {
		case <-r.done:
		case <-time.After(2 * time.Second):
			t.Error("emulator did not stop")
		}
	})
	return r
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestCommands(t *testing.T) {
	r := newRig(t, 0, 3)
	s := r.signs[0]
	in, err := r.dev.Ping(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if in.Model != "KWS-EMU-64x16" || in.Serial != s.Serial() {
		t.Errorf("ping = %+v", in)
	}
	if err := r.dev.SetIdle(ctx(t), ledsign.Text{Text: "欢迎光临"}); err != nil {
		t.Fatal(err)
	}
	if got := s.Screen().Text; got != "欢迎光临" {
		t.Errorf("idle screen %q", got)
	}
	if err := r.dev.ShowCall(ctx(t), ledsign.Call{Ticket: "A023", Window: "3", Blink: 3}); err != nil {
		t.Fatal(err)
	}
	sc := s.Screen()
	if sc.Text != "请A023号到3号窗口" || sc.Blink != 3 || sc.Shows != 1 {
		t.Errorf("after show call: %+v", sc)
	}
	if c, ok := r.dev.Current(); !ok || c.Ticket != "A023" {
		t.Errorf("Current = %+v %v", c, ok)
	}
	if err := r.dev.ShowText(ctx(t), ledsign.Text{Region: 1, Text: "暂停服务", Encoding: ledsign.UTF8}); err != nil {
		t.Fatal(err)
	}
	if got := s.Screen().Regions[1]; got != "暂停服务" {
		t.Errorf("region 1 = %q", got)
	}
	if err := r.dev.SetBrightness(ctx(t), 12); err != nil || s.Screen().Brightness != 12 {
		t.Errorf("brightness: %v %d", err, s.Screen().Brightness)
	}
	if err := r.dev.SetBrightness(ctx(t), 16); !errors.Is(err, ledsign.ErrParam) {
		t.Errorf("brightness 16: %v", err)
	}
	st, err := r.dev.Status(ctx(t))
	if err != nil || st.Status != ledsign.StatusOK {
		t.Errorf("status %+v %v", st, err)
	}
	if err := r.dev.Identify(ctx(t), 5); err != nil || !s.Screen().Identify {
		t.Errorf("identify: %v", err)
	}
	if err := r.dev.Clear(ctx(t), ledsign.RegionAll); err != nil {
		t.Fatal(err)
	}
	if sc := s.Screen(); sc.Regions[1] != "" || sc.Call != nil {
		t.Errorf("after clear %+v", sc)
	}
	if _, ok := r.dev.Current(); ok {
		t.Error("clear kept the current call")
	}
	if err := r.dev.SetAddress(ctx(t), s.Serial(), 9); err != nil {
		t.Fatal(err)
	}
	if err := r.dev.Reset(ctx(t)); err != nil {
		t.Fatalf("reset at new address: %v", err)
	}
	if s.Screen().Addr != 9 {
		t.Errorf("address %d", s.Screen().Addr)
	}
	if err := r.dev.SetAddress(ctx(t), [8]byte{'x'}, 10); err == nil {
		t.Error("set address with a foreign serial succeeded")
	}
	if err := r.dev.Halt(); err != nil {
		t.Fatal(err)
	}
}

func TestBroadcast(t *testing.T) {
	r := newRig(t, 0, 0, 4, 5) // a dev at address 0 and two signs
	s4 := ledsigntest.NewSign(4)
	r.bus.Add(s4)
	if err := r.dev.ShowText(ctx(t), ledsign.Text{Text: "系统维护"}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Second)
	for _, s := range r.signs[1:] {
		for s.Screen().Text != "系统维护" && time.Now().Before(deadline) {
			select {
			case <-s.Changed():
			case <-time.After(50 * time.Millisecond):
			}
		}
		if got := s.Screen().Text; got != "系统维护" {
			t.Errorf("sign %d shows %q", s.Screen().Addr, got)
		}
	}
}

func TestFaults(t *testing.T) {
	cases := []struct {
		name      string
		fault     ledsigntest.Fault
		wantErr   error
		requests  int // frames the sign saw
		online    bool
		wantShown bool
	}{
		{"silent", ledsigntest.Fault{Kind: ledsigntest.Silent}, ledsign.ErrNoReply, 3, false, true},
		{"silent once", ledsigntest.Fault{Kind: ledsigntest.Silent, Times: 1}, nil, 2, true, true},
		{"corrupt once", ledsigntest.Fault{Kind: ledsigntest.Corrupt, Times: 1}, nil, 2, true, true},
		{"corrupt always", ledsigntest.Fault{Kind: ledsigntest.Corrupt}, ledsign.ErrNoReply, 3, false, true},
		{"slow within wait", ledsigntest.Fault{Kind: ledsigntest.Slow, Delay: 60 * time.Millisecond}, nil, 1, true, true},
		{"slow beyond wait once", ledsigntest.Fault{Kind: ledsigntest.Slow, Delay: 250 * time.Millisecond, Times: 1}, nil, 1, true, true},
		{"garbage", ledsigntest.Fault{Kind: ledsigntest.Garbage}, nil, 1, true, true},
		{"split", ledsigntest.Fault{Kind: ledsigntest.Split}, nil, 1, true, true},
		{"nak", ledsigntest.Fault{Kind: ledsigntest.NAK, Status: ledsign.StatusBusy}, &ledsign.StatusError{}, 1, true, false},
		{"hang-up", ledsigntest.Fault{Kind: ledsigntest.HangUp}, ledsign.ErrHangup, 1, false, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newRig(t, 0, 3)
			s := r.signs[0]
			s.SetFault(c.fault)
			start := time.Now()
			err := r.dev.ShowCall(ctx(t), ledsign.Call{Ticket: "B107", Window: "12", Blink: 2})
			took := time.Since(start)
			var se *ledsign.StatusError
			switch want := c.wantErr.(type) {
			case nil:
				if err != nil {
					t.Fatalf("err = %v", err)
				}
			case *ledsign.StatusError:
				if !errors.As(err, &se) || se.Status != ledsign.StatusBusy {
					t.Fatalf("err = %v, want busy status", err)
				}
				if m := ledsign.Message(err); m != "显示屏忙，请稍后再试" {
					t.Errorf("Message = %q", m)
				}
			default:
				if !errors.Is(err, want) {
					t.Fatalf("err = %v, want %v", err, want)
				}
				if ledsign.Message(err) == "" {
					t.Error("no message for staff")
				}
			}
			if took > 5*time.Second { // a hang, not slowness under load
				t.Errorf("took %v", took)
			}
			if r.dev.Online() != c.online {
				t.Errorf("Online = %v, want %v", r.dev.Online(), c.online)
			}
			if c.name == "slow beyond wait once" {
				// The late reply to the first attempt answers the retry: the
				// sign then sees duplicates it must not act on.
				time.Sleep(100 * time.Millisecond)
			}
			sc := s.Screen()
			// Under load a reply can miss the 150 ms wait and the master
			// retries with the same SEQ: more requests are allowed, fewer not.
			if c.fault.Kind != ledsigntest.Slow && sc.Requests < c.requests {
				t.Errorf("sign saw %d requests, want at least %d", sc.Requests, c.requests)
			}
			if shown := sc.Text == "请B107号到12号窗口"; shown != c.wantShown {
				t.Errorf("screen %q, shown = %v want %v", sc.Text, shown, c.wantShown)
			}
			if c.wantShown && sc.Shows != 1 {
				t.Errorf("call acted on %d times; retries must be duplicates", sc.Shows)
			}
		})
	}
}

func TestBackOnline(t *testing.T) {
	r := newRig(t, 0, 3)
	s := r.signs[0]
	s.SetFault(ledsigntest.Fault{Kind: ledsigntest.Silent})
	if err := r.dev.ShowCall(ctx(t), ledsign.Call{Ticket: "A001", Window: "3"}); !errors.Is(err, ledsign.ErrNoReply) {
		t.Fatalf("err = %v", err)
	}
	if r.dev.Online() {
		t.Fatal("still online")
	}
	s.SetFault(ledsigntest.Fault{})
	s.PowerCycle()
	r.clock.Add(30 * time.Second)
	sent, err := r.dev.Refresh(ctx(t))
	if !sent || err != nil {
		t.Fatalf("refresh: %v %v", sent, err)
	}
	if !r.dev.Online() || s.Screen().Text != "请A001号到3号窗口" {
		t.Fatalf("online %v, screen %q", r.dev.Online(), s.Screen().Text)
	}
}

func TestRefresh(t *testing.T) {
	r := newRig(t, 0, 3)
	s := r.signs[0]
	if sent, _ := r.dev.Refresh(ctx(t)); sent {
		t.Fatal("refresh without a call sent something")
	}
	if err := r.dev.ShowCall(ctx(t), ledsign.Call{Ticket: "A001", Window: "3", Blink: 3, Hold: 90}); err != nil {
		t.Fatal(err)
	}
	s.PowerCycle()
	steps := []struct {
		advance time.Duration
		sent    bool
		text    string
		hold    uint16 // seconds left, sent with a refresh
	}{
		{29 * time.Second, false, "", 0},
		{1 * time.Second, true, "请A001号到3号窗口", 60},
		{10 * time.Second, false, "请A001号到3号窗口", 0},
		{20 * time.Second, true, "请A001号到3号窗口", 30},
		{30 * time.Second, false, "请A001号到3号窗口", 0}, // hold of 90 s over: dropped
	}
	for i, st := range steps {
		r.clock.Add(st.advance)
		sent, err := r.dev.Refresh(ctx(t))
		if err != nil || sent != st.sent {
			t.Fatalf("step %d: sent %v err %v, want sent %v", i, sent, err, st.sent)
		}
		sc := s.Screen()
		if sc.Text != st.text {
			t.Fatalf("step %d: screen %q, want %q", i, sc.Text, st.text)
		}
		if st.sent && (sc.Blink != 0 || sc.Call.Hold != st.hold) {
			t.Fatalf("step %d: refresh blinked %d / hold %d", i, sc.Blink, sc.Call.Hold)
		}
	}
	if _, ok := r.dev.Current(); ok {
		t.Error("expired call still current")
	}
}

func TestContextCancel(t *testing.T) {
	r := newRig(t, 0, 3)
	r.signs[0].SetFault(ledsigntest.Fault{Kind: ledsigntest.Silent})
	c, cancel := context.WithTimeout(context.Background(), 60*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := r.dev.ShowCall(c, ledsign.Call{Ticket: "A001", Window: "3"})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(start); d > 300*time.Millisecond {
		t.Fatalf("cancel noticed after %v", d)
	}
}

// BenchmarkShowCallRoundTrip measures SHOW_CALL request to OK reply over a
// real pty: "pty" with no line model, "9600" with the emulator waiting the
// air time of both frames at 9600 baud.
func BenchmarkShowCallRoundTrip(b *testing.B) {
	for _, baud := range []int{0, 9600} {
		name := "pty"
		if baud != 0 {
			name = "9600"
		}
		b.Run(name, func(b *testing.B) {
			r := newRig(b, baud, 3)
			c := ledsign.Call{Ticket: "A023", Window: "3", Blink: 3}
			ctx := context.Background()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := r.dev.ShowCall(ctx, c); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/call")
		})
	}
}

func TestRunRefreshes(t *testing.T) {
	r := newRig(t, 0, 3)
	s := r.signs[0]
	if err := r.dev.ShowCall(ctx(t), ledsign.Call{Ticket: "A009", Window: "3"}); err != nil {
		t.Fatal(err)
	}
	s.PowerCycle()
	c, cancel := context.WithCancel(ctx(t))
	done := make(chan struct{})
	go func() { r.dev.Run(c, 5*time.Millisecond); close(done) }()
	r.clock.Add(31 * time.Second)
	deadline := time.After(2 * time.Second)
	for s.Screen().Text != "请A009号到3号窗口" {
		select {
		case <-s.Changed():
		case <-time.After(20 * time.Millisecond):
		case <-deadline:
			t.Fatal("Run did not refresh the call")
		}
	}
	cancel()
	<-done
}
