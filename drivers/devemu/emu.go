// Package devemu runs emulated hall devices for drivers/cmd/devemu and the
// demo hall: it opens a pty per emulated device,
// serves the device on the master side and interprets a small line-based
// control language, so main stays a one-liner and tests drive the same code.
package devemu

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"hallq/drivers/escpos/escpostest"
	"hallq/drivers/idcard/idcardtest"
	"hallq/drivers/keypad/keypadtest"
	"hallq/drivers/ledsign"
	"hallq/drivers/ledsign/ledsigntest"
	"hallq/internal/pty"
)

// Config selects the devices.
type Config struct {
	Windows  int  // LED signs, addresses 1..Windows, one pty each
	Keypad   bool // the RS-485 caller/evaluator bus
	IDCard   bool
	Printer  bool
	SignBaud int // pace sign replies like a 9600 baud line (0 = no pacing)
	CardBaud int // pace the card reader like its UART (0 = no pacing)
}

// Hall is a running set of emulated devices.
type Hall struct {
	ctx    context.Context
	cancel context.CancelFunc
	out    io.Writer
	outMu  sync.Mutex
	wg     sync.WaitGroup
	files  []*os.File

	signs   map[int]*ledsigntest.Sign
	keys    *keypadtest.Bus
	card    *idcardtest.Emulator
	printer *escpostest.Emulator
	// Paths of the slave sides, by device name ("sign 1", "keypad", ...).
	Paths map[string]string
}

func (h *Hall) open(name string) (*os.File, error) {
	p, err := pty.Open()
	if err != nil {
		return nil, err
	}
	m := p.Master // non-blocking: deadlines and Close reach a pending Read
	h.files = append(h.files, m)
	h.Paths[name] = p.SlavePath
	return m, nil
}

// Start opens the ptys and serves the devices until Close.
func Start(cfg Config, out io.Writer) (*Hall, error) {
	ctx, cancel := context.WithCancel(context.Background())
	h := &Hall{ctx: ctx, cancel: cancel, out: out, signs: map[int]*ledsigntest.Sign{}, Paths: map[string]string{}}
	fail := func(err error) (*Hall, error) { h.Close(); return nil, err }
	if cfg.Windows < 0 || cfg.Windows > ledsign.MaxAddr {
		return fail(fmt.Errorf("devemu: %d windows (0-%d)", cfg.Windows, ledsign.MaxAddr))
	}
	for w := 1; w <= cfg.Windows; w++ {
		name := fmt.Sprintf("sign %d", w)
		m, err := h.open(name)
		if err != nil {
			return fail(err)
		}
		s := ledsigntest.NewSign(uint8(w))
		h.signs[w] = s
		bus := ledsigntest.NewBus(m, s)
		bus.Baud = cfg.SignBaud
		h.serve(name, bus.Serve)
		h.watch(w, s)
	}
	if cfg.Keypad {
		m, err := h.open("keypad")
		if err != nil {
			return fail(err)
		}
		h.keys = keypadtest.NewBus(m)
		h.serve("keypad", h.keys.Serve)
	}
	if cfg.IDCard {
		m, err := h.open("idcard")
		if err != nil {
			return fail(err)
		}
		h.card = idcardtest.NewEmulator(m, &idcardtest.Opts{Baud: cfg.CardBaud})
		h.serve("idcard", h.card.Run)
	}
	if cfg.Printer {
		m, err := h.open("printer")
		if err != nil {
			return fail(err)
		}
		h.printer = escpostest.NewEmulator(m, nil)
		h.serve("printer", h.printer.Run)
	}
	return h, nil
}

func (h *Hall) say(format string, a ...any) {
	h.outMu.Lock()
	defer h.outMu.Unlock()
	fmt.Fprintf(h.out, format+"\n", a...)
}

func (h *Hall) serve(name string, run func(context.Context) error) {
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		if err := run(h.ctx); err != nil && h.ctx.Err() == nil {
			h.say("%s: stopped: %v", name, err)
		}
	}()
}

// watch prints what a sign shows whenever it changes.
func (h *Hall) watch(w int, s *ledsigntest.Sign) {
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		last := ""
		for {
			ch := s.Changed()
			if t := describe(s.Screen()); t != last {
				if last != "" || t != "(blank)" {
					h.say("sign %d: %s", w, t)
				}
				last = t
			}
			select {
			case <-ch:
			case <-h.ctx.Done():
				return
			}
		}
	}()
}

func describe(sc ledsigntest.Screen) string {
	t := sc.Text
	if t == "" {
		t = "(blank)"
	}
	if sc.Call != nil && sc.Blink > 0 {
		t += fmt.Sprintf(" [blink %d]", sc.Blink)
	}
	keys := make([]int, 0, len(sc.Regions))
	for k := range sc.Regions {
		keys = append(keys, int(k))
	}
	sort.Ints(keys)
	for _, k := range keys {
		t += fmt.Sprintf(" | region %d: %s", k, sc.Regions[uint8(k)])
	}
	return t
}

// Sign returns the emulated sign of window w (for tests and demo pages).
func (h *Hall) Sign(w int) *ledsigntest.Sign { return h.signs[w] }

// Close stops every device and closes the ptys.
func (h *Hall) Close() {
	h.cancel()
	for _, f := range h.files {
		f.Close()
	}
	h.wg.Wait()
}

const help = `commands:
  signs                                   what every sign shows
  sign W fault none|silent|slow MS|corrupt|nak|garbage|split|hangup [TIMES]
  sign W power                            power-cycle sign W (blank until refreshed)
  key ADDR call|recall|cancel|pause|transfer|ask-rating|confirm|0-9
  rate ADDR 1-5                           evaluator at ADDR rates (5 非常满意 .. 1 非常不满意)
  keypad fault none|badsum|garbage|split|truncated|duplicate|hangup [TIMES]
  card place adult|elder|elderly|child|expired|hongkong|macao|foreigner|badnumber
  card remove
  card fault none|silent|slow MS|badsum|truncate|hangup|garbage|split|duplicate|readfails|authfails [COUNT]
  printer paper ok|near-end|out           also: printer paper-out
  printer cover open|closed
  printer offline on|off
  printer cutter on|off
  printer fault none|silent|slow MS|hangup [COUNT]
  printer tickets                         decoded text of the printed tickets
  paths                                   device paths again
  quit`

// Exec runs one control line and returns what to print.
func (h *Hall) Exec(line string) (string, error) {
	f := strings.Fields(line)
	if len(f) == 0 || strings.HasPrefix(f[0], "#") {
		return "", nil
	}
	switch f[0] {
	case "help", "?":
		return help, nil
	case "paths":
		return h.PathsText(), nil
	case "signs":
		return h.signsText(), nil
	case "sign":
		return h.signCmd(f[1:])
	case "key", "rate":
		return h.keyCmd(f)
	case "keypad":
		return h.keypadCmd(f[1:])
	case "card":
		return h.cardCmd(f[1:])
	case "printer":
		return h.printerCmd(f[1:])
	}
	return "", fmt.Errorf("unknown command %q (try help)", f[0])
}

// PathsText lists the slave paths, one device a line.
func (h *Hall) PathsText() string {
	names := make([]string, 0, len(h.Paths))
	for n := range h.Paths {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		a, b := names[i], names[j]
		ai, aerr := strconv.Atoi(strings.TrimPrefix(a, "sign "))
		bi, berr := strconv.Atoi(strings.TrimPrefix(b, "sign "))
		switch {
		case aerr == nil && berr == nil:
			return ai < bi
		case aerr == nil || berr == nil:
			return aerr == nil // signs first
		}
		return a < b
	})
	var b strings.Builder
	for _, n := range names {
		extra := ""
		switch {
		case strings.HasPrefix(n, "sign "):
			extra = fmt.Sprintf("  (KWS/1 addr %s, 9600 8N1)", strings.TrimPrefix(n, "sign "))
		case n == "keypad":
			extra = "  (callers/evaluators, 9600 8N1)"
		case n == "idcard":
			extra = "  (SAM module, 115200 8N1)"
		case n == "printer":
			extra = "  (ESC/POS)"
		}
		fmt.Fprintf(&b, "%-8s %s%s\n", n, h.Paths[n], extra)
	}
	return strings.TrimRight(b.String(), "\n")
}

func (h *Hall) signsText() string {
	ws := make([]int, 0, len(h.signs))
	for w := range h.signs {
		ws = append(ws, w)
	}
	sort.Ints(ws)
	var b strings.Builder
	for _, w := range ws {
		sc := h.signs[w].Screen()
		fmt.Fprintf(&b, "sign %d (addr %d, brightness %d): %s\n", w, sc.Addr, sc.Brightness, describe(sc))
	}
	return strings.TrimRight(b.String(), "\n")
}

func atoi(s, what string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%s %q: want %d-%d", what, s, lo, hi)
	}
	return n, nil
}

// faultArgs reads "[MS] [TIMES]" after a fault name: slow takes a delay.
func faultArgs(kind string, rest []string) (delay time.Duration, times int, err error) {
	if kind == "slow" {
		if len(rest) == 0 {
			return 0, 0, errors.New("slow needs a delay in ms")
		}
		ms, err := atoi(rest[0], "delay", 0, 60000)
		if err != nil {
			return 0, 0, err
		}
		delay, rest = time.Duration(ms)*time.Millisecond, rest[1:]
	}
	if len(rest) > 0 {
		if times, err = atoi(rest[0], "times", 0, 1000); err != nil {
			return 0, 0, err
		}
	}
	return delay, times, nil
}

func (h *Hall) signCmd(a []string) (string, error) {
	if len(a) < 2 {
		return "", errors.New("usage: sign W fault KIND [..] | sign W power")
	}
	w, err := atoi(a[0], "window", 1, 247)
	if err != nil {
		return "", err
	}
	s := h.signs[w]
	if s == nil {
		return "", fmt.Errorf("no sign for window %d", w)
	}
	switch a[1] {
	case "power":
		s.PowerCycle()
		return fmt.Sprintf("sign %d power-cycled", w), nil
	case "fault":
		if len(a) < 3 {
			return "", errors.New("usage: sign W fault KIND")
		}
		k, err := ledsigntest.ParseFault(a[2])
		if err != nil {
			return "", err
		}
		d, times, err := faultArgs(a[2], a[3:])
		if err != nil {
			return "", err
		}
		s.SetFault(ledsigntest.Fault{Kind: k, Delay: d, Times: times, Status: ledsign.StatusBusy})
		return fmt.Sprintf("sign %d fault %s", w, a[2]), nil
	}
	return "", fmt.Errorf("unknown sign command %q", a[1])
}

func (h *Hall) keyCmd(f []string) (string, error) {
	if h.keys == nil {
		return "", errors.New("no keypad bus (-keypad=false)")
	}
	if len(f) != 3 {
		return "", fmt.Errorf("usage: %s ADDR VALUE", f[0])
	}
	addr, err := atoi(f[1], "address", 0, 255)
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(h.ctx, 2*time.Second)
	defer cancel()
	if f[0] == "rate" {
		lvl, err := atoi(f[2], "rating", 1, 5)
		if err != nil {
			return "", err
		}
		if err := h.keys.Rate(ctx, uint8(addr), uint8(lvl)); err != nil {
			return "", err
		}
		return fmt.Sprintf("evaluator %d rated %d, acknowledged", addr, lvl), nil
	}
	k, err := keypadtest.ParseKey(f[2])
	if err != nil {
		return "", err
	}
	if err := h.keys.Press(ctx, uint8(addr), k); err != nil {
		return "", err
	}
	return fmt.Sprintf("caller %d pressed %s, acknowledged", addr, f[2]), nil
}

func (h *Hall) keypadCmd(a []string) (string, error) {
	if h.keys == nil {
		return "", errors.New("no keypad bus (-keypad=false)")
	}
	if len(a) < 2 || a[0] != "fault" {
		return "", errors.New("usage: keypad fault KIND [TIMES]")
	}
	k, err := keypadtest.ParseFault(a[1])
	if err != nil {
		return "", err
	}
	_, times, err := faultArgs(a[1], a[2:])
	if err != nil {
		return "", err
	}
	h.keys.SetFault(keypadtest.Fault{Kind: k, Times: times})
	return "keypad fault " + a[1], nil
}

var cardFaults = map[string]idcardtest.FaultKind{"none": idcardtest.NoFault, "silent": idcardtest.Silent,
	"slow": idcardtest.Slow, "badsum": idcardtest.BadChecksum, "truncate": idcardtest.Truncate,
	"hangup": idcardtest.Hangup, "garbage": idcardtest.Garbage, "split": idcardtest.Split,
	"duplicate": idcardtest.Duplicate, "readfails": idcardtest.ReadFails, "authfails": idcardtest.AuthFails}

func (h *Hall) cardCmd(a []string) (string, error) {
	if h.card == nil {
		return "", errors.New("no ID card reader (-idcard=false)")
	}
	if len(a) == 0 {
		return "", errors.New("usage: card place NAME | card remove | card fault KIND")
	}
	switch a[0] {
	case "place":
		if len(a) != 2 {
			return "", fmt.Errorf("usage: card place %s", strings.Join(idcardtest.SampleNames, "|"))
		}
		name := a[1]
		if name == "elderly" {
			name = idcardtest.Elder
		}
		ok := false
		for _, n := range idcardtest.SampleNames {
			ok = ok || n == name
		}
		if !ok {
			return "", fmt.Errorf("no sample card %q (%s)", a[1], strings.Join(idcardtest.SampleNames, ", "))
		}
		h.card.PlaceCard(idcardtest.Sample(name, time.Now()))
		return "card placed: " + name, nil
	case "remove":
		h.card.RemoveCard()
		return "card removed", nil
	case "fault":
		if len(a) < 2 {
			return "", errors.New("usage: card fault KIND [COUNT]")
		}
		k, ok := cardFaults[a[1]]
		if !ok {
			return "", fmt.Errorf("unknown card fault %q", a[1])
		}
		d, n, err := faultArgs(a[1], a[2:])
		if err != nil {
			return "", err
		}
		h.card.SetFault(idcardtest.Fault{Kind: k, Count: n, Delay: d})
		return "card fault " + a[1], nil
	}
	return "", fmt.Errorf("unknown card command %q", a[0])
}

func onOff(a []string, on, off string) (bool, error) {
	if len(a) != 1 || (a[0] != on && a[0] != off) {
		return false, fmt.Errorf("want %s or %s", on, off)
	}
	return a[0] == on, nil
}

func (h *Hall) printerCmd(a []string) (string, error) {
	if h.printer == nil {
		return "", errors.New("no printer (-printer=false)")
	}
	if len(a) == 0 {
		return "", errors.New("usage: printer paper|cover|offline|cutter|fault|tickets ...")
	}
	switch a[0] {
	case "paper-out":
		h.printer.SetPaper(escpostest.PaperOut)
		return "printer: paper out", nil
	case "paper":
		papers := map[string]escpostest.Paper{"ok": escpostest.PaperOK, "near-end": escpostest.PaperNearEnd, "out": escpostest.PaperOut}
		if len(a) != 2 {
			return "", errors.New("usage: printer paper ok|near-end|out")
		}
		p, ok := papers[a[1]]
		if !ok {
			return "", fmt.Errorf("unknown paper state %q", a[1])
		}
		h.printer.SetPaper(p)
		return "printer: paper " + a[1], nil
	case "cover":
		open, err := onOff(a[1:], "open", "closed")
		if err != nil {
			return "", err
		}
		h.printer.SetCoverOpen(open)
		return "printer: cover " + a[1], nil
	case "offline":
		on, err := onOff(a[1:], "on", "off")
		if err != nil {
			return "", err
		}
		h.printer.SetOffline(on)
		return "printer: offline " + a[1], nil
	case "cutter":
		on, err := onOff(a[1:], "on", "off")
		if err != nil {
			return "", err
		}
		h.printer.SetCutterError(on)
		return "printer: cutter error " + a[1], nil
	case "fault":
		kinds := map[string]escpostest.FaultKind{"none": escpostest.NoFault, "silent": escpostest.Silent,
			"slow": escpostest.Slow, "hangup": escpostest.Hangup}
		if len(a) < 2 {
			return "", errors.New("usage: printer fault KIND")
		}
		k, ok := kinds[a[1]]
		if !ok {
			return "", fmt.Errorf("unknown printer fault %q", a[1])
		}
		d, n, err := faultArgs(a[1], a[2:])
		if err != nil {
			return "", err
		}
		h.printer.SetFault(escpostest.Fault{Kind: k, Count: n, Delay: d})
		return "printer fault " + a[1], nil
	case "tickets":
		t := h.printer.Tickets()
		if len(t) == 0 {
			return "no tickets printed", nil
		}
		var b strings.Builder
		for i, s := range t {
			fmt.Fprintf(&b, "--- ticket %d ---\n%s\n", i+1, s)
		}
		return strings.TrimRight(b.String(), "\n"), nil
	}
	return "", fmt.Errorf("unknown printer command %q", a[0])
}

// Main is the command: flags, start, paths, then the control loop on in
// until "quit", end of input or a signal.
func Main(args []string, in io.Reader, out, errOut io.Writer) int {
	fs := flag.NewFlagSet("devemu", flag.ContinueOnError)
	fs.SetOutput(errOut)
	var cfg Config
	fs.IntVar(&cfg.Windows, "windows", 3, "LED window signs (addresses 1..N), one pty each")
	fs.BoolVar(&cfg.Keypad, "keypad", true, "caller/evaluator RS-485 bus")
	fs.BoolVar(&cfg.IDCard, "idcard", true, "ID card reader")
	fs.BoolVar(&cfg.Printer, "printer", true, "ticket printer")
	fs.IntVar(&cfg.SignBaud, "sign-baud", 9600, "pace sign replies like this line speed (0 = at once)")
	fs.IntVar(&cfg.CardBaud, "card-baud", 0, "pace the card reader like this line speed (0 = at once)")
	script := fs.String("script", "", "run the commands in this file before reading stdin")
	fs.Usage = func() {
		fmt.Fprintln(errOut, "usage: devemu [flags]   then type commands (help) on stdin")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	h, err := Start(cfg, out)
	if err != nil {
		fmt.Fprintln(errOut, err)
		return 1
	}
	defer h.Close()
	h.say("%s", h.PathsText())
	h.say("ready; type help")

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	lines := make(chan string)
	readAll := func(r io.Reader) {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}
	go func() {
		if *script != "" {
			if f, err := os.Open(*script); err != nil {
				h.say("script: %v", err)
			} else {
				readAll(f)
				f.Close()
			}
		}
		readAll(in)
		close(lines)
	}()
	for {
		select {
		case <-sigs:
			return 0
		case line, ok := <-lines:
			if !ok {
				return 0
			}
			if strings.TrimSpace(line) == "quit" {
				return 0
			}
			res, err := h.Exec(line)
			switch {
			case err != nil:
				h.say("error: %v", err)
			case res != "":
				h.say("%s", res)
			}
		}
	}
}
