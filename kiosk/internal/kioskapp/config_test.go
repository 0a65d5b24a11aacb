package kioskapp

import (
	"errors"
	"strings"
	"testing"
	"time"
)

const goodConfig = `
device: kiosk-1
controller: http://10.0.0.2:8080
token: kiosk-token-0123456789
card_reader: {port: /dev/ttyUSB0, bauds: [115200, 9600], poll: 500ms}
printer: {port: /dev/ttyUSB1, profile: "58"}
screen: {virtual: "127.0.0.1:7001"}
tech_pin: "2468"
timeouts: {idle: 45s}
outbox: /var/lib/hallq/outbox.db
`

func TestParseConfig(t *testing.T) {
	c, err := ParseConfig([]byte(goodConfig))
	if err != nil {
		t.Fatal(err)
	}
	if c.Printer.Profile != "58" || c.Printer.Baud != 115200 || c.Printer.Poll != 5*time.Second || c.Timeouts.Idle != 45*time.Second ||
		c.Screen.Width != 1280 || c.StatusURL != "http://10.0.0.2:8080/m/t/{id}?k={k}" || c.BusyFile != "/run/hallq/busy" ||
		c.FirstFrameFile != "/run/hallq/first-frame" || c.CardReader.Poll != 500*time.Millisecond {
		t.Errorf("parsed %+v", c)
	}
	for name, tc := range map[string]struct{ yaml, want string }{
		"unknown key":   {goodConfig + "printr: {}\n", "printr"},
		"no controller": {strings.Replace(goodConfig, "controller: http://10.0.0.2:8080", "", 1), "controller"},
		"relative url":  {strings.Replace(goodConfig, "http://10.0.0.2:8080", "10.0.0.2:8080", 1), "controller"},
		"short token":   {strings.Replace(goodConfig, "kiosk-token-0123456789", "short", 1), "token"},
		"profile":       {strings.Replace(goodConfig, `profile: "58"`, `profile: "110mm"`, 1), "profile"},
		"pin letters":   {strings.Replace(goodConfig, `"2468"`, `"24a8"`, 1), "tech_pin"},
		"pin short":     {strings.Replace(goodConfig, `"2468"`, `"24"`, 1), "tech_pin"},
		"no screen":     {strings.Replace(goodConfig, `screen: {virtual: "127.0.0.1:7001"}`, "", 1), "screen"},
		"status url":    {goodConfig + "status_url: /m/t/{id}\n", "status_url"},
		"not yaml":      {"controller: [", "yaml"},
	} {
		_, err := ParseConfig([]byte(tc.yaml))
		if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want ErrConfig mentioning %q", name, err, tc.want)
		}
	}
	headless := strings.Replace(goodConfig, `screen: {virtual: "127.0.0.1:7001"}`, "headless: true", 1)
	if _, err := ParseConfig([]byte(headless)); err != nil {
		t.Errorf("headless without a screen: %v", err)
	}
}

func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(goodConfig))
	f.Add([]byte("headless: true\ncontroller: http://h:1\ntoken: 0123456789abcdef\n"))
	f.Add([]byte("timeouts: {idle: -1s}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseConfig(b)
		if err != nil {
			if !errors.Is(err, ErrConfig) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if len(c.Token) < 16 || c.Printer.Poll <= 0 || c.StatusEvery <= 0 {
			t.Fatalf("accepted a config without its defaults: %+v", c)
		}
	})
}
