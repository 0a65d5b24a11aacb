package touch

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata .bin recordings and .golden outputs")

// ev is shorthand for building input events.
func ev(typ, code uint16, v int32) InputEvent { return InputEvent{Type: typ, Code: code, Value: v} }

var syn = ev(EvSyn, SynReport, 0)

func run(t *testing.T, opts Opts, in []InputEvent) []Event {
	t.Helper()
	var b []byte
	for _, e := range in {
		b = AppendEvent(b, e)
	}
	d, err := NewReader(bytes.NewReader(b), &opts)
	if err != nil {
		t.Fatal(err)
	}
	var out []Event
	for {
		e, err := d.Read()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		e.Time = time.Time{}
		out = append(out, e)
	}
}

var cal1000 = Calibration{MinX: 0, MaxX: 1000, MinY: 0, MaxY: 1000}

func TestToScreen(t *testing.T) {
	// Raw (250, 0) is a quarter of the way along the top edge of the
	// panel; each case says where it must land on a 1001x501 screen.
	tests := []struct {
		name string
		cal  Calibration
		rot  int
		x, y int32
		wx   float32
		wy   float32
	}{
		{"identity", cal1000, 0, 250, 0, 250, 0},
		{"max corner", cal1000, 0, 1000, 1000, 1000, 500},
		{"clamped below", cal1000, 0, -50, -9, 0, 0},
		{"clamped above", cal1000, 0, 1200, 4000, 1000, 500},
		{"offset range", Calibration{MinX: 100, MaxX: 900, MinY: 200, MaxY: 700}, 0, 500, 450, 500, 250},
		{"swap", Calibration{MaxX: 1000, MaxY: 1000, SwapXY: true}, 0, 250, 0, 0, 125},
		{"invert x", Calibration{MaxX: 1000, MaxY: 1000, InvertX: true}, 0, 250, 0, 750, 0},
		{"invert y", Calibration{MaxX: 1000, MaxY: 1000, InvertY: true}, 0, 250, 0, 250, 500},
		{"swap then invert x", Calibration{MaxX: 1000, MaxY: 1000, SwapXY: true, InvertX: true}, 0, 250, 0, 1000, 125},
		{"rot90", cal1000, 90, 250, 0, 1000, 125},
		{"rot180", cal1000, 180, 250, 0, 750, 500},
		{"rot270", cal1000, 270, 250, 0, 0, 375},
	}
	for _, tt := range tests {
		tr := newTracker(tt.cal, tt.rot, 1001, 501, 1)
		x, y := tr.toScreen(tt.x, tt.y)
		if x != tt.wx || y != tt.wy {
			t.Errorf("%s: (%d,%d) -> (%v,%v), want (%v,%v)", tt.name, tt.x, tt.y, x, y, tt.wx, tt.wy)
		}
	}
}

func TestSequences(t *testing.T) {
	opts := Opts{Width: 1001, Height: 1001, Calibration: cal1000}
	tests := []struct {
		name string
		in   []InputEvent
		want string
	}{
		{"mt tap", []InputEvent{
			ev(EvAbs, AbsMTTrackingID, 5), ev(EvAbs, AbsMTPositionX, 100), ev(EvAbs, AbsMTPositionY, 200), syn,
			ev(EvAbs, AbsMTTrackingID, -1), syn,
		}, "down id=0 (100.0,200.0); up id=0 (100.0,200.0)"},
		{"position not resent for a new contact", []InputEvent{
			ev(EvAbs, AbsMTTrackingID, 5), ev(EvAbs, AbsMTPositionX, 100), ev(EvAbs, AbsMTPositionY, 200), syn,
			ev(EvAbs, AbsMTTrackingID, -1), syn,
			ev(EvAbs, AbsMTTrackingID, 6), syn,
		}, "down id=0 (100.0,200.0); up id=0 (100.0,200.0); down id=0 (100.0,200.0)"},
		{"tracking id replaced within one report", []InputEvent{
			ev(EvAbs, AbsMTTrackingID, 5), ev(EvAbs, AbsMTPositionX, 100), ev(EvAbs, AbsMTPositionY, 200), syn,
			ev(EvAbs, AbsMTTrackingID, 6), ev(EvAbs, AbsMTPositionX, 300), syn,
		}, "down id=0 (100.0,200.0); up id=0 (100.0,200.0); down id=0 (300.0,200.0)"},
		{"no event without a report", []InputEvent{
			ev(EvAbs, AbsMTTrackingID, 5), ev(EvAbs, AbsMTPositionX, 100), ev(EvAbs, AbsMTPositionY, 200),
		}, ""},
		{"unchanged report is silent", []InputEvent{
			ev(EvAbs, AbsMTTrackingID, 5), ev(EvAbs, AbsMTPositionX, 100), ev(EvAbs, AbsMTPositionY, 200), syn,
			ev(EvAbs, AbsMTPositionX, 100), syn, syn,
		}, "down id=0 (100.0,200.0)"},
		{"slot out of range ignored", []InputEvent{
			ev(EvAbs, AbsMTSlot, 99), ev(EvAbs, AbsMTTrackingID, 5), ev(EvAbs, AbsMTPositionX, 100), ev(EvAbs, AbsMTPositionY, 200), syn,
			ev(EvAbs, AbsMTSlot, 1), ev(EvAbs, AbsMTTrackingID, 7), ev(EvAbs, AbsMTPositionX, 10), ev(EvAbs, AbsMTPositionY, 20), syn,
		}, "down id=1 (10.0,20.0)"},
		{"single touch", []InputEvent{
			ev(EvKey, BtnTouch, 1), ev(EvAbs, AbsX, 500), ev(EvAbs, AbsY, 500), syn,
			ev(EvAbs, AbsX, 600), syn,
			ev(EvKey, BtnTouch, 0), syn,
		}, "down id=0 (500.0,500.0); move id=0 (600.0,500.0); up id=0 (600.0,500.0)"},
		{"single touch position before button", []InputEvent{
			ev(EvAbs, AbsX, 500), ev(EvAbs, AbsY, 500), syn,
			ev(EvKey, BtnTouch, 1), syn,
			ev(EvKey, BtnTouch, 0), syn,
		}, "down id=0 (500.0,500.0); up id=0 (500.0,500.0)"},
		{"protocol A", []InputEvent{
			ev(EvAbs, AbsMTPositionX, 100), ev(EvAbs, AbsMTPositionY, 100), ev(EvSyn, SynMTReport, 0),
			ev(EvAbs, AbsMTPositionX, 900), ev(EvAbs, AbsMTPositionY, 900), ev(EvSyn, SynMTReport, 0), syn,
			ev(EvAbs, AbsMTPositionX, 110), ev(EvAbs, AbsMTPositionY, 100), ev(EvSyn, SynMTReport, 0), syn,
			ev(EvSyn, SynMTReport, 0), syn,
		}, "down id=0 (100.0,100.0); down id=1 (900.0,900.0); move id=0 (110.0,100.0); up id=1 (900.0,900.0); up id=0 (110.0,100.0)"},
		{"dropped events lift every contact", []InputEvent{
			ev(EvAbs, AbsMTTrackingID, 5), ev(EvAbs, AbsMTPositionX, 100), ev(EvAbs, AbsMTPositionY, 200), syn,
			ev(EvSyn, SynDropped, 0), ev(EvAbs, AbsMTPositionX, 999), syn,
			ev(EvAbs, AbsMTPositionX, 300), syn, // finger still down, no tracking id: ignored
			ev(EvAbs, AbsMTTrackingID, 8), syn,
		}, "down id=0 (100.0,200.0); up id=0 (100.0,200.0); down id=0 (300.0,200.0)"},
		{"unknown types and codes ignored", []InputEvent{
			ev(0x15, 3, 1), ev(EvAbs, 0x3f, 9), ev(EvKey, 0x110, 1), ev(EvSyn, 9, 0), syn,
		}, ""},
	}
	for _, tt := range tests {
		got := run(t, opts, tt.in)
		var s []string
		for _, e := range got {
			s = append(s, e.String())
		}
		if g := strings.Join(s, "; "); g != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, g, tt.want)
		}
	}
}

func TestDecoder(t *testing.T) {
	when := time.Unix(1700000000, 123456000)
	b := AppendEvent(nil, InputEvent{Time: when, Type: EvAbs, Code: AbsMTPositionX, Value: -3})
	if len(b) != 24 {
		t.Fatalf("record is %d bytes", len(b))
	}
	d, _ := NewDecoder(bytes.NewReader(append(b, b[:10]...)), 24)
	e, err := d.Next()
	if err != nil || !e.Time.Equal(when) || e.Type != EvAbs || e.Code != AbsMTPositionX || e.Value != -3 {
		t.Fatalf("got %v, %v", e, err)
	}
	if _, err := d.Next(); !errors.Is(err, ErrTruncated) {
		t.Fatalf("cut record: %v, want ErrTruncated", err)
	}
	// 32-bit layout: 4-byte seconds and microseconds.
	b32 := []byte{0x10, 0, 0, 0, 0x20, 0, 0, 0, 3, 0, 0x35, 0, 0xff, 0xff, 0xff, 0xff}
	d, _ = NewDecoder(bytes.NewReader(b32), 16)
	e, err = d.Next()
	if err != nil || e.Time.Unix() != 16 || e.Time.Nanosecond() != 32000 || e.Code != 0x35 || e.Value != -1 {
		t.Fatalf("16-byte record: %v, %v", e, err)
	}
	if _, err := d.Next(); err != io.EOF {
		t.Fatalf("end: %v, want io.EOF", err)
	}
	if _, err := NewDecoder(nil, 20); !errors.Is(err, ErrOpts) {
		t.Fatalf("size 20: %v", err)
	}
}

func TestOpts(t *testing.T) {
	tests := []struct {
		o    *Opts
		want error
	}{
		{nil, ErrOpts},
		{&Opts{Width: 800, Height: 480}, ErrCalibration},
		{&Opts{Width: 800, Height: 480, Calibration: Calibration{MaxX: 10, MinY: 5, MaxY: 5}}, ErrCalibration},
		{&Opts{Width: 0, Height: 480, Calibration: cal1000}, ErrOpts},
		{&Opts{Width: 800, Height: 480, Calibration: cal1000, Rotation: 45}, ErrOpts},
		{&Opts{Width: 800, Height: 480, Calibration: cal1000, EventSize: 8}, ErrOpts},
		{&Opts{Width: 800, Height: 480, Calibration: cal1000, MaxSlots: 1000}, ErrOpts},
		{&Opts{Width: 800, Height: 480, Calibration: cal1000}, nil},
	}
	for i, tt := range tests {
		if _, err := NewReader(bytes.NewReader(nil), tt.o); !errors.Is(err, tt.want) {
			t.Errorf("%d: %v, want %v", i, err, tt.want)
		}
	}
	if _, err := New(filepath.Join(t.TempDir(), "none"), &Opts{Width: 1, Height: 1}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing device: %v", err)
	}
	// A regular file has no axes to ask for.
	p := filepath.Join(t.TempDir(), "event0")
	os.WriteFile(p, nil, 0o600)
	if _, err := New(p, &Opts{Width: 1, Height: 1}); !errors.Is(err, ErrCalibration) {
		t.Errorf("file without calibration: %v", err)
	}
}

// TestCloseUnblocksRead checks that a reader waiting on a quiet device
// returns when the device is closed, instead of hanging the program.
func TestCloseUnblocksRead(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	d, err := NewReader(r, &Opts{Width: 10, Height: 10, Calibration: cal1000})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := d.Read(); done <- err }()
	time.Sleep(20 * time.Millisecond)
	r.Close()
	d.Close()
	select {
	case err := <-done:
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("Read after Close: %v, want ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Read still blocked after Close")
	}
}

var evtestLine = regexp.MustCompile(`^Event: time (\d+)\.(\d{6}), (?:type (\d+) \([^)]*\), code (\d+) \([^)]*\), value (-?\d+)|-+ SYN_REPORT -+)$`)

// parseEvtest reads the text `evtest` prints, the form in which panel
// traces are usually shared, into input events.
func parseEvtest(t *testing.T, path string) []InputEvent {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []InputEvent
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m := evtestLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("%s: cannot parse %q", path, line)
		}
		sec, _ := strconv.ParseInt(m[1], 10, 64)
		usec, _ := strconv.ParseInt(m[2], 10, 64)
		e := InputEvent{Time: time.Unix(sec, usec*1000)}
		if m[3] != "" {
			typ, _ := strconv.Atoi(m[3])
			code, _ := strconv.Atoi(m[4])
			v, _ := strconv.Atoi(m[5])
			e.Type, e.Code, e.Value = uint16(typ), uint16(code), int32(v)
		}
		out = append(out, e)
	}
	return out
}

// recordings are replayed as raw bytes, as `cat /dev/input/eventN`
// captures them, with the panel's own range and the screen of the kiosk.
var recordings = []struct {
	name string
	opts Opts
}{
	{"goodix-tap-drag", Opts{Width: 1280, Height: 800, Calibration: Calibration{MaxX: 1279, MaxY: 799}}},
	{"goodix-two-fingers", Opts{Width: 1280, Height: 800, Calibration: Calibration{MaxX: 1279, MaxY: 799}}},
	// A portrait kiosk: panel wired landscape, display turned.
	{"goodix-two-fingers-rot90", Opts{Width: 800, Height: 1280, Rotation: 90, Calibration: Calibration{MaxX: 1279, MaxY: 799}}},
	{"egalax-single", Opts{Width: 800, Height: 480, Calibration: Calibration{MaxX: 4095, MaxY: 4095, InvertY: true}}},
}

func TestRecordings(t *testing.T) {
	for _, rec := range recordings {
		t.Run(rec.name, func(t *testing.T) {
			src := strings.TrimSuffix(rec.name, "-rot90")
			bin := filepath.Join("testdata", src+".bin")
			if *update {
				var b []byte
				for _, e := range parseEvtest(t, filepath.Join("testdata", src+".evtest")) {
					b = AppendEvent(b, e)
				}
				if err := os.WriteFile(bin, b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			f, err := os.Open(bin)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			d, err := NewReader(f, &rec.opts)
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			for {
				e, err := d.Read()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				fmt.Fprintf(&got, "%d.%06d %v\n", e.Time.Unix(), e.Time.Nanosecond()/1000, e)
			}
			golden := filepath.Join("testdata", rec.name+".golden")
			if *update {
				os.WriteFile(golden, got.Bytes(), 0o644)
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got.String() != string(want) {
				t.Errorf("events differ from %s:\n got:\n%s\nwant:\n%s", golden, got.String(), want)
			}
		})
	}
}

// FuzzReader feeds arbitrary bytes through the decoder and tracker: no
// panic, every event on screen, downs and ups paired, and the loop ends.
func FuzzReader(f *testing.F) {
	for _, name := range []string{"goodix-tap-drag", "goodix-two-fingers", "egalax-single"} {
		b, err := os.ReadFile(filepath.Join("testdata", name+".bin"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, uint8(0))
	}
	f.Add(AppendEvent(nil, ev(EvSyn, SynDropped, 0)), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, flags uint8) {
		o := Opts{Width: 640, Height: 480, Rotation: 90 * int(flags&3), MaxSlots: 4,
			Calibration: Calibration{MinX: -100, MaxX: 1000, MinY: 0, MaxY: 50,
				SwapXY: flags&4 != 0, InvertX: flags&8 != 0, InvertY: flags&16 != 0}}
		d, err := NewReader(bytes.NewReader(data), &o)
		if err != nil {
			t.Fatal(err)
		}
		down := map[int]bool{}
		for i := 0; i <= len(data); i++ {
			e, err := d.Read()
			if err == io.EOF || errors.Is(err, ErrTruncated) {
				return
			}
			if err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			if e.X < 0 || e.X > 639 || e.Y < 0 || e.Y > 479 || e.ID < 0 || e.ID >= 4 {
				t.Fatalf("event off screen or bad slot: %v", e)
			}
			switch e.Kind {
			case Down:
				if down[e.ID] {
					t.Fatalf("second down for %d", e.ID)
				}
				down[e.ID] = true
			case Move, Up:
				if !down[e.ID] {
					t.Fatalf("%v without down", e)
				}
				down[e.ID] = e.Kind == Move
			default:
				t.Fatalf("bad kind %v", e)
			}
		}
		t.Fatal("more events than input bytes")
	})
}

// BenchmarkTouchLatency measures from writing one touch report (what the
// kernel delivers for a finger landing or lifting) into a pipe to Read
// returning the event.
func BenchmarkTouchLatency(b *testing.B) {
	r, w, err := os.Pipe()
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	d, err := NewReader(r, &Opts{Width: 1920, Height: 1080, Calibration: cal1000})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	defer r.Close()
	down := []InputEvent{ev(EvAbs, AbsMTTrackingID, 1), ev(EvAbs, AbsMTPositionX, 10), ev(EvAbs, AbsMTPositionY, 10), syn}
	up := []InputEvent{ev(EvAbs, AbsMTTrackingID, -1), syn}
	var bd, bu []byte
	for _, e := range down {
		bd = AppendEvent(bd, e)
	}
	for _, e := range up {
		bu = AppendEvent(bu, e)
	}
	var total time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		msg := bd
		if i%2 == 1 {
			msg = bu
		}
		start := time.Now()
		if _, err := w.Write(msg); err != nil {
			b.Fatal(err)
		}
		if _, err := d.Read(); err != nil {
			b.Fatal(err)
		}
		total += time.Since(start)
	}
	b.ReportMetric(float64(total.Microseconds())/float64(b.N), "µs/touch")
}
