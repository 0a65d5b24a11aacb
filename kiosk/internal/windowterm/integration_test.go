package windowterm_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"hallq/controller/controllertest"
	"hallq/controller/hallproto"
	"hallq/drivers/keypad"
	"hallq/drivers/keypad/keypadtest"
	"hallq/drivers/ledsign"
	"hallq/drivers/ledsign/ledsigntest"
	"hallq/drivers/serialport"
	"hallq/kiosk/internal/link"
	"hallq/kiosk/internal/windowterm"
	"hallq/ui/window"
)

// hall is a real controller (temp dir) with window 3 staffed, an emulated
// RS-485 caller bus (caller 3, evaluator 103) and an emulated KWS/1 sign at
// address 3, both over ptys, and a running terminal for window 3.
type hall struct {
	ctl   *controllertest.Controller
	admin *link.Client
	keys  *keypadtest.Bus
	sign  *ledsigntest.Sign
	line  *tap
	term  *windowterm.Terminal
}

func startHall(t *testing.T) *hall {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	c := controllertest.Start(t, nil)
	// The test's own requests (issue, call from elsewhere) carry request
	// ids, so retries are safe; a loaded CI machine can take over a second
	// to fsync a commit.
	admin, err := link.New(c.URL, c.Token, &link.Opts{MaxTries: 3, TryTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	h := &hall{ctl: c, admin: admin}
	h.post(t, "/api/v1/windows/3/login", hallproto.ActionRequest{Staff: "S005"}, nil)

	km, kslave := openPty(t)
	h.keys = keypadtest.NewBus(km)
	kport, err := serialport.New(kslave, &serialport.Opts{Baud: 9600})
	if err != nil {
		t.Fatal(err)
	}
	bus := keypad.NewBus(kport, &keypad.BusOpts{Windows: map[uint8]string{3: "3", 103: "3"},
		Keys: keypad.DefaultBusKeys, DupWindow: 300 * time.Millisecond})

	sm, sslave := openPty(t)
	h.line = &tap{f: sm}
	h.sign = ledsigntest.NewSign(3)
	signBus := ledsigntest.NewBus(h.line, h.sign)
	sport, err := serialport.New(sslave, &serialport.Opts{Baud: 9600})
	if err != nil {
		t.Fatal(err)
	}
	sign, err := ledsign.New(sport, &ledsign.Opts{Addr: 3, Baud: 9600, Name: "window 3"})
	if err != nil {
		t.Fatal(err)
	}
	// The terminal uses its own link, as a device does.
	dev, err := link.New(c.URL, c.Token, &link.Opts{TryTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	h.term, err = windowterm.New(dev, sign, []keypad.Source{bus}, &windowterm.Options{Window: "3",
		Debounce: time.Second, ActionTimeout: 2 * time.Second, ProbeEvery: 200 * time.Millisecond,
		SignRetry: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{}, 3)
	for _, run := range []func(context.Context) error{h.keys.Serve, signBus.Serve, h.term.Run} {
		go func() { run(ctx); done <- struct{}{} }()
	}
	t.Cleanup(func() {
		cancel()
		for range 3 {
			<-done
		}
		kport.Close()
		sport.Close()
	})
	h.waitSign(t, "欢迎光临")
	return h
}

func (h *hall) post(t *testing.T, path string, in, out any) {
	t.Helper()
	body := map[string]any{"request_id": link.NewRequestID()}
	switch v := in.(type) {
	case hallproto.ActionRequest:
		if v.Staff != "" {
			body["staff"] = v.Staff
		}
	case map[string]any:
		for k, x := range v {
			body[k] = x
		}
	}
	if err := h.admin.Do(context.Background(), http.MethodPost, path, body, out); err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
}

func (h *hall) issue(t *testing.T) hallproto.Ticket {
	t.Helper()
	var tk hallproto.Ticket
	h.post(t, "/api/v1/tickets", map[string]any{"service": "household"}, &tk)
	return tk
}

func (h *hall) press(t *testing.T, key uint8) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := h.keys.Press(ctx, 3, key); err != nil {
		t.Fatalf("press 0x%02X: %v", key, err)
	}
}

func (h *hall) waitSign(t *testing.T, text string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		ch := h.sign.Changed()
		if got := h.sign.Screen().Text; got == text {
			return
		}
		select {
		case <-ch:
		case <-time.After(time.Until(deadline)):
			t.Fatalf("sign shows %q, want %q", h.sign.Screen().Text, text)
		}
	}
}

// crc16Modbus is written out here so the test does not trust the driver's.
func crc16Modbus(p []byte) uint16 {
	crc := uint16(0xFFFF)
	for _, b := range p {
		crc ^= uint16(b)
		for range 8 {
			if crc&1 != 0 {
				crc = crc>>1 ^ 0xA001
			} else {
				crc >>= 1
			}
		}
	}
	return crc
}

// showCallFrame builds SHOW_CALL by hand from protocols.md section 3.
func showCallFrame(addr, seq uint8, ticket, window string, blink uint8) []byte {
	payload := make([]byte, 16)
	copy(payload[0:8], ticket)
	copy(payload[8:12], window)
	payload[12], payload[13] = 0, blink // template 0, blink; hold 0
	body := []byte{0x01, addr, 0x01, seq, 0x10}
	body = binary.LittleEndian.AppendUint16(body, uint16(len(payload)))
	body = append(body, payload...)
	out := append([]byte{0x55, 0xAA}, body...)
	return binary.LittleEndian.AppendUint16(out, crc16Modbus(body))
}

func TestShowCallFrameBuilderMatchesTheSpecVector(t *testing.T) {
	want := []byte{0x55, 0xAA, 0x01, 0x03, 0x01, 0x02, 0x10, 0x10, 0x00, 0x41, 0x30, 0x30, 0x31, 0, 0, 0, 0, 0x33, 0, 0, 0, 0, 0x03, 0, 0, 0x5D, 0x73}
	if got := showCallFrame(3, 2, "A001", "3", 3); !bytes.Equal(got, want) {
		t.Fatalf("% X\nwant % X", got, want)
	}
}

// TestCallNextSendsTheExactFrame: the caller's call-next key reaches the
// controller and the sign receives the KWS/1 SHOW_CALL frame of the called
// ticket, byte for byte; with nobody waiting the sign says 无人等候.
func TestCallNextSendsTheExactFrame(t *testing.T) {
	h := startHall(t)
	h.press(t, keypad.KeyCallNext)
	h.waitSign(t, "无人等候")

	tk := h.issue(t)
	time.Sleep(1100 * time.Millisecond) // past the chatter window
	before := len(h.line.bytes())
	h.press(t, keypad.KeyCallNext)
	want := fmt.Sprintf("请%s号到3号窗口", tk.Number)
	h.waitSign(t, want)

	var dec ledsign.Decoder
	dec.Write(h.line.bytes()[before:])
	found := false
	for {
		f, ok, err := dec.Next()
		if err != nil {
			continue
		}
		if !ok {
			break
		}
		if f.Cmd != ledsign.CmdShowCall {
			continue
		}
		raw, _ := ledsign.AppendFrame(nil, f)
		if exp := showCallFrame(3, f.Seq, tk.Number, "3", 3); !bytes.Equal(raw, exp) {
			t.Fatalf("SHOW_CALL on the line\n% X\nwant\n% X", raw, exp)
		}
		found = true
	}
	if !found {
		t.Fatalf("no SHOW_CALL frame on the sign's line: % X", h.line.bytes()[before:])
	}
	if c := h.sign.Screen().Call; c == nil || c.Ticket != tk.Number || c.Window != "3" {
		t.Fatalf("sign call %+v", c)
	}
}

// TestBadRatingStartsAFollowup: finish with the ask-rating key, the
// evaluator (address 103) rates 2; the rating is bound to the service and
// the follow-up exists with "reason pending".
func TestBadRatingStartsAFollowup(t *testing.T) {
	h := startHall(t)
	tk := h.issue(t)
	h.press(t, keypad.KeyCallNext)
	h.waitSign(t, fmt.Sprintf("请%s号到3号窗口", tk.Number))
	time.Sleep(250 * time.Millisecond)
	h.press(t, keypad.KeyAskRating)
	h.waitSign(t, "欢迎光临")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := h.keys.Rate(ctx, 103, 2); err != nil {
		t.Fatal(err)
	}
	var fl hallproto.FollowupList
	deadline := time.Now().Add(5 * time.Second)
	for len(fl.Followups) == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		if err := h.admin.Do(ctx, http.MethodGet, "/api/v1/followups?status=open", nil, &fl); err != nil {
			t.Fatal(err)
		}
	}
	if len(fl.Followups) != 1 {
		t.Fatalf("follow-ups %+v", fl)
	}
	fu := fl.Followups[0]
	if fu.Number != tk.Number || fu.Window != "3" || fu.Staff != "S005" || fu.Rating != 2 || fu.Reason != hallproto.ReasonPending || fu.Overdue {
		t.Fatalf("follow-up %+v", fu)
	}
	var el hallproto.EvaluationList
	if err := h.admin.Do(ctx, http.MethodGet, "/api/v1/evaluations?window=3", nil, &el); err != nil {
		t.Fatal(err)
	}
	if len(el.Evaluations) != 1 || el.Evaluations[0].Ticket != tk.ID || el.Evaluations[0].Service != "household" || el.Counts[2] != 1 {
		t.Fatalf("evaluations %+v", el)
	}
	// The evaluator pressed again: refused by the terminal (disarmed) and
	// never a second rating.
	if err := h.keys.Rate(ctx, 103, 5); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	if err := h.admin.Do(ctx, http.MethodGet, "/api/v1/evaluations", nil, &el); err != nil || len(el.Evaluations) != 1 {
		t.Fatalf("second rating: %v %+v", err, el)
	}
}

// TestChatteringCallerCallsOnce: the caller sends its frame twice (a
// duplicate on the line) and the key bounces again 150 ms later: one call.
func TestChatteringCallerCallsOnce(t *testing.T) {
	h := startHall(t)
	first, second := h.issue(t), h.issue(t)
	h.keys.SetFault(keypadtest.Fault{Kind: keypadtest.Duplicate, Times: 1})
	h.press(t, keypad.KeyCallNext)
	time.Sleep(150 * time.Millisecond)
	h.press(t, keypad.KeyCallNext) // bounce, within the terminal's 1 s debounce
	h.waitSign(t, fmt.Sprintf("请%s号到3号窗口", first.Number))
	time.Sleep(300 * time.Millisecond)
	var q hallproto.Queues
	if err := h.admin.Do(context.Background(), http.MethodGet, "/api/v1/queues", nil, &q); err != nil {
		t.Fatal(err)
	}
	for _, s := range q.Services {
		if s.Service == "household" && s.Total != 1 {
			t.Fatalf("%d household tickets waiting, want 1 (%s still waiting)", s.Total, second.Number)
		}
	}
}

// TestControllerGoneShowsOffline: keys are refused with 离线 on the sign.
func TestControllerGoneShowsOffline(t *testing.T) {
	h := startHall(t)
	h.issue(t)
	h.ctl.Stop()
	h.press(t, keypad.KeyCallNext)
	h.waitSign(t, "离线")
	if st := h.term.State(); st.Online {
		t.Fatalf("state %+v", st)
	}
	err := h.term.Press(context.Background(), keypad.Event{Kind: keypad.KindRecall, Digit: -1})
	if !errors.Is(err, windowterm.ErrOffline) {
		t.Fatalf("press while offline: %v", err)
	}
}

// TestSignOfflineIsReported: a sign that stops answering is reported to the
// controller (sign_offline), the call is re-sent until it answers, and the
// device is ok again.
func TestSignOfflineIsReported(t *testing.T) {
	h := startHall(t)
	tk := h.issue(t)
	h.sign.SetFault(ledsigntest.Fault{Kind: ledsigntest.Silent})
	h.press(t, keypad.KeyCallNext)
	status := func() hallproto.DeviceStatus {
		var l struct {
			Devices []hallproto.DeviceStatus `json:"devices"`
		}
		if err := h.admin.Do(context.Background(), http.MethodGet, "/api/v1/devices/status", nil, &l); err != nil {
			t.Fatal(err)
		}
		for _, d := range l.Devices {
			if d.Device == "window-3" {
				return d
			}
		}
		return hallproto.DeviceStatus{}
	}
	deadline := time.Now().Add(5 * time.Second)
	for st := status(); st.State != hallproto.DeviceDegraded; st = status() {
		if time.Now().After(deadline) {
			t.Fatalf("status %+v, want degraded with sign_offline", st)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if st := status(); len(st.Problems) != 1 || st.Problems[0] != hallproto.ProblemSignOffline || st.Window != "3" {
		t.Fatalf("status %+v", st)
	}
	h.sign.SetFault(ledsigntest.Fault{})
	h.waitSign(t, fmt.Sprintf("请%s号到3号窗口", tk.Number))
	deadline = time.Now().Add(5 * time.Second)
	for st := status(); st.State != hallproto.DeviceOK; st = status() {
		if time.Now().After(deadline) {
			t.Fatalf("status %+v, want ok once the sign answers", st)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestRunSharedBus runs the command's Run from a configuration: one caller
// bus (pty) shared by windows 1 and 2, a sign each.
func TestRunSharedBus(t *testing.T) {
	c := controllertest.Start(t, nil)
	admin, _ := link.New(c.URL, c.Token, nil)
	ctx, cancel := context.WithCancel(context.Background())
	post := func(path string, body map[string]any, out any) {
		t.Helper()
		body["request_id"] = link.NewRequestID()
		if err := admin.Do(ctx, http.MethodPost, path, body, out); err != nil {
			t.Fatalf("POST %s: %v", path, err)
		}
	}
	post("/api/v1/windows/1/login", map[string]any{"staff": "S001"}, nil)
	post("/api/v1/windows/2/login", map[string]any{"staff": "S002"}, nil)
	var a1, a2 hallproto.Ticket
	post("/api/v1/tickets", map[string]any{"service": "social"}, &a1)
	post("/api/v1/tickets", map[string]any{"service": "social"}, &a2)

	km, kslave := openPty(t)
	keys := keypadtest.NewBus(km)
	s1m, s1 := openPty(t)
	s2m, s2 := openPty(t)
	sign1, sign2 := ledsigntest.NewSign(1), ledsigntest.NewSign(2)
	yaml := fmt.Sprintf(`controller: %s
token: %s
busy_file: "-"
input: {kind: rs485, port: %s}
windows:
  - {window: "1", caller_addr: 1, evaluator_addr: 101, sign: {port: %s, addr: 1}}
  - {window: "2", caller_addr: 2, evaluator_addr: 102, sign: {port: %s, addr: 2}}
`, c.URL, c.Token, kslave, s1, s2)
	cfg, err := windowterm.ParseConfig([]byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 4)
	go func() { done <- keys.Serve(ctx) }()
	go func() { done <- ledsigntest.NewBus(s1m, sign1).Serve(ctx) }()
	go func() { done <- ledsigntest.NewBus(s2m, sign2).Serve(ctx) }()
	go func() { done <- windowterm.Run(ctx, *cfg) }()
	defer func() {
		cancel()
		for range 4 {
			<-done
		}
	}()
	wait := func(s *ledsigntest.Sign, want string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for s.Screen().Text != want {
			if time.Now().After(deadline) {
				t.Fatalf("sign %d shows %q, want %q", s.Screen().Addr, s.Screen().Text, want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	wait(sign1, "欢迎光临")
	wait(sign2, "欢迎光临")
	pctx, pcancel := context.WithTimeout(ctx, 3*time.Second)
	defer pcancel()
	if err := keys.Press(pctx, 2, keypad.KeyCallNext); err != nil {
		t.Fatal(err)
	}
	wait(sign2, fmt.Sprintf("请%s号到2号窗口", a1.Number))
	if err := keys.Press(pctx, 1, keypad.KeyCallNext); err != nil {
		t.Fatal(err)
	}
	wait(sign1, fmt.Sprintf("请%s号到1号窗口", a2.Number))
}

// TestChangesMadeElsewhereReachTheSign: a call from another client (hallctl,
// a staff screen) and a pause from the console reach the sign through the
// event stream.
func TestChangesMadeElsewhereReachTheSign(t *testing.T) {
	h := startHall(t)
	tk := h.issue(t)
	time.Sleep(300 * time.Millisecond) // the terminal is following by now
	h.post(t, "/api/v1/windows/3/call", map[string]any{}, nil)
	h.waitSign(t, fmt.Sprintf("请%s号到3号窗口", tk.Number))
	h.post(t, "/api/v1/windows/3/finish", map[string]any{}, nil)
	h.waitSign(t, "欢迎光临")
	if st := h.term.State(); st.Armed != tk.Number {
		t.Fatalf("evaluator not armed by a finish made elsewhere: %+v", st)
	}
	h.post(t, "/api/v1/windows/3/pause", map[string]any{"reason": "午休"}, nil)
	h.waitSign(t, "暂停服务")
	// The pause key now resumes.
	h.press(t, keypad.KeyPause)
	h.waitSign(t, "欢迎光临")
}

// TestTouchScreenActions: the staff screen's view and actions against the
// real controller: the declared category of the called ticket is confirmed,
// the waiting counts are the window's services'.
func TestTouchScreenActions(t *testing.T) {
	h := startHall(t)
	var tk hallproto.Ticket
	h.post(t, "/api/v1/tickets", map[string]any{"service": "household", "category": "pregnant"}, &tk)
	h.issue(t)
	ctx := context.Background()
	if err := h.term.RefreshQueues(ctx); err != nil {
		t.Fatal(err)
	}
	if v := h.term.View(); len(v.Queues) != 1 || v.Queues[0].Name != "户籍证件" || v.Queues[0].Waiting != 2 || v.Staff != "S005" {
		t.Fatalf("view before the call %+v", v)
	}
	if err := h.term.Do(ctx, window.CallNext, ""); err != nil {
		t.Fatal(err)
	}
	h.waitSign(t, fmt.Sprintf("请%s号到3号窗口", tk.Number))
	v := h.term.View()
	if v.Current != tk.Number || v.Category != "孕妇" || v.CategoryVerified || !v.Enabled(window.Confirm) {
		t.Fatalf("view after the call %+v", v)
	}
	if err := h.term.Do(ctx, window.Confirm, ""); err != nil {
		t.Fatal(err)
	}
	if v := h.term.View(); !v.CategoryVerified || v.Current != tk.Number {
		t.Fatalf("view after confirm %+v", v)
	}
	if err := h.term.Do(ctx, window.Start, ""); err != nil {
		t.Fatal(err)
	}
	if err := h.term.Do(ctx, window.Transfer, "8"); err != nil {
		t.Fatal(err)
	}
	h.waitSign(t, "欢迎光临")
	var ws []hallproto.Window
	if err := h.admin.Do(ctx, http.MethodGet, "/api/v1/windows", nil, &ws); err != nil {
		t.Fatal(err)
	}
	for _, w := range ws {
		if w.ID == "3" && w.Current != nil {
			t.Fatalf("window 3 still has %s after the transfer", w.Current.Number)
		}
	}
}
