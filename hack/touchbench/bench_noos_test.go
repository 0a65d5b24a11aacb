//go:build noos

package touchbench

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"

	"hallq/drivers/screen"
	"hallq/drivers/screen/fbdev"
	"hallq/drivers/screen/touch"
	kioskui "hallq/ui/kiosk"
	"hallq/ui/theme"
)

func evdev(events ...touch.InputEvent) []byte {
	var b []byte
	for _, e := range events {
		b = touch.AppendEvent(b, e)
	}
	return b
}

// raw touch panel range
const maxRaw = 4095

func down(x, y float32) []byte {
	return evdev(
		touch.InputEvent{Type: touch.EvAbs, Code: touch.AbsMTTrackingID, Value: 7},
		touch.InputEvent{Type: touch.EvAbs, Code: touch.AbsMTPositionX, Value: int32(x * maxRaw)},
		touch.InputEvent{Type: touch.EvAbs, Code: touch.AbsMTPositionY, Value: int32(y * maxRaw)},
		touch.InputEvent{Type: touch.EvSyn, Code: touch.SynReport},
	)
}

func up() []byte {
	return evdev(
		touch.InputEvent{Type: touch.EvAbs, Code: touch.AbsMTTrackingID, Value: -1},
		touch.InputEvent{Type: touch.EvSyn, Code: touch.SynReport},
	)
}

func menuView() kioskui.View {
	names := []kioskui.T{kioskui.Text("户籍办理", "Household registration"), kioskui.Text("社保医保", "Social insurance"), kioskui.Text("税务", "Tax"),
		kioskui.Text("企业开办", "Business start-up"), kioskui.Text("车驾管", "Vehicles and licences"), kioskui.Text("不动产登记", "Real estate"),
		kioskui.Text("公积金", "Housing fund"), kioskui.Text("出入境", "Exit and entry"), kioskui.Text("民政婚姻", "Civil affairs"),
		kioskui.Text("医保报销", "Medical claims"), kioskui.Text("人才服务", "Talent services"), kioskui.Text("综合咨询", "Enquiries")}
	items := make([]kioskui.MenuItem, len(names))
	for i, n := range names {
		items[i] = kioskui.MenuItem{ID: fmt.Sprint("svc", i), Name: n, Waiting: i * 3}
	}
	items[4].Disabled, items[4].Reason = true, kioskui.Text("暂停取号", "Paused")
	return kioskui.View{Screen: kioskui.ScreenMenu, Hall: kioskui.Text("市民服务中心", "Citizen Service Centre"), Clock: "10:24",
		Menu: kioskui.MenuView{Greeting: "张*三", Items: items}}
}

func channelView() kioskui.View {
	v := menuView()
	v.Screen = kioskui.ScreenChannel
	v.Channel = kioskui.ChannelView{Service: kioskui.Text("户籍办理", "Household registration"), CanGoBack: true,
		Options: []kioskui.ChannelOption{
			{ID: kioskui.ChannelNormal, Name: kioskui.Text("普通", "Normal"), Enabled: true},
			{ID: kioskui.ChannelLove, Name: kioskui.Text("爱心通道", "Priority (elderly)"), Enabled: true, Suggested: true},
			{ID: "veteran", Name: kioskui.Text("军人优先", "Service members"), Enabled: true, Unverified: true},
			{ID: kioskui.ChannelGreen, Name: kioskui.Text("绿色通道", "Green channel"), Reason: kioskui.Text("需授权", "Staff only")},
		}}
	return v
}

// rig is a kiosk UI running on fyne's embedded driver through
// drivers/screen, drawing to a framebuffer file.
type rig struct {
	d      *screen.Driver
	u      *kioskui.UI
	onMenu bool // which screen is shown: the menu or the channels
	pw     *os.File
	w, h   int
	mu     sync.Mutex
	frames []time.Time
	acts   chan timedAction
}

type timedAction struct {
	act kioskui.Action
	at  time.Time
}

func newRig(tb testing.TB, w, h int, opts *screen.Opts) (*rig, fyne.Window) {
	fbPath := filepath.Join(tb.TempDir(), "fb0")
	if err := os.WriteFile(fbPath, nil, 0o600); err != nil {
		tb.Fatal(err)
	}
	fb, err := fbdev.New(fbPath, &fbdev.Opts{Mode: &fbdev.Mode{Width: w, Height: h, Format: fbdev.XRGB8888}})
	if err != nil {
		tb.Fatal(err)
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		tb.Fatal(err)
	}
	td, err := touch.NewReader(pr, &touch.Opts{Width: w, Height: h, Calibration: touch.Calibration{MaxX: maxRaw, MaxY: maxRaw}})
	if err != nil {
		tb.Fatal(err)
	}
	r := &rig{pw: pw, w: w, h: h, acts: make(chan timedAction, 16)}
	r.d = screen.New(fb, opts, closer{td, pr})
	r.d.OnFrame(func() {
		r.mu.Lock()
		r.frames = append(r.frames, time.Now())
		r.mu.Unlock()
	})
	// Lay the screens out for the size fyne paints.
	th, err := theme.New(&theme.Opts{BaseText: theme.BaseTextFor(int(r.d.ScreenSize().Height))})
	if err != nil {
		tb.Skip("no CJK font: ", err)
	}
	a := screen.NewApp(r.d)
	win := a.NewWindow("kiosk")
	win.SetPadded(false)
	u := kioskui.New(th)
	r.u, r.onMenu = u, true
	menu, channel := menuView(), channelView()
	u.OnAction(func(act kioskui.Action) {
		// What the kiosk's flow does on fyne's goroutine: answer a tap
		// with the next screen, so the frame after the lift shows it.
		switch act.(type) {
		case kioskui.ChooseService:
			u.Show(channel)
		case kioskui.ChooseChannel:
			u.Show(menu)
		}
		select {
		case r.acts <- timedAction{act, time.Now()}:
		default:
		}
	})
	u.Show(menu)
	win.SetContent(u.Content())
	return r, win
}

type closer struct {
	*touch.Dev
	r *os.File
}

func (c closer) Close() error { c.r.Close(); return c.Dev.Close() }

func (r *rig) count() int { r.mu.Lock(); defer r.mu.Unlock(); return len(r.frames) }

// frame waits for frame n (1-based) and returns when it was drawn.
func (r *rig) frame(n int) (time.Time, bool) {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Microsecond) {
		r.mu.Lock()
		if len(r.frames) >= n {
			t := r.frames[n-1]
			r.mu.Unlock()
			return t, true
		}
		r.mu.Unlock()
	}
	return time.Time{}, false
}

// settle waits until no frame has come for 30 ms.
func (r *rig) settle() {
	r.frame(1)
	for n := r.count(); ; n = r.count() {
		time.Sleep(30 * time.Millisecond)
		if r.count() == n {
			return
		}
	}
}

// tap touches the first menu button (or, on the channel screen, the
// normal channel) and returns the time from the touch's bytes to the first
// frame drawn after them (the pressed button), and from the lift's bytes to
// the first frame drawn after the tap's handler showed the next screen.
// act is nil when fyne took the touch for a long press (over 300 ms from
// touch to lift handled, which happens when other work starves the
// machine): the screen did not change.
func (r *rig) tap() (press, next time.Duration, act kioskui.Action, err error) {
	var target kioskui.Action = kioskui.ChooseService{ID: "svc0"}
	if !r.onMenu {
		target = kioskui.ChooseChannel{ID: kioskui.ChannelNormal}
	}
	var pos fyne.Position
	var found bool
	fyne.DoAndWait(func() { pos, found = r.u.Locate(target) })
	if !found {
		return 0, 0, nil, fmt.Errorf("no button for %#v on the screen", target)
	}
	sz := r.d.ScreenSize()
	n := r.count()
	t0 := time.Now()
	if _, err := r.pw.Write(down(pos.X/sz.Width, pos.Y/sz.Height)); err != nil {
		return 0, 0, nil, err
	}
	f1, ok := r.frame(n + 1)
	if !ok {
		return 0, 0, nil, fmt.Errorf("no frame after touch down")
	}
	t1 := time.Now()
	if _, err := r.pw.Write(up()); err != nil {
		return 0, 0, nil, err
	}
	var at time.Time
	select {
	case ta := <-r.acts:
		act, at = ta.act, ta.at
		r.onMenu = !r.onMenu
	case <-time.After(time.Second):
	}
	if act != nil {
		f2, ok := r.frameAfter(at)
		if !ok {
			return 0, 0, nil, fmt.Errorf("no frame after the tap")
		}
		next = f2.Sub(t1)
	}
	r.settle()
	return f1.Sub(t0), next, act, nil
}

// frameAfter waits for the first frame drawn after t.
func (r *rig) frameAfter(t time.Time) (time.Time, bool) {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Microsecond) {
		r.mu.Lock()
		for _, f := range r.frames {
			if f.After(t) {
				r.mu.Unlock()
				return f, true
			}
		}
		r.mu.Unlock()
	}
	return time.Time{}, false
}

// tapOK is tap, retried when fyne saw a long press.
func (r *rig) tapOK() (kioskui.Action, error) {
	for range 3 {
		_, _, act, err := r.tap()
		if err != nil || act != nil {
			return act, err
		}
	}
	return nil, fmt.Errorf("three taps reached no button")
}

// TestKioskMenuTap proves the rig measures what it claims: a touch on the
// menu's first button draws a frame and chooses that service, and the next
// tap on the channel screen chooses a channel.
func TestKioskMenuTap(t *testing.T) {
	r, win := newRig(t, 1280, 800, nil)
	errc := make(chan error, 1)
	go func() {
		defer r.d.Close()
		r.settle()
		act, err := r.tapOK()
		if err == nil {
			if a, ok := act.(kioskui.ChooseService); !ok || a.ID != "svc0" {
				err = fmt.Errorf("first tap: %#v, want ChooseService{svc0}", act)
			}
		}
		if err == nil {
			act, err = r.tapOK()
			if _, ok := act.(kioskui.ChooseChannel); err == nil && !ok {
				err = fmt.Errorf("second tap: %#v, want ChooseChannel", act)
			}
		}
		errc <- err
	}()
	win.ShowAndRun()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if err := r.d.Err(); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkTouchToFrame: touch down to the pressed frame in the
// framebuffer, and lift to the frame showing the next screen (menu and
// channel screens alternate), at kiosk resolutions. Reported as medians
// and 90th percentiles over the b.N taps.
//
// The variants are the screen driver's render scales: native (fyne paints
// every display pixel), 1.5 and 2 (fyne paints a smaller canvas that is
// scaled up, nearest pixel), and 1.5 smooth (bilinear).
func BenchmarkTouchToFrame(b *testing.B) {
	for _, sz := range [][2]int{{1920, 1080}, {1280, 800}} {
		for _, o := range []struct {
			name string
			opts screen.Opts
		}{
			{"native", screen.Opts{}},
			{"scale1.5", screen.Opts{RenderScale: 1.5}},
			{"scale1.5smooth", screen.Opts{RenderScale: 1.5, Smooth: true}},
			{"scale2", screen.Opts{RenderScale: 2}},
		} {
			b.Run(fmt.Sprintf("%dx%d/%s", sz[0], sz[1], o.name), func(b *testing.B) { benchTaps(b, sz[0], sz[1], &o.opts) })
		}
	}
}

func benchTaps(b *testing.B, w, h int, opts *screen.Opts) {
	r, win := newRig(b, w, h, opts)
	go func() {
		defer r.d.Close()
		r.settle()
		for i := 0; i < 2; i++ { // warm caches: fonts, glyphs, both screens
			if _, err := r.tapOK(); err != nil {
				b.Error(err)
				return
			}
		}
		press := make([]time.Duration, 0, b.N)
		next := make([]time.Duration, 0, b.N)
		long := 0
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			p, n, act, err := r.tap()
			if err != nil {
				b.Error(err)
				return
			}
			press = append(press, p)
			if act == nil {
				long++ // the screen did not change: not a next-screen time
			} else {
				next = append(next, n)
			}
		}
		b.StopTimer()
		b.ReportMetric(float64(long)/float64(b.N), "long-press/op")
		b.ReportMetric(pct(press, 50), "ms-p50/touch-to-frame")
		b.ReportMetric(pct(press, 90), "ms-p90/touch-to-frame")
		b.ReportMetric(pct(next, 50), "ms-p50/lift-to-next-screen")
		b.ReportMetric(pct(next, 90), "ms-p90/lift-to-next-screen")
	}()
	win.ShowAndRun()
}

func pct(ds []time.Duration, p int) float64 {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return float64(s[(len(s)-1)*p/100].Microseconds()) / 1e3
}
