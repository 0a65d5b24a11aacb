package voice

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestText(t *testing.T) {
	for _, tc := range []struct {
		c                  Call
		text, spoken, word string
	}{
		{Call{Number: "A023", Window: "3"}, "请A023号到3号窗口办理", "请 A 零二三 号 到 三 号窗口办理", "请 A 零 二 三 号 到 三 号窗口办理"},
		{Call{Number: "b100", Window: "12"}, "请B100号到12号窗口办理", "请 B 一零零 号 到 十二 号窗口办理", "请 B 一 零 零 号 到 十 二 号窗口办理"},
		{Call{Number: "E007", Window: "10"}, "请E007号到10号窗口办理", "请 E 零零七 号 到 十 号窗口办理", "请 E 零 零 七 号 到 十 号窗口办理"},
		{Call{Number: "AB05", Window: "20"}, "请AB05号到20号窗口办理", "请 A B 零五 号 到 二十 号窗口办理", "请 A B 零 五 号 到 二 十 号窗口办理"},
		{Call{Number: "C001", Window: "x", WindowName: "综合窗口"}, "请C001号到综合窗口办理", "请 C 零零一 号 到 综合窗口 办理", "请 C 零 零 一 号 到 综合窗口 办理"},
		{Call{Number: "D018", WindowName: "21号窗口"}, "请D018号到21号窗口办理", "请 D 零一八 号 到 二十一 号窗口办理", "请 D 零 一 八 号 到 二 十 一 号窗口办理"},
		{Call{Number: "0042", Window: "105"}, "请0042号到105号窗口办理", "请 零零四二 号 到 一百零五 号窗口办理", "请 零 零 四 二 号 到 一 百 零 五 号窗口办理"},
	} {
		text, err := Text(tc.c)
		if err != nil {
			t.Fatalf("%+v: %v", tc.c, err)
		}
		spoken, _ := Spoken(tc.c)
		words, _ := Words(tc.c)
		if text != tc.text || spoken != tc.spoken || strings.Join(words, " ") != tc.word {
			t.Errorf("%+v:\n got %q %q %q\nwant %q %q %q", tc.c, text, spoken, strings.Join(words, " "), tc.text, tc.spoken, tc.word)
		}
	}
}

func TestTextRejects(t *testing.T) {
	for _, c := range []Call{{}, {Number: "A001"}, {Window: "3"}, {Number: "A-01", Window: "3"}, {Number: "号01", Window: "3"},
		{Number: strings.Repeat("A", 17), Window: "3"}} {
		if _, err := Text(c); !errors.Is(err, ErrEmptyCall) {
			t.Errorf("%+v: err %v, want ErrEmptyCall", c, err)
		}
	}
}

func TestNumberZH(t *testing.T) {
	for n, want := range map[int]string{0: "零", 7: "七", 10: "十", 11: "十一", 19: "十九", 20: "二十", 35: "三十五",
		100: "一百", 101: "一百零一", 110: "一百一十", 999: "九百九十九", 1000: "一千", 1010: "一千零一十", 2005: "二千零五"} {
		if got := numberZH(n); got != want {
			t.Errorf("numberZH(%d) = %q, want %q", n, got, want)
		}
	}
}

// fakeSpeaker records what it said and checks that nothing overlaps.
type fakeSpeaker struct {
	mu      sync.Mutex
	said    []string
	busy    bool
	overlap bool
	took    time.Duration
	block   chan struct{} // when set, the first Speak waits for it
}

func (f *fakeSpeaker) Speak(ctx context.Context, a *Announcement) error {
	f.mu.Lock()
	if f.busy {
		f.overlap = true
	}
	f.busy = true
	block := f.block
	f.block = nil
	f.mu.Unlock()
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	time.Sleep(f.took)
	f.mu.Lock()
	f.said = append(f.said, a.Text)
	f.busy = false
	f.mu.Unlock()
	return nil
}

func (f *fakeSpeaker) saidSoFar() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.said)
}

func runAnnouncer(t *testing.T, sp Speaker, o *Opts) *Announcer {
	a := NewAnnouncer(sp, o)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return a
}

func waitFor(t *testing.T, what string, f func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		if f() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// TestBurstAndRecall: a burst of calls from several windows at once is
// spoken one after another in call order, without overlap; a recall is
// said again.
func TestBurstAndRecall(t *testing.T) {
	release := make(chan struct{})
	sp := &fakeSpeaker{took: 3 * time.Millisecond, block: release}
	a := runAnnouncer(t, sp, &Opts{Pause: time.Millisecond, Times: 2})
	burst := []Call{{Number: "A023", Window: "3"}, {Number: "B007", Window: "5"}, {Number: "A024", Window: "1"},
		{Number: "A023", Window: "3", Recall: true}}
	// Queue them while the first one is still being spoken, from several
	// goroutines in a fixed order.
	for i, c := range burst {
		if i == 1 {
			// The first call is alone when it starts (said twice); the
			// rest arrive while it is spoken.
			waitFor(t, "speaking", func() bool { sp.mu.Lock(); defer sp.mu.Unlock(); return sp.busy })
		}
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := a.Announce(c); err != nil {
				t.Error(err)
			}
		}()
		wg.Wait()
	}
	close(release)
	// A023 was alone when it started: said twice. The others are said once
	// while calls wait behind them; the recall, last, twice again.
	want := []string{"请A023号到3号窗口办理", "请A023号到3号窗口办理", "请B007号到5号窗口办理",
		"请A024号到1号窗口办理", "请A023号到3号窗口办理", "请A023号到3号窗口办理"}
	waitFor(t, "the burst", func() bool { return len(sp.saidSoFar()) >= len(want) || len(a.History()) == len(burst) })
	if got := sp.saidSoFar(); !slices.Equal(got, want) {
		t.Errorf("said\n%q\nwant\n%q", got, want)
	}
	if sp.overlap {
		t.Error("two announcements overlapped")
	}
	waitFor(t, "history", func() bool { return len(a.History()) == 4 })
	for i, r := range a.History() {
		if r.Outcome != OutcomeSpoken || r.Call.Number != burst[i].Number {
			t.Errorf("history %d: %+v", i, r)
		}
	}
}

// TestStaleDropped: calls that waited longer than MaxAge behind a slow
// announcement are dropped, fresh ones are still said.
func TestStaleDropped(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	release := make(chan struct{})
	sp := &fakeSpeaker{block: release}
	a := runAnnouncer(t, sp, &Opts{MaxAge: 30 * time.Second, Pause: -1, Now: clock})
	a.Announce(Call{Number: "A001", Window: "1"})
	waitFor(t, "speaking", func() bool { sp.mu.Lock(); defer sp.mu.Unlock(); return sp.busy })
	a.Announce(Call{Number: "A002", Window: "2"})                                 // will be 40 s old
	a.Announce(Call{Number: "A003", Window: "3", At: now.Add(25 * time.Second)})  // made later by the controller
	a.Announce(Call{Number: "A004", Window: "4", At: now.Add(-31 * time.Second)}) // already stale
	mu.Lock()
	now = now.Add(40 * time.Second)
	mu.Unlock()
	close(release)
	waitFor(t, "history", func() bool { return len(a.History()) == 4 })
	got := map[string]Outcome{}
	for _, r := range a.History() {
		got[r.Call.Number] = r.Outcome
	}
	want := map[string]Outcome{"A001": OutcomeSpoken, "A002": OutcomeDropped, "A003": OutcomeSpoken, "A004": OutcomeDropped}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %s, want %s", k, got[k], v)
		}
	}
	if said := sp.saidSoFar(); !slices.Equal(said, []string{"请A001号到1号窗口办理", "请A003号到3号窗口办理"}) {
		t.Errorf("said %q", said)
	}
}

func TestQueueBound(t *testing.T) {
	release := make(chan struct{})
	sp := &fakeSpeaker{block: release}
	a := runAnnouncer(t, sp, &Opts{MaxQueue: 3, Pause: -1})
	a.Announce(Call{Number: "A001", Window: "1"})
	waitFor(t, "speaking", func() bool { sp.mu.Lock(); defer sp.mu.Unlock(); return sp.busy })
	for _, n := range []string{"A002", "A003", "A004", "A005", "A006"} {
		a.Announce(Call{Number: n, Window: "1"})
	}
	if p := a.Pending(); p != 3 {
		t.Errorf("pending %d, want 3", p)
	}
	close(release)
	waitFor(t, "all", func() bool { return len(a.History()) == 6 })
	if said := sp.saidSoFar(); !slices.Equal(said, []string{"请A001号到1号窗口办理", "请A004号到1号窗口办理", "请A005号到1号窗口办理", "请A006号到1号窗口办理"}) {
		t.Errorf("said %q", said)
	}
}

// TestEspeakWAV: the WAV written for one call is speech: not silent and
// of plausible length for about a dozen syllables.
func TestEspeakWAV(t *testing.T) {
	if _, err := exec.LookPath("espeak-ng"); err != nil {
		t.Skip("espeak-ng is not installed (Debian: apt-get install espeak-ng); skipping the synthesis test")
	}
	dir := t.TempDir()
	sp := &Pipeline{Synth: &Espeak{}, Player: &Dir{Path: dir}}
	a := runAnnouncer(t, sp, &Opts{Pause: -1})
	if _, err := a.Announce(Call{Number: "A023", Window: "3"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the announcement", func() bool { return len(a.History()) == 1 })
	if r := a.History()[0]; r.Outcome != OutcomeSpoken {
		t.Fatalf("%s: %s", r.Outcome, r.Err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.wav"))
	if len(files) != 1 || filepath.Base(files[0]) != "0001-A023-w3.wav" {
		t.Fatalf("files %q", files)
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	w, err := ParseWAV(b)
	if err != nil {
		t.Fatal(err)
	}
	if d := w.Duration(); d < 1500*time.Millisecond || d > 10*time.Second {
		t.Errorf("duration %s, want 1.5-10 s for 12 syllables", d)
	}
	if rms := w.RMS(); rms < 0.01 {
		t.Errorf("RMS %.4f: silent", rms)
	}
	t.Logf("%s: %s, RMS %.3f, %+v", filepath.Base(files[0]), w.Duration(), w.RMS(), w.Format)
}

func tone(f Format, d time.Duration, level int16) *WAV {
	w := Silence(f, d)
	for i := 0; i+1 < len(w.Data); i += 4 {
		w.Data[i], w.Data[i+1] = byte(level), byte(level>>8)
	}
	return w
}

func TestClips(t *testing.T) {
	f := Format{Channels: 1, Rate: 16000, Bits: 16}
	dir := t.TempDir()
	words := []string{"请", "A", "零", "二", "三", "号", "到", "号窗口办理"}
	for _, w := range words {
		if err := os.WriteFile(filepath.Join(dir, w+".wav"), tone(f, 100*time.Millisecond, 8000).Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c, err := LoadClips(dir)
	if err != nil {
		t.Fatal(err)
	}
	an, _ := NewAnnouncement(Call{Number: "A023", Window: "3"})
	w, err := c.Synthesize(context.Background(), an)
	if err != nil {
		t.Fatal(err)
	}
	// 9 words of 100 ms and 8 gaps of 60 ms.
	if want := 9*100*time.Millisecond + 8*60*time.Millisecond; w.Duration() != want {
		t.Errorf("joined %s, want %s", w.Duration(), want)
	}
	an2, _ := NewAnnouncement(Call{Number: "A024", Window: "3"})
	if _, err := c.Synthesize(context.Background(), an2); !errors.Is(err, ErrNoClip) {
		t.Errorf("missing clip: %v", err)
	}
	c.Clips["四"] = tone(Format{Channels: 2, Rate: 16000, Bits: 16}, 100*time.Millisecond, 1)
	if _, err := c.Synthesize(context.Background(), an2); !errors.Is(err, ErrFormat) {
		t.Errorf("mixed formats: %v", err)
	}
}

func TestWAVRoundTrip(t *testing.T) {
	f := Format{Channels: 1, Rate: 16000, Bits: 16}
	w := tone(f, 250*time.Millisecond, 1000)
	b := w.Bytes()
	got, err := ParseWAV(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.Format != f || !slices.Equal(got.Data, w.Data) || got.Duration() != 250*time.Millisecond {
		t.Errorf("round trip: %+v %s", got.Format, got.Duration())
	}
	// A streaming header (sizes 0x7ffff000) is clipped to the bytes there.
	s := slices.Clone(b)
	copy(s[4:8], []byte{0x24, 0xf0, 0xff, 0x7f})
	copy(s[40:44], []byte{0x00, 0xf0, 0xff, 0x7f})
	if got, err := ParseWAV(s); err != nil || len(got.Data) != len(w.Data) {
		t.Errorf("streaming header: %v", err)
	}
	for name, bad := range map[string][]byte{"empty": nil, "riff only": []byte("RIFF\x00\x00\x00\x00WAVE"),
		"float":      func() []byte { c := slices.Clone(b); c[20] = 3; return c }(),
		"data first": []byte("RIFF\x00\x00\x00\x00WAVEdata\x02\x00\x00\x00\x00\x00")} {
		if _, err := ParseWAV(bad); !errors.Is(err, ErrBadWAV) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func FuzzParseWAV(f *testing.F) {
	f.Add(tone(Format{Channels: 1, Rate: 8000, Bits: 16}, 10*time.Millisecond, 100).Bytes())
	f.Add(tone(Format{Channels: 2, Rate: 8000, Bits: 8}, 5*time.Millisecond, 100).Bytes())
	f.Add([]byte("RIFF\xff\xff\xff\x7fWAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x22\x56\x00\x00\x44\xac\x00\x00\x02\x00\x10\x00data\xff\xff\xff\x7f\x01"))
	f.Fuzz(func(t *testing.T, b []byte) {
		w, err := ParseWAV(b)
		if err != nil {
			if !errors.Is(err, ErrBadWAV) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if len(w.Data)%w.Format.frameSize() != 0 {
			t.Fatalf("partial frame: %d bytes, frame %d", len(w.Data), w.Format.frameSize())
		}
		w2, err := ParseWAV(w.Bytes())
		if err != nil || w2.Format != w.Format || !slices.Equal(w2.Data, w.Data) {
			t.Fatalf("re-encode: %v", err)
		}
		_ = w.RMS()
	})
}
