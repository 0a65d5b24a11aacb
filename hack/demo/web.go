package main

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"hallq/controller/hallproto"
	"hallq/drivers/escpos/escpostest"
)

//go:embed page.html
var page []byte

// Handler serves the demo page, the demo's own endpoints under /demo/ and
// the controller's API under /api/ (the proxy adds the demo's token: the
// browser never holds it).
func (h *Hall) Handler() http.Handler {
	target, _ := url.Parse(h.base)
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.FlushInterval = -1 // the event stream must not be buffered
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Write(page)
	})
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		r.Header.Set("Authorization", "Bearer "+h.admin)
		r.Header.Del("Cookie")
		proxy.ServeHTTP(w, r)
	})
	mux.HandleFunc("GET /demo/state", h.serveState)
	mux.HandleFunc("POST /demo/card", h.serveCard)
	mux.HandleFunc("POST /demo/key", h.serveKey)
	mux.HandleFunc("POST /demo/printer", h.servePrinter)
	mux.HandleFunc("GET /demo/ticket/{seq}", h.serveTicket)
	mux.HandleFunc("GET /demo/voice/{name}", h.serveVoice)
	return mux
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

// demoError is the controller's error shape, so the page shows both alike.
func demoError(w http.ResponseWriter, code int, zh, en string) {
	writeJSON(w, code, map[string]any{"error": map[string]string{"code": "demo", "message": zh, "message_en": en}})
}

// State is what the page polls: the signs, the last ticket, the card on
// the reader, the device programs' addresses.
type State struct {
	KioskURL      string          `json:"kiosk_url"`
	DisplayURL    string          `json:"display_url"`
	ConsoleURL    string          `json:"console_url"`
	ControllerURL string          `json:"controller_url"`
	Citizens      []citizen       `json:"citizens"`
	Placed        string          `json:"placed"`
	Booking       *bookingView    `json:"booking,omitempty"`
	Signs         []signView      `json:"signs"`
	Ticket        *ticketView     `json:"ticket,omitempty"`
	Voice         []voiceFile     `json:"voice"`
	Notes         []string        `json:"notes"`
	Programs      map[string]bool `json:"programs"`
}

type bookingView struct {
	Service, Date, Slot, Status, MaskedName, TicketNumber string
}

type signView struct {
	Window int    `json:"window"`
	Text   string `json:"text"`
	Call   bool   `json:"call"`
	Blink  int    `json:"blink"`
}

type ticketView struct {
	Seq  int       `json:"seq"`
	At   time.Time `json:"at"`
	Text string    `json:"text"`
	URL  string    `json:"url"`
}

type voiceFile struct {
	Name string `json:"name"`
	Text string `json:"text"`
	URL  string `json:"url"`
}

// Snapshot is the page's state now.
func (h *Hall) Snapshot() State {
	s := State{KioskURL: h.KioskURL, DisplayURL: h.DisplayURL, ControllerURL: h.base,
		ConsoleURL: h.base + "/console/", Citizens: citizens,
		Programs: map[string]bool{}}
	for name, c := range map[string]*child{"kiosk": h.kiosk, "windows": h.windows, "display": h.display} {
		s.Programs[name] = c != nil && c.Running()
	}
	for w := 1; w <= Windows; w++ {
		sc := h.dev.Sign(w).Screen()
		s.Signs = append(s.Signs, signView{Window: w, Text: sc.Text, Call: sc.Call != nil, Blink: int(sc.Blink)})
	}
	h.mu.Lock()
	s.Placed = h.placed
	// Never null: the page maps over it.
	s.Notes = append([]string{}, h.notes...)
	if b := h.booking; b != nil {
		s.Booking = &bookingView{Service: b.ServiceName, Date: b.Date, Slot: b.Slot, Status: b.Status, MaskedName: b.MaskedName}
	}
	if n := len(h.tickets); n > 0 {
		t := h.tickets[n-1]
		s.Ticket = &ticketView{Seq: t.Seq, At: t.At, Text: t.Text, URL: fmt.Sprintf("/demo/ticket/%d", t.Seq)}
	}
	h.mu.Unlock()
	s.Voice = h.voiceFiles()
	return s
}

func (h *Hall) serveState(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, h.Snapshot())
}

// voiceFiles lists the display's announcements (0001-A023-w3.wav), newest
// first.
func (h *Hall) voiceFiles() []voiceFile {
	if h.voiceDir == "" {
		return nil
	}
	es, _ := os.ReadDir(h.voiceDir)
	var out []voiceFile
	for _, e := range es {
		n := e.Name()
		if !strings.HasSuffix(n, ".wav") {
			continue
		}
		f := strings.Split(strings.TrimSuffix(n, ".wav"), "-")
		text := n
		if len(f) == 3 {
			text = fmt.Sprintf("请%s号到%s号窗口办理", f[1], strings.TrimPrefix(f[2], "w"))
		}
		out = append(out, voiceFile{Name: n, Text: text, URL: "/demo/voice/" + n})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name > out[j].Name })
	if len(out) > 12 {
		out = out[:12]
	}
	return out
}

func (h *Hall) serveVoice(w http.ResponseWriter, r *http.Request) {
	n := r.PathValue("name")
	if h.voiceDir == "" || !strings.HasSuffix(n, ".wav") || strings.ContainsAny(n, "/\\") || strings.HasPrefix(n, ".") {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "audio/wav")
	http.ServeFile(w, r, filepath.Join(h.voiceDir, n))
}

func (h *Hall) serveTicket(w http.ResponseWriter, r *http.Request) {
	seq, _ := strconv.Atoi(strings.TrimSuffix(r.PathValue("seq"), ".png"))
	t, ok := h.ticket(seq)
	if !ok || t.PNG == nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "max-age=3600")
	w.Write(t.PNG)
}

func readJSON(r *http.Request, v any) error {
	return json.NewDecoder(io.LimitReader(r.Body, 4096)).Decode(v)
}

func (h *Hall) serveCard(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Citizen string `json:"citizen"` // "" removes the card
	}
	if err := readJSON(r, &in); err != nil {
		demoError(w, http.StatusBadRequest, "请求格式错误", "bad request: "+err.Error())
		return
	}
	if err := h.PlaceCard(r.Context(), in.Citizen); err != nil {
		demoError(w, http.StatusBadRequest, "没有这位演示市民", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"placed": in.Citizen})
}

func (h *Hall) servePrinter(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Paper string `json:"paper"` // ok, out
		Cover string `json:"cover"` // open, closed
	}
	if err := readJSON(r, &in); err != nil {
		demoError(w, http.StatusBadRequest, "请求格式错误", "bad request: "+err.Error())
		return
	}
	var cmds []string
	if in.Paper != "" {
		cmds = append(cmds, "printer paper "+in.Paper)
	}
	if in.Cover != "" {
		cmds = append(cmds, "printer cover "+in.Cover)
	}
	for _, c := range cmds {
		if err := h.printerCmd(c); err != nil {
			demoError(w, http.StatusBadRequest, "打印机命令无效", err.Error())
			return
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

// serveKey presses a window's key on the emulated caller keypad (or a level
// on its evaluator): the window terminal reads it from the RS-485 bus as it
// would from the real device.
func (h *Hall) serveKey(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Window int    `json:"window"`
		Key    string `json:"key"`
		To     int    `json:"to"`    // transfer target window
		Level  int    `json:"level"` // rate
	}
	if err := readJSON(r, &in); err != nil {
		demoError(w, http.StatusBadRequest, "请求格式错误", "bad request: "+err.Error())
		return
	}
	if err := h.Press(r, in.Window, in.Key, in.To, in.Level); err != nil {
		demoError(w, http.StatusBadRequest, "按键无效", err.Error())
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// keyLines maps the page's buttons to the caller keypad's keys.
var keyLines = map[string][]string{
	"call": {"call"}, "recall": {"recall"}, "no-show": {"cancel"}, "start": {"confirm"},
	"finish": {"ask-rating"}, "pause": {"pause"}, "resume": {"pause"},
}

// Press presses key at window w.
func (h *Hall) Press(r *http.Request, w int, key string, to, level int) error {
	if w < 1 || w > Windows {
		return fmt.Errorf("window %d: 1-%d", w, Windows)
	}
	var lines []string
	switch key {
	case "rate":
		if level < 1 || level > 5 {
			return fmt.Errorf("rating %d: 1-5", level)
		}
		lines = []string{fmt.Sprintf("rate %d %d", 100+w, level)}
	case "transfer":
		if to < 1 || to > Windows || to == w {
			return fmt.Errorf("transfer to window %d", to)
		}
		lines = []string{fmt.Sprintf("key %d transfer", w)}
		for _, d := range strconv.Itoa(to) {
			lines = append(lines, fmt.Sprintf("key %d %c", w, d))
		}
		lines = append(lines, fmt.Sprintf("key %d confirm", w))
	default:
		keys, ok := keyLines[key]
		if !ok {
			return fmt.Errorf("unknown key %q", key)
		}
		if key == "pause" || key == "resume" {
			// The keypad has one pause key that toggles: press it only
			// when it changes the window the way the button says.
			var ws []hallproto.Window
			if err := h.call(r.Context(), "GET", "/api/v1/windows", nil, &ws); err == nil {
				for _, x := range ws {
					if x.ID == strconv.Itoa(w) && (x.Status == hallproto.WindowPaused) == (key == "pause") {
						return nil
					}
				}
			}
		}
		for _, k := range keys {
			lines = append(lines, fmt.Sprintf("key %d %s", w, k))
		}
	}
	for _, l := range lines {
		if _, err := h.dev.Exec(l); err != nil {
			return err
		}
	}
	return nil
}

func (h *Hall) printerCmd(line string) error {
	f := strings.Fields(line)
	if len(f) != 3 {
		return fmt.Errorf("bad printer command %q", line)
	}
	switch f[1] + " " + f[2] {
	case "paper ok":
		h.printer.SetPaper(escpostest.PaperOK)
	case "paper out":
		h.printer.SetPaper(escpostest.PaperOut)
	case "cover open":
		h.printer.SetCoverOpen(true)
	case "cover closed":
		h.printer.SetCoverOpen(false)
	default:
		return fmt.Errorf("bad printer command %q", line)
	}
	return nil
}
