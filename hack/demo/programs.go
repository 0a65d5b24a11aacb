package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// startPrograms builds and starts the kiosk, the window terminals (one
// program for all windows on the shared caller bus) and the hall display.
// A program that does not build or start is reported as a note and the
// demo goes on without it, except the kiosk, the heart of the demo.
func (h *Hall) startPrograms(ctx context.Context) error {
	h.progress("building the device programs (go build -tags noos; the first time takes a few minutes) ...")
	write := func(name, text string) (string, error) {
		p := filepath.Join(h.o.DataDir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			return "", fmt.Errorf("demo: %w", err)
		}
		return p, nil
	}
	font := findFont()

	// Window terminals: every caller at bus address W, its evaluator at
	// 100+W, sign W on its own line.
	if bin, err := buildCommand(ctx, h.o.Root, "kiosk/cmd/window", h.o.BinDir); err != nil {
		h.note("窗口终端未运行 / window terminals not running: %v", err)
	} else {
		var b strings.Builder
		fmt.Fprintf(&b, "controller: %s\ntoken: %s\nbusy_file: \"-\"\ndebounce_ms: 400\ninput: {kind: rs485, port: %s}\nwindows:\n",
			h.base, h.sTok, h.dev.Paths["keypad"])
		for w := 1; w <= Windows; w++ {
			fmt.Fprintf(&b, "  - {window: \"%d\", device: window-%d, caller_addr: %d, evaluator_addr: %d, sign: {port: %s, addr: %d}}\n",
				w, w, w, 100+w, h.dev.Paths[fmt.Sprintf("sign %d", w)], w)
		}
		cfg, err := write("window.yaml", b.String())
		if err != nil {
			return err
		}
		h.windows, err = startChild("window terminals", bin, filepath.Join(h.o.DataDir, "window.log"), "-config", cfg, "-log-level", "warn")
		if err != nil {
			h.note("窗口终端未运行 / window terminals not running: %v", err)
		}
	}

	bin, err := buildCommand(ctx, h.o.Root, "kiosk/cmd/kiosk", h.o.BinDir)
	if err != nil {
		return err
	}
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	kcfg := fmt.Sprintf(`device: kiosk-1
controller: %s
token: %s
card_reader: {port: %s, bauds: [115200], poll: 300ms}
printer: {port: %s, baud: 115200, profile: 80mm}
screen: {virtual: %q, width: %d, height: %d}
tech_pin: "24680"
timeouts: {idle: 90s, done: 20s, issue: 15s, print: 20s}
outbox: %s
busy_file: %s
first_frame_file: %s
`, h.base, h.kTok, h.dev.Paths["idcard"], h.dev.Paths["printer"], addr, h.o.KioskWidth, h.o.KioskHeight,
		filepath.Join(h.o.DataDir, "kiosk-outbox.db"), filepath.Join(h.o.DataDir, "kiosk-busy"),
		filepath.Join(h.o.DataDir, "kiosk-first-frame"))
	if font != "" {
		kcfg += "font: " + font + "\n"
	}
	kpath, err := write("kiosk.yaml", kcfg)
	if err != nil {
		return err
	}
	h.kiosk, err = startChild("kiosk", bin, filepath.Join(h.o.DataDir, "kiosk.log"), "-config", kpath)
	if err != nil {
		return err
	}
	h.KioskURL = "http://" + addr + "/"
	if err := waitHTTP(ctx, h.kiosk, h.KioskURL, 30*time.Second); err != nil {
		return err
	}

	if h.o.NoDisplay {
		return nil
	}
	dbin, err := buildCommand(ctx, h.o.Root, "kiosk/cmd/display", h.o.BinDir)
	if err != nil {
		h.note("大屏未运行，页面自行显示叫号 / hall display program not running (the page shows the calls): %v", err)
		return nil
	}
	daddr, err := freeAddr()
	if err != nil {
		return err
	}
	voiceMode := "off"
	if h.o.Voice {
		if _, err := exec.LookPath("espeak-ng"); err == nil {
			voiceMode = "wav"
			h.voiceDir = filepath.Join(h.o.DataDir, "voice")
			os.MkdirAll(h.voiceDir, 0o700)
		} else {
			h.note("没有 espeak-ng，叫号只显示文字 / no espeak-ng: announcements are text only")
		}
	}
	dcfg := fmt.Sprintf("device: display-1\ncontroller: %s\ntoken: %s\nscreen: {virtual: %q, width: 1280, height: 720}\n"+
		"voice: {mode: %s, dir: %q, times: 1}\nfirst_frame_file: %s\n",
		h.base, h.dTok, daddr, voiceMode, h.voiceDir, filepath.Join(h.o.DataDir, "display-first-frame"))
	if font != "" {
		dcfg += "font: " + font + "\n"
	}
	dpath, err := write("display.yaml", dcfg)
	if err != nil {
		return err
	}
	h.display, err = startChild("display", dbin, filepath.Join(h.o.DataDir, "display.log"), "-config", dpath, "-log-level", "warn")
	if err != nil {
		h.note("大屏未运行 / hall display not running: %v", err)
		return nil
	}
	if err := waitHTTP(ctx, h.display, "http://"+daddr+"/", 30*time.Second); err != nil {
		h.note("大屏未运行 / hall display not running: %v", err)
		h.display.Stop()
		h.display = nil
		return nil
	}
	h.DisplayURL = "http://" + daddr + "/"
	return nil
}
