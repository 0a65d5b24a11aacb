package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"hallq/controller/hallproto"
)

// startHall starts the controller and the emulated devices without the
// device programs (fast), serving the page on an httptest server.
func startHall(t *testing.T) (*Hall, *httptest.Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	h, err := Start(ctx, Options{DataDir: t.TempDir(), NoDevicePrograms: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	srv := httptest.NewServer(h.Handler())
	t.Cleanup(srv.Close)
	return h, srv
}

func get(t *testing.T, url string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func post(t *testing.T, url, body string) (int, []byte) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func TestPageStateAndProxy(t *testing.T) {
	h, srv := startHall(t)
	code, b := get(t, srv.URL+"/")
	if code != 200 || !bytes.Contains(b, []byte(`id="kiosk-frame"`)) {
		t.Fatalf("page: %d %.200s", code, b)
	}
	// The proxy adds the demo's token: the controller answers the page.
	code, b = get(t, srv.URL+"/api/v1/windows")
	var ws []hallproto.Window
	if code != 200 || json.Unmarshal(b, &ws) != nil || len(ws) != Windows {
		t.Fatalf("windows through the proxy: %d %.300s", code, b)
	}
	for _, w := range ws {
		if w.Status == hallproto.WindowClosed {
			t.Errorf("window %s: no staff logged in", w.ID)
		}
	}
	code, b = get(t, srv.URL+"/demo/state")
	var st State
	if code != 200 || json.Unmarshal(b, &st) != nil {
		t.Fatalf("state: %d %.300s", code, b)
	}
	if len(st.Signs) != Windows || len(st.Citizens) != len(citizens) || st.Ticket != nil {
		t.Fatalf("state: %+v", st)
	}
	// The page maps over the lists: null would stop it drawing anything
	// (no notes is the usual case now that no clock is shifted).
	if bytes.Contains(b, []byte(`"notes":null`)) || bytes.Contains(b, []byte(`"signs":null`)) {
		t.Fatalf("state has a null list: %.300s", b)
	}
	if code, _ := post(t, srv.URL+"/demo/card", `{"citizen":"elderly"}`); code != 200 {
		t.Fatalf("place card: %d", code)
	}
	if h.Snapshot().Placed != "elderly" {
		t.Fatal("card not placed")
	}
	for _, bad := range []string{`{"citizen":"nobody"}`, `{`} {
		if code, b := post(t, srv.URL+"/demo/card", bad); code != 400 || !bytes.Contains(b, []byte(`"message"`)) {
			t.Errorf("card %s: %d %s", bad, code, b)
		}
	}
	for _, bad := range []string{`{"window":0,"key":"call"}`, `{"window":1,"key":"explode"}`, `{"window":1,"key":"rate","level":9}`,
		`{"window":2,"key":"transfer","to":2}`} {
		if code, _ := post(t, srv.URL+"/demo/key", bad); code != 400 {
			t.Errorf("key %s: %d, want 400", bad, code)
		}
	}
	if code, _ := get(t, srv.URL+"/demo/ticket/1"); code != 404 {
		t.Errorf("ticket before any print: %d", code)
	}
	if code, _ := get(t, srv.URL+"/demo/voice/..%2fhall.yaml"); code != 404 {
		t.Errorf("voice path escape: %d", code)
	}
}

// The appointment citizen's booking is open for check-in now, whatever
// the day: the kiosk's check-in (the same API call) gives an appointment
// ticket.
func TestAppointmentCitizenChecksIn(t *testing.T) {
	h, _ := startHall(t)
	st := h.Snapshot()
	if st.Booking == nil || st.Booking.Status != "booked" {
		t.Fatalf("no booking: %+v (notes %q)", st.Booking, st.Notes)
	}
	c, _ := citizenByKey(apptKey)
	id := c.card(h.now()).Identity
	var tk hallproto.Ticket
	err := h.call(context.Background(), "POST", "/api/v1/appointments/checkin", hallproto.CheckinRequest{RequestID: "t-" + randomToken(),
		IDCard: hallproto.IDCard{Number: id.Number, Name: id.Name}}, &tk)
	if err != nil {
		t.Fatal(err)
	}
	if tk.Channel != hallproto.Appointment || !strings.HasPrefix(tk.Number, "A") {
		t.Fatalf("ticket %+v", tk)
	}
}

// A printed job comes back as the slip the page shows.
func TestPrintedTicketBecomesAnImage(t *testing.T) {
	h, srv := startHall(t)
	gb := func(s string) []byte { b, _ := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(s)); return b }
	var job bytes.Buffer
	job.Write([]byte{0x1B, 0x40, 0x1C, 0x26, 0x1B, 0x61, 1})
	job.Write(gb("示范县政务服务中心\n"))
	job.Write([]byte{0x1D, 0x21, 0x33})
	job.Write(gb("A023\n"))
	job.Write([]byte{0x1D, 0x21, 0x00})
	qr := "http://127.0.0.1/m/t/1?k=x"
	n := len(qr) + 3
	job.Write([]byte{0x1D, 0x28, 0x6B, byte(n), byte(n >> 8), 0x31, 0x50, 0x30})
	job.WriteString(qr)
	job.Write([]byte{0x1D, 0x28, 0x6B, 3, 0, 0x31, 0x51, 0x30})
	job.Write([]byte{0x1D, 0x56, 0x42, 3})
	// The kiosk's printer port is the pty slave: write as the kiosk would.
	f, err := openSlave(h.o.DataDir, h.dev.Paths["printer"])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(job.Bytes()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for h.LastTicket().Seq == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	tk := h.LastTicket()
	if tk.Seq != 1 || !strings.Contains(tk.Text, "A023") {
		t.Fatalf("ticket %d %q", tk.Seq, tk.Text)
	}
	code, b := get(t, srv.URL+"/demo/ticket/1")
	if code != 200 {
		t.Fatalf("ticket image: %d", code)
	}
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds().Dx() != slipDots+2*slipMargin || img.Bounds().Dy() < 200 {
		t.Fatalf("slip %v", img.Bounds())
	}
	if dark(img) < 500 {
		t.Fatalf("slip almost blank: %d dark pixels", dark(img))
	}
}

func dark(img image.Image) int {
	n := 0
	r := img.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if g, _, _, _ := img.At(x, y).RGBA(); g < 0x4000 {
				n++
			}
		}
	}
	return n
}

func TestHallConfigNeedsTheTokensLine(t *testing.T) {
	h := &Hall{o: Options{Root: t.TempDir()}}
	if _, err := h.hallConfig(); err == nil {
		t.Fatal("no demo.yaml: no error")
	}
}

func FuzzRenderSlip(f *testing.F) {
	f.Add([]byte{0x1B, 0x40, 0x1B, 0x61, 1, 'A', '0', '1', '\n', 0x1D, 0x56, 0x42, 3})
	f.Add([]byte{0x1D, 0x76, 0x30, 0, 2, 0, 4, 0, 0xFF, 0, 0xAA, 0x55, 1, 2, 3, 4})
	f.Add([]byte{0x1D, 0x28, 0x6B, 5, 0, 0x31, 0x50, 0x30, 'h', 'i', 0x1D, 0x28, 0x6B, 3, 0, 0x31, 0x51, 0x30})
	f.Add([]byte{0x1D, 0x21, 0xFF, 'x', '\n', 0x1B, 0x64, 0xFF})
	fnt, _ := loadFont(findFont())
	f.Fuzz(func(t *testing.T, b []byte) {
		img, err := renderSlip(b, fnt)
		if err != nil {
			return
		}
		if img.Bounds().Dy() > slipMaxH || img.Bounds().Dx() != slipDots+2*slipMargin {
			t.Fatalf("slip %v", img.Bounds())
		}
	})
}
