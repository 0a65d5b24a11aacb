package main

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/image/font/opentype"

	"hallq/controller/hallproto"
	"hallq/controller/server"
	"hallq/drivers/devemu"
	"hallq/drivers/escpos/escpostest"
	"hallq/drivers/idcard/idcardtest"
)

// Windows is how many windows the demo hall has (the embedded demo
// configuration's eight).
const Windows = 8

// Options configure a demo hall.
type Options struct {
	// Root is the hallq source tree (found from the working directory when
	// empty): the controller's demo configuration and the device programs
	// come from it.
	Root string
	// DataDir holds the controller's database, the device programs'
	// configurations and logs, and the announcements' WAV files.
	DataDir string
	// BinDir receives the device programs (default DataDir/bin).
	BinDir string
	// NoDevicePrograms: do not build or start the kiosk, window terminal
	// and display programs (fast tests of the rest).
	NoDevicePrograms bool
	// NoDisplay: no hall display program (the page draws the calls).
	NoDisplay bool
	// Voice: speak calls into WAV files (needs espeak-ng on PATH).
	Voice bool
	// KioskWidth, KioskHeight: the kiosk's virtual screen (1280x800).
	KioskWidth, KioskHeight int
	Logger                  *slog.Logger
	// Progress receives one line per step of the start ("building the
	// kiosk ..."); nil discards.
	Progress io.Writer
}

// Hall is a running demo hall.
type Hall struct {
	o     Options
	lg    *slog.Logger
	ctl   *server.Controller
	base  string
	admin string // dev token: the page's proxy acts with it
	kTok  string
	dTok  string
	sTok  string

	dev     *devemu.Hall
	card    *idcardtest.Emulator
	printer *escpostest.Emulator
	masters []*os.File

	kiosk, windows, display *child
	KioskURL, DisplayURL    string
	voiceDir                string

	font *opentype.Font

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	tickets []printed
	placed  string
	booking *hallproto.Booking
	notes   []string
}

// printed is one ticket as the emulated printer received it.
type printed struct {
	Seq  int
	At   time.Time
	Job  []byte
	Text string
	PNG  []byte
}

func randomToken() string {
	b := make([]byte, 16)
	crand.Read(b)
	return hex.EncodeToString(b)
}

func (h *Hall) progress(format string, a ...any) {
	if h.o.Progress != nil {
		fmt.Fprintf(h.o.Progress, format+"\n", a...)
	}
}

func (h *Hall) note(format string, a ...any) {
	s := fmt.Sprintf(format, a...)
	h.mu.Lock()
	h.notes = append(h.notes, s)
	h.mu.Unlock()
	h.progress("note: %s", s)
}

// Start starts the controller, the emulated devices and the device
// programs. Close stops everything.
func Start(ctx context.Context, o Options) (_ *Hall, err error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.KioskWidth <= 0 || o.KioskHeight <= 0 {
		o.KioskWidth, o.KioskHeight = 1280, 800
	}
	if o.Root == "" {
		wd, _ := os.Getwd()
		if o.Root, err = moduleRoot(wd); err != nil {
			return nil, err
		}
	}
	if o.DataDir == "" {
		return nil, errors.New("demo: no data directory")
	}
	if o.BinDir == "" {
		o.BinDir = filepath.Join(o.DataDir, "bin")
	}
	for _, d := range []string{o.DataDir, o.BinDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
	}
	h := &Hall{o: o, lg: o.Logger, admin: randomToken(), kTok: randomToken(), dTok: randomToken(), sTok: randomToken()}
	h.ctx, h.cancel = context.WithCancel(context.Background())
	defer func() {
		if err != nil {
			h.Close()
		}
	}()
	if p := findFont(); p != "" {
		if h.font, err = loadFont(p); err != nil {
			return nil, err
		}
	} else {
		h.note("没有中文字体：票面图片只画二维码（apt-get install fonts-wqy-microhei）/ no CJK font for the ticket image")
	}
	if err := h.startController(ctx); err != nil {
		return nil, err
	}
	if err := h.startDevices(); err != nil {
		return nil, err
	}
	if !o.NoDevicePrograms {
		if err := h.startPrograms(ctx); err != nil {
			return nil, err
		}
	}
	return h, nil
}

// hallConfig is the embedded demo hall of the source tree with the demo's
// tokens, and appointment rules that let the demo book every hour of the
// day.
func (h *Hall) hallConfig() ([]byte, error) {
	src := filepath.Join(h.o.Root, "controller/internal/hallconfig/demo.yaml")
	b, err := os.ReadFile(src)
	if err != nil {
		return nil, fmt.Errorf("demo: hall configuration: %w", err)
	}
	toks := fmt.Sprintf("tokens:\n"+
		"  - {token: %q, role: kiosk, name: kiosk-1}\n"+
		"  - {token: %q, role: display, name: display-1}\n"+
		"  - {token: %q, role: staff, name: windows}\n", h.kTok, h.dTok, h.sTok)
	const marker = "\ntokens: []\n"
	if !bytes.Contains(b, []byte(marker)) {
		return nil, fmt.Errorf("demo: %s has no %q line to put the demo's tokens in", src, strings.TrimSpace(marker))
	}
	b = bytes.Replace(b, []byte(marker), []byte("\n"+toks), 1)
	b = append(b, `
# Added by hack/demo: same-day booking on every day (weekends and holidays
# too, as in a 24-hour self-service zone), slots all day, several bookings
# a day per person.
booking:
  slot_minutes: 10
  capacity_per_slot: 50
  hours: [{from: "00:00", until: "24:00"}]
  min_days_ahead: 0
  every_day: true
  allow_several_per_day: true
`...)
	return b, nil
}

func (h *Hall) startController(ctx context.Context) error {
	cfg, err := h.hallConfig()
	if err != nil {
		return err
	}
	path := filepath.Join(h.o.DataDir, "hall.yaml")
	if err := os.WriteFile(path, cfg, 0o600); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	c, err := server.Start(server.Config{Listen: "127.0.0.1:0", DataDir: filepath.Join(h.o.DataDir, "controller"),
		ConfigFile: path, DevToken: h.admin, Logger: h.lg})
	if err != nil {
		return fmt.Errorf("demo: controller: %w", err)
	}
	h.ctl, h.base = c, "http://"+c.Addr()
	if err := h.bookToday(ctx); err != nil {
		h.note("预约未创建 / appointment not booked: %v", err)
	}
	for i := 1; i <= Windows; i++ {
		err := h.call(ctx, "POST", fmt.Sprintf("/api/v1/windows/%d/login", i),
			hallproto.ActionRequest{RequestID: "demo-login-" + randomToken(), Staff: fmt.Sprintf("S%03d", i)}, nil)
		if err != nil {
			return fmt.Errorf("demo: staff login at window %d: %w", i, err)
		}
	}
	return nil
}

// bookToday books the appointment citizen for every hour of today from
// the next slot on, so that whenever the person at the page places the
// card, a booking is open for check-in (60 minutes early to 30 late). The
// demo's booking section allows same-day booking on any day, so the
// controller runs on the real clock and tickets carry today's date.
func (h *Hall) bookToday(ctx context.Context) error {
	c, _ := citizenByKey(apptKey)
	now := time.Now()
	id := c.card(now).Identity
	day := now.In(hallZone()).Format(time.DateOnly)
	var slots hallproto.Slots
	if err := h.call(ctx, "GET", "/api/v1/appointments/slots?service=social&date="+day, nil, &slots); err != nil {
		return err
	}
	var first *hallproto.Booking
	var last time.Time
	for _, s := range slots.Slots {
		if !s.Open || s.Left <= 0 || !s.At.After(now) || (!last.IsZero() && s.At.Sub(last) < time.Hour) {
			continue
		}
		var b hallproto.Booking
		err := h.call(ctx, "POST", "/api/v1/appointments", hallproto.BookingRequest{RequestID: "demo-book-" + randomToken(),
			Service: "social", Date: day, Slot: s.Start, IDCard: hallproto.IDCard{Number: id.Number, Name: id.Name}}, &b)
		if err != nil {
			return err
		}
		last = s.At
		if first == nil {
			first = &b
		}
	}
	if first == nil {
		return fmt.Errorf("no slot left today (%s)", day)
	}
	h.mu.Lock()
	h.booking = first
	h.mu.Unlock()
	return nil
}

// hallZone is the demo hall's time zone.
func hallZone() *time.Location {
	if l, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return l
	}
	return time.FixedZone("CST", 8*3600)
}

// call is a JSON request to the controller with the demo's admin token.
func (h *Hall) call(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, h.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+h.admin)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 300 {
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		json.Unmarshal(b, &e)
		if e.Error.Message != "" {
			return fmt.Errorf("%s %s: %d %s: %s", method, path, resp.StatusCode, e.Error.Code, e.Error.Message)
		}
		return fmt.Errorf("%s %s: %d", method, path, resp.StatusCode)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

func (h *Hall) startDevices() error {
	log, err := os.Create(filepath.Join(h.o.DataDir, "devices.log"))
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	h.dev, err = devemu.Start(devemu.Config{Windows: Windows, Keypad: true, SignBaud: 9600}, log)
	if err != nil {
		log.Close()
		return fmt.Errorf("demo: emulated signs and keypads: %w", err)
	}
	cm, cpath, err := openPTY()
	if err != nil {
		return err
	}
	pm, ppath, err := openPTY()
	if err != nil {
		cm.Close()
		return err
	}
	h.masters = append(h.masters, cm, pm)
	h.card = idcardtest.NewEmulator(cm, nil)
	h.printer = escpostest.NewEmulator(pm, nil)
	h.dev.Paths["idcard"], h.dev.Paths["printer"] = cpath, ppath
	h.wg.Add(3)
	go func() { defer h.wg.Done(); h.card.Run(h.ctx) }()
	go func() { defer h.wg.Done(); h.printer.Run(h.ctx) }()
	go func() { defer h.wg.Done(); h.watchPrinter() }()
	return nil
}

// watchPrinter keeps every ticket the printer cut, as bytes, text and PNG.
func (h *Hall) watchPrinter() {
	seq := 0
	for h.ctx.Err() == nil {
		if err := h.printer.WaitCuts(h.ctx, 1); err != nil {
			return
		}
		job := h.printer.Output()
		text := h.printer.Decoded()
		// Reset right after the cut: the kiosk prints one ticket per
		// session, seconds apart.
		h.printer.Reset()
		png, err := slipPNG(job, h.font)
		if err != nil {
			h.lg.Warn("demo: ticket image", "err", err)
		}
		seq++
		h.mu.Lock()
		h.tickets = append(h.tickets, printed{Seq: seq, At: time.Now(), Job: job, Text: text, PNG: png})
		if len(h.tickets) > 20 {
			h.tickets = h.tickets[1:]
		}
		h.mu.Unlock()
	}
}

// LastTicket returns the last printed ticket (Seq 0: none yet).
func (h *Hall) LastTicket() printed {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.tickets) == 0 {
		return printed{}
	}
	return h.tickets[len(h.tickets)-1]
}

func (h *Hall) ticket(seq int) (printed, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, t := range h.tickets {
		if t.Seq == seq {
			return t, true
		}
	}
	return printed{}, false
}

// PlaceCard puts a citizen's card on the kiosk's reader ("" removes it).
func (h *Hall) PlaceCard(ctx context.Context, key string) error {
	if key == "" {
		h.card.RemoveCard()
		h.mu.Lock()
		h.placed = ""
		h.mu.Unlock()
		return nil
	}
	c, ok := citizenByKey(key)
	if !ok {
		return fmt.Errorf("demo: no citizen %q", key)
	}
	h.card.PlaceCard(c.card(h.now()))
	h.mu.Lock()
	h.placed = key
	h.mu.Unlock()
	return nil
}

func (h *Hall) now() time.Time { return time.Now() }

// Close stops the device programs, the devices and the controller.
func (h *Hall) Close() {
	for _, c := range []*child{h.kiosk, h.display, h.windows} {
		if c != nil {
			c.Stop()
		}
	}
	h.cancel()
	for _, m := range h.masters {
		m.Close()
	}
	h.wg.Wait()
	if h.dev != nil {
		h.dev.Close()
	}
	if h.ctl != nil {
		sctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		h.ctl.Shutdown(sctx)
		cancel()
	}
}
