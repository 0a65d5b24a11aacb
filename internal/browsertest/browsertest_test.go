package browsertest

import (
	"bytes"
	"fmt"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/chromedp/chromedp"
)

// A page with Chinese text and a button whose click changes the text: the
// harness must load it, click, read the change back and keep a screenshot
// that decodes as a PNG of the window's size.
func TestClickAndScreenshot(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><meta charset="utf-8"><title>取号</title>
<p id="out">等待</p><button id="b" onclick="document.getElementById('out').textContent='已取号 A001'">取号</button>`)
	}))
	defer srv.Close()
	ctx := New(t)
	err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL),
		chromedp.WaitVisible(chromedp.CSS("#b")),
		chromedp.Click(chromedp.CSS("#b")),
	)
	if err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#out")))
	if err != nil {
		t.Fatal(err)
	}
	if got != "已取号 A001" {
		t.Fatalf("text after click = %q, want 已取号 A001", got)
	}
	p := Screenshot(t, ctx, "click")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	if img.Bounds().Dx() != 1280 {
		t.Fatalf("screenshot width %d, want 1280", img.Bounds().Dx())
	}
}
