package citizen_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hallq/controller/controllertest"
	"hallq/controller/hallproto"
	"hallq/internal/browsertest"
)

// TestPhonePagesInBrowser books through the form in headless Chromium on a
// real controller, then follows a ticket from its link; screenshots of both
// pages are kept as artifacts.
func TestPhonePagesInBrowser(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	c := controllertest.Start(t, &controllertest.Options{Clock: func() time.Time { return time.Date(2026, 11, 23, 10, 0, 0, 0, cst) }})
	ctx := browsertest.New(t)
	err := chromedp.Do(ctx,
		chromedp.Navigate(c.URL+"/m/book?service=social&date=2026-11-24"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="idnumber"]`)),
		chromedp.Click(chromedp.CSS(`input[name="slot"][value="09:30"]`)),
		chromedp.SendKeys(chromedp.CSS(`#name`), "张三丰"),
		chromedp.SendKeys(chromedp.CSS(`#idnumber`), "11010119900307451X"), // wrong check character first
		chromedp.Click(chromedp.CSS(`form[method="post"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`.error`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.error`)))
	if err != nil || !strings.Contains(msg, "校验位") {
		t.Fatalf("error message %q %v", msg, err)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`input[name="slot"][value="09:30"]`)),
		chromedp.SendKeys(chromedp.CSS(`#name`), "张三丰"),
		chromedp.SendKeys(chromedp.CSS(`#idnumber`), "110101199003074514"),
		chromedp.SendKeys(chromedp.CSS(`#phone`), "13812345678"),
		chromedp.Click(chromedp.CSS(`form[method="post"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`.ok`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`main`)))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"预约成功", "1101**********4514", "张*丰", "138****5678", "2026-11-24 09:30"} {
		if !strings.Contains(text, want) {
			t.Errorf("confirmation lacks %q: %s", want, text)
		}
	}
	if strings.Contains(text, "110101199003074514") {
		t.Error("confirmation shows the ID number")
	}
	browsertest.Screenshot(t, ctx, "citizen-booked")

	// A ticket issued at a kiosk, followed from its QR link.
	body, _ := json.Marshal(hallproto.IssueRequest{RequestID: "b-1", Service: "tax"})
	var tk hallproto.Ticket
	apiCall(t, c, "POST", "/api/v1/tickets", body, &tk)
	var link hallproto.CitizenLink
	apiCall(t, c, "GET", "/api/v1/citizen/links/"+jsonNum(tk.ID), nil, &link)
	if err := chromedp.Do(ctx, chromedp.Navigate(c.URL+link.Path), chromedp.WaitVisible(chromedp.CSS(`.big`))); err != nil {
		t.Fatal(err)
	}
	num, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.big`)))
	if err != nil || num != tk.Number {
		t.Fatalf("ticket page shows %q (%v), want %s", num, err, tk.Number)
	}
	browsertest.Screenshot(t, ctx, "citizen-ticket")
}

func apiCall(t *testing.T, c *controllertest.Controller, method, path string, body []byte, out any) {
	t.Helper()
	req, _ := http.NewRequest(method, c.URL+path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+c.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatal(err)
	}
}

func jsonNum(v uint64) string { b, _ := json.Marshal(v); return string(b) }
