package main

import (
	"context"
	"image"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hallq/controller/hallproto"
	"hallq/internal/browsertest"
)

// kioskPixel reads one pixel of the kiosk's virtual screen.
func kioskPixel(url string, x, y int) (r, g, b uint8, ok bool) {
	resp, err := http.Get(url + "frame.png")
	if err != nil {
		return 0, 0, 0, false
	}
	defer resp.Body.Close()
	img, err := png.Decode(resp.Body)
	if err != nil || !image.Pt(x, y).In(img.Bounds()) {
		return 0, 0, 0, false
	}
	R, G, B, _ := img.At(x, y).RGBA()
	return uint8(R >> 8), uint8(G >> 8), uint8(B >> 8), true
}

// waitPixel waits until the kiosk draws a colour matching want at (x, y):
// the screen the test expects is up.
func waitPixel(t *testing.T, h *Hall, x, y int, what string, want func(r, g, b uint8) bool) {
	t.Helper()
	url := h.KioskURL
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if r, g, b, ok := kioskPixel(url, x, y); ok && want(r, g, b) {
			return
		}
		time.Sleep(150 * time.Millisecond)
	}
	// Keep what the kiosk showed instead, and why.
	if resp, err := http.Get(url + "frame.png"); err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		os.MkdirAll(browsertest.ArtifactDir(), 0o755)
		os.WriteFile(filepath.Join(browsertest.ArtifactDir(), t.Name()+"-kiosk-failed.png"), b, 0o644)
	}
	if h.kiosk != nil {
		t.Logf("kiosk log:\n%s", h.kiosk.Tail())
	}
	t.Fatalf("kiosk: %s did not appear", what)
}

func blue(r, g, b uint8) bool { return b > 100 && r < 60 && g < 90 }
func red(r, g, b uint8) bool  { return r > 120 && g < 60 && b < 90 }

// The whole demo with its device programs: the page loads, the elderly
// citizen's card goes on the reader from the page's button, taps on the
// kiosk's virtual screen inside the page take a love-channel ticket, the
// printed ticket's image appears and the controller's queue has it; then
// window 7's call-next key changes its LED sign on the page.
func TestDemoInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the device programs: not in -short")
	}
	bctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	h, err := Start(bctx, Options{DataDir: t.TempDir(), NoDisplay: true})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	// The browser session's time limit starts now, not before the minute
	// or more that building the device programs takes on a loaded machine.
	ctx := browsertest.New(t)
	srv := httptest.NewServer(h.Handler())
	defer func() {
		// The page's event stream would hold Close for 5 s.
		srv.CloseClientConnections()
		srv.Close()
	}()

	err = chromedp.Do(ctx,
		chromedp.EmulateViewport(1600, 1000),
		chromedp.Navigate(srv.URL),
		chromedp.WaitVisible(chromedp.CSS("#card-elderly")),
		chromedp.WaitVisible(chromedp.CSS("#sign-7")),
	)
	if err != nil {
		t.Fatal(err)
	}
	// Kiosk coordinates (1280x800) to page coordinates through the iframe.
	rect, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](
		`(() => { const r = document.getElementById("kiosk-frame").getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })()`))
	if err != nil || len(rect) != 4 || rect[2] < 100 {
		t.Fatalf("kiosk frame: %v %v", rect, err)
	}
	tap := func(x, y float64) {
		t.Helper()
		px, py := rect[0]+x*rect[2]/float64(h.o.KioskWidth), rect[1]+y*rect[3]/float64(h.o.KioskHeight)
		if err := chromedp.Do(ctx, chromedp.MouseClickXY(px, py)); err != nil {
			t.Fatal(err)
		}
	}
	before := loveWaiting(t, h)
	// The card goes on the reader at once, while the kiosk may still be
	// starting: the kiosk holds a card read before it knows the hall's
	// hours and services, so it still leads to the menu.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#card-elderly"))); err != nil {
		t.Fatal(err)
	}
	waitPixel(t, h, 217, 357, "the service menu", blue)
	browsertest.Screenshot(t, ctx, "demo-kiosk-menu")
	tap(217, 357) // 社保医保
	waitPixel(t, h, 320, 380, "the love channel offer", red)
	tap(320, 380) // 爱心通道
	// The middle of the button: the large-text confirm screen fits the
	// 800-pixel screen, its buttons at y 530-637.
	waitPixel(t, h, 807, 584, "the confirm button", blue)
	tap(807, 584) // 确认取号
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#ticket-img"))); err != nil {
		t.Fatal(err)
	}
	alt, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("ticket-img").alt`))
	if err != nil || !strings.Contains(alt, "爱心通道") || !strings.Contains(alt, "孙*兰") {
		t.Fatalf("printed ticket %q %v", alt, err)
	}
	ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("ticket-img").naturalHeight > 200`))
	if err != nil || !ok {
		t.Fatalf("ticket image not drawn: %v", err)
	}
	if got := loveWaiting(t, h); got != before+1 {
		t.Fatalf("love-channel waiting %d -> %d, want one more", before, got)
	}
	browsertest.Screenshot(t, ctx, "demo-ticket")

	// Window 7 serves real estate only: the elderly citizen took social
	// insurance, so take a real estate ticket for it.
	var tk hallproto.Ticket
	if err := h.call(bctx, "POST", "/api/v1/tickets", hallproto.IssueRequest{RequestID: "bt-" + randomToken(), Service: "property"}, &tk); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#win-7 button[data-key="call"]`))); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	sign := ""
	for time.Now().Before(deadline) && !strings.Contains(sign, tk.Number) {
		time.Sleep(200 * time.Millisecond)
		if sign, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#sign-7"))); err != nil {
			t.Fatal(err)
		}
	}
	if !strings.Contains(sign, tk.Number) {
		t.Fatalf("window 7's sign on the page: %q, want the call of %s", sign, tk.Number)
	}
	browsertest.Screenshot(t, ctx, "demo-window-sign")
}

func loveWaiting(t *testing.T, h *Hall) int {
	t.Helper()
	var q hallproto.Queues
	if err := h.call(context.Background(), "GET", "/api/v1/queues", nil, &q); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, s := range q.Services {
		n += s.Waiting[hallproto.Love]
	}
	return n
}

// TestScreenshotRunningDemo keeps a screenshot of a demo already running
// at $HALLQ_DEMO_URL (for the docs); skipped without it.
func TestScreenshotRunningDemo(t *testing.T) {
	url := os.Getenv("HALLQ_DEMO_URL")
	if url == "" {
		t.Skip("HALLQ_DEMO_URL not set")
	}
	ctx := browsertest.New(t)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1600, 1100), chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.CSS("#sign-1")), chromedp.Sleep(4*time.Second)); err != nil {
		t.Fatal(err)
	}
	browsertest.Screenshot(t, ctx, "running-demo")
}
