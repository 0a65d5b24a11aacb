package kioskapp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"hallq/controller/controllertest"
	"hallq/controller/hallproto"
	"hallq/drivers/camera"
	"hallq/drivers/camera/cameratest"
	"hallq/drivers/idcard/idcardtest"
	"hallq/kiosk/internal/flow"
	"hallq/kiosk/internal/kioskapp"
	"hallq/kiosk/internal/link"
)

// The documents hall: two services, a window each, a token per role.
const (
	docsKioskToken   = "docs-e2e-kiosk-token-0001"
	docsWindow1Token = "docs-e2e-window-1-token-01"
	docsWindow2Token = "docs-e2e-window-2-token-01"
	docsStaffToken   = "docs-e2e-staff-token-00001"
	docsDevice       = "kiosk-docs"
)

const docsHallYAML = `hall:
  name: "材料测试大厅"
  services:
    - {id: social, name: "社保医保", name_en: "Social insurance", prefix: A, first: 1, last: 999, expected_minutes: 8}
    - {id: household, name: "户籍证件", name_en: "Household registration", prefix: B, first: 1, last: 999, expected_minutes: 10}
  windows:
    - {id: "1", name: "1号窗口", services: [social]}
    - {id: "2", name: "2号窗口", services: [household]}
  hours: {timezone: Asia/Shanghai, issue_from: "00:00", issue_until: "24:00", close: "24:00"}
tokens:
  - {token: "` + docsKioskToken + `", role: kiosk, name: ` + docsDevice + `}
  - {token: "` + docsWindow1Token + `", role: window, window: "1", name: window-1}
  - {token: "` + docsWindow2Token + `", role: window, window: "2", name: window-2}
  - {token: "` + docsStaffToken + `", role: staff, name: S001}
`

// switchCam is a document camera that can break or be unplugged while
// the kiosk streams its preview; healthy, it is cameratest's fake.
type switchCam struct {
	*cameratest.Fake
	mu     sync.Mutex
	broken []byte // returned as the frame while set
}

func (c *switchCam) Capture(ctx context.Context) (*camera.Still, error) {
	c.mu.Lock()
	b := c.broken
	c.mu.Unlock()
	if b != nil {
		// Through the driver's own check, as a real frame goes.
		return camera.NewStill(bytes.Clone(b), time.Now())
	}
	return c.Fake.Capture(ctx)
}

func (c *switchCam) breakWith(frame []byte) {
	c.mu.Lock()
	c.broken = frame
	c.mu.Unlock()
}

// newDocsRig is the documents hall's controller behind a relay, and a
// kiosk with the kiosk role's token, the emulated reader and printer and
// cam as its document camera.
func newDocsRig(t *testing.T, cam kioskapp.Camera) (*rig, *hallProxy) {
	t.Helper()
	now := hallClock()
	r := &rig{now: now, errc: make(chan error, 1)}
	r.ctrl = controllertest.Start(t, &controllertest.Options{ConfigYAML: docsHallYAML, Clock: now})
	px := startProxy(t, r.ctrl.URL)
	devs, reader, printer := openDevices(t, now, devOpts{})
	r.devs = devs
	// r.link reads the controller as staff; the kiosk has its own.
	var err error
	r.link, err = link.New(r.ctrl.URL, docsStaffToken, &link.Opts{MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, MaxTries: 3})
	if err != nil {
		t.Fatal(err)
	}
	klink, err := link.New(px.URL(), docsKioskToken, &link.Opts{MinBackoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond, MaxTries: 2})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	r.cfg = kioskapp.Config{
		Device: docsDevice, Controller: px.URL(), Token: docsKioskToken, Headless: true,
		Printer:  kioskapp.PrinterConfig{Profile: "80mm", Poll: 500 * time.Millisecond},
		BusyFile: filepath.Join(dir, "busy"), FirstFrameFile: filepath.Join(dir, "first-frame"), Version: "test",
	}
	r.k, err = kioskapp.New(r.cfg, kioskapp.Deps{Reader: reader, Printer: printer, Camera: cam, Link: klink, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	// The relay is cut before the controller stops: see TestOfflineKiosk.
	r.runKiosk(t, func() { px.set("") })
	r.waitReady(t)
	return r, px
}

func onScreen(sc flow.Screen) func(flow.State) bool {
	return func(s flow.State) bool { return s.Screen == sc }
}

// capturePage waits for a live preview frame, captures it and returns
// the page under review.
func capturePage(t *testing.T, r *rig) []byte {
	t.Helper()
	r.wait(t, "a preview frame", func(s flow.State) bool { return s.Screen == flow.ScreenPreview && len(s.Preview) > 0 }, 5*time.Second)
	r.k.Send(flow.Capture{})
	st := r.wait(t, "review", func(s flow.State) bool { return s.Screen == flow.ScreenReview && len(s.Review) > 0 }, 5*time.Second)
	return st.Review
}

// staffGet reads the controller with a token; out nil returns the body.
func staffGet(t *testing.T, base, token, path string, out any) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("GET %s: %v: %s", path, err, b)
		}
	}
	return resp.StatusCode, b
}

// TestDocumentsEndToEnd: a citizen takes a ticket, captures two pages of
// the household register (retaking one) and confirms; the controller
// stores them bound to the ticket; staff list them, the window that calls
// the ticket views both pages byte for byte, another window may not. A
// citizen with an ID card stores a page before taking any ticket, and the
// ticket taken later with the same card finds it.
func TestDocumentsEndToEnd(t *testing.T) {
	cam := cameratest.New()
	// Two fixtures of different sizes: the pages show which frame was
	// captured.
	cam.Frames = [][]byte{cameratest.JPEG(cameratest.Document(640, 480), true), cameratest.JPEG(cameratest.Document(480, 640), true)}
	r, _ := newDocsRig(t, cam)

	r.k.Send(flow.Start{})
	r.k.Send(flow.NoIDCard{})
	r.choose(t, "social", "")
	done := r.wait(t, "done", onScreen(flow.ScreenDone), 15*time.Second)
	if !done.CanDocuments || done.Ticket == nil || done.Ticket.ID == 0 {
		t.Fatalf("done screen: documents offered %v, ticket %+v", done.CanDocuments, done.Ticket)
	}
	tid := done.Ticket.ID

	r.k.Send(flow.StartDocuments{})
	st := r.wait(t, "materials", onScreen(flow.ScreenMaterial), 5*time.Second)
	if len(st.Materials) == 0 {
		t.Fatal("no material types offered")
	}
	r.k.Send(flow.ChooseMaterial{ID: "household_register"})
	capturePage(t, r)
	r.k.Send(flow.Retake{})
	r.wait(t, "preview after retake", func(s flow.State) bool { return s.Screen == flow.ScreenPreview && s.Review == nil }, 5*time.Second)
	page1 := capturePage(t, r)
	r.k.Send(flow.KeepPage{})
	r.wait(t, "preview for page 2", func(s flow.State) bool { return s.Screen == flow.ScreenPreview && s.Pages == 1 }, 5*time.Second)
	page2 := capturePage(t, r)
	r.k.Send(flow.FinishDocuments{})
	up := r.wait(t, "uploaded", func(s flow.State) bool { return s.Screen == flow.ScreenUploaded || s.Screen == flow.ScreenMessage }, 10*time.Second)
	if up.Screen != flow.ScreenUploaded {
		t.Fatalf("upload: %v", up.Message)
	}
	if up.Review != nil || up.Preview != nil || up.Pages != 0 {
		t.Errorf("pages still held after the upload: review %d preview %d pages %d", len(up.Review), len(up.Preview), up.Pages)
	}

	// Staff list the ticket's documents.
	var list hallproto.DocumentList
	if code, b := staffGet(t, r.ctrl.URL, docsStaffToken, fmt.Sprintf("/api/v1/tickets/%d/documents", tid), &list); code != 200 {
		t.Fatalf("staff list: %d %s", code, b)
	}
	if len(list.Documents) != 1 {
		t.Fatalf("documents %+v", list.Documents)
	}
	d := list.Documents[0]
	if d.TicketID != tid || d.Pages != 2 || d.Material != "户口簿" || d.Source != docsDevice || d.BoundToPerson ||
		d.Bytes != len(page1)+len(page2) {
		t.Errorf("stored %+v; want ticket %d, 2 pages of 户口簿 (%d bytes) from %s", d, tid, len(page1)+len(page2), docsDevice)
	}

	// Window 1 sees them once it has called the ticket; window 2 never.
	listPath := fmt.Sprintf("/api/v1/tickets/%d/documents", tid)
	if code, _ := staffGet(t, r.ctrl.URL, docsWindow1Token, listPath, nil); code != http.StatusForbidden {
		t.Errorf("window 1 listed a ticket it has not called: %d", code)
	}
	w1, err := link.New(r.ctrl.URL, docsWindow1Token, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := w1.Do(ctx, http.MethodPost, "/api/v1/windows/1/login", hallproto.ActionRequest{RequestID: link.NewRequestID(), Staff: "S001"}, nil); err != nil {
		t.Fatal(err)
	}
	var called hallproto.Ticket
	if err := w1.Do(ctx, http.MethodPost, "/api/v1/windows/1/call", hallproto.ActionRequest{RequestID: link.NewRequestID()}, &called); err != nil || called.ID != tid {
		t.Fatalf("window 1 called %+v, %v; want ticket %d", called, err, tid)
	}
	var wl hallproto.DocumentList
	if code, b := staffGet(t, r.ctrl.URL, docsWindow1Token, listPath, &wl); code != 200 || len(wl.Documents) != 1 || wl.Documents[0].ID != d.ID {
		t.Fatalf("window 1 list: %d %s", code, b)
	}
	for n, want := range [][]byte{page1, page2} {
		path := fmt.Sprintf("/api/v1/documents/%d/pages/%d?ticket=%d", d.ID, n+1, tid)
		code, got := staffGet(t, r.ctrl.URL, docsWindow1Token, path, nil)
		if code != 200 || !bytes.Equal(got, want) {
			t.Errorf("page %d: %d, %d bytes; want the %d bytes reviewed at the kiosk", n+1, code, len(got), len(want))
		}
		if code, _ := staffGet(t, r.ctrl.URL, docsWindow2Token, path, nil); code != http.StatusForbidden {
			t.Errorf("window 2 viewed page %d: %d", n+1, code)
		}
	}
	r.k.Send(flow.StartOver{})
	r.wait(t, "attract", onScreen(flow.ScreenAttract), 5*time.Second)

	// A later visit: pages stored against the ID card before any ticket.
	r.k.Send(flow.Start{})
	r.wait(t, "identify", onScreen(flow.ScreenIdentify), 5*time.Second)
	r.devs.Card.PlaceCard(idcardtest.Sample(idcardtest.Adult, r.now()))
	r.wait(t, "menu", func(s flow.State) bool { return s.Screen == flow.ScreenGroups || s.Screen == flow.ScreenServices }, 10*time.Second)
	r.k.Send(flow.StartDocuments{})
	r.wait(t, "materials", onScreen(flow.ScreenMaterial), 5*time.Second)
	r.k.Send(flow.ChooseMaterial{ID: "idcard_copy"})
	card := capturePage(t, r)
	r.k.Send(flow.FinishDocuments{})
	if st := r.wait(t, "uploaded", func(s flow.State) bool { return s.Screen == flow.ScreenUploaded || s.Screen == flow.ScreenMessage }, 10*time.Second); st.Screen != flow.ScreenUploaded {
		t.Fatalf("upload bound to the card: %v", st.Message)
	}
	r.devs.Card.RemoveCard()
	r.k.Send(flow.StartOver{})
	r.wait(t, "attract", onScreen(flow.ScreenAttract), 5*time.Second)

	r.k.Send(flow.Start{})
	r.wait(t, "identify", onScreen(flow.ScreenIdentify), 5*time.Second)
	r.devs.Card.PlaceCard(idcardtest.Sample(idcardtest.Adult, r.now()))
	r.wait(t, "menu", func(s flow.State) bool { return s.Screen == flow.ScreenGroups || s.Screen == flow.ScreenServices }, 10*time.Second)
	r.choose(t, "household", hallproto.Normal)
	later := r.wait(t, "done", onScreen(flow.ScreenDone), 15*time.Second)
	r.devs.Card.RemoveCard()
	var pl hallproto.DocumentList
	if code, b := staffGet(t, r.ctrl.URL, docsStaffToken, fmt.Sprintf("/api/v1/tickets/%d/documents", later.Ticket.ID), &pl); code != 200 {
		t.Fatalf("list: %d %s", code, b)
	}
	if len(pl.Documents) != 1 || !pl.Documents[0].BoundToPerson || pl.Documents[0].Material != "身份证复印件" || pl.Documents[0].Bytes != len(card) {
		t.Fatalf("the later ticket finds %+v; want the ID card copy bound to the person", pl.Documents)
	}
}

// TestDocumentFaults: the camera missing or sending broken frames, and
// the controller unreachable at upload: each ends in a clear Chinese
// message and a sane state; pages already kept are never lost.
func TestDocumentFaults(t *testing.T) {
	good := cameratest.JPEG(cameratest.Document(640, 480), true)
	full := cameratest.JPEG(cameratest.Document(640, 480), false)
	truncated := append(bytes.Clone(full[:len(full)/2]), 0xFF, 0xD9) // the header is whole, the scan is not
	for _, tc := range []struct {
		name string
		// fault is applied on the preview (before a page was kept) or,
		// with afterPage, once one page is kept.
		fault     func(c *switchCam)
		afterPage bool
		message   string // in the message's Chinese
		problem   string // in the kiosk's device report
	}{
		{"camera missing", func(c *switchCam) { c.Halt() }, false, "未检测到高拍仪", "camera_missing"},
		{"garbage frames", func(c *switchCam) { c.breakWith([]byte("\xff\xd8 not a jpeg at all")) }, false, "高拍仪画面异常", "camera_broken"},
		{"truncated frames", func(c *switchCam) { c.breakWith(truncated) }, false, "高拍仪画面异常", "camera_broken"},
		{"unplugged after a page", func(c *switchCam) { c.Halt() }, true, "未检测到高拍仪", "camera_missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cam := &switchCam{Fake: &cameratest.Fake{Frames: [][]byte{good}}}
			r, _ := newDocsRig(t, cam)
			r.k.Send(flow.Start{})
			r.wait(t, "identify", onScreen(flow.ScreenIdentify), 5*time.Second)
			r.devs.Card.PlaceCard(idcardtest.Sample(idcardtest.Adult, r.now()))
			r.wait(t, "menu", func(s flow.State) bool { return s.Screen == flow.ScreenGroups || s.Screen == flow.ScreenServices }, 10*time.Second)
			r.k.Send(flow.StartDocuments{})
			r.wait(t, "materials", onScreen(flow.ScreenMaterial), 5*time.Second)
			r.k.Send(flow.ChooseMaterial{ID: "certificate"})
			var kept []byte
			if tc.afterPage {
				kept = capturePage(t, r)
				r.k.Send(flow.KeepPage{})
				r.wait(t, "preview", func(s flow.State) bool { return s.Screen == flow.ScreenPreview && s.Pages == 1 }, 5*time.Second)
			} else {
				r.wait(t, "a preview frame", func(s flow.State) bool { return len(s.Preview) > 0 }, 5*time.Second)
			}
			tc.fault(cam)
			msg := r.wait(t, "the camera message", onScreen(flow.ScreenMessage), 5*time.Second)
			if !strings.Contains(msg.Message.ZH, tc.message) || msg.Message.EN == "" {
				t.Errorf("message %v, want one saying %q", msg.Message, tc.message)
			}
			if msg.Preview != nil || msg.Review != nil {
				t.Error("a broken frame is still on screen")
			}
			var list struct {
				Devices []hallproto.DeviceStatus `json:"devices"`
			}
			deadline := time.Now().Add(5 * time.Second)
			for reported := false; !reported; {
				staffGet(t, r.ctrl.URL, docsStaffToken, "/api/v1/devices/status", &list)
				for _, d := range list.Devices {
					reported = reported || (d.Device == docsDevice && d.State == "degraded" && slices.Contains(d.Problems, tc.problem))
				}
				if !reported && time.Now().After(deadline) {
					t.Fatalf("the controller never heard of %s: %+v", tc.problem, list.Devices)
				}
				time.Sleep(20 * time.Millisecond)
			}
			r.k.Send(flow.Acknowledge{})
			if !tc.afterPage {
				// Nothing kept: the session ends, the kiosk still issues.
				end := r.wait(t, "attract", onScreen(flow.ScreenAttract), 5*time.Second)
				if end.Person != nil {
					t.Error("the citizen's data outlived the session")
				}
				r.k.Send(flow.Start{})
				r.k.Send(flow.NoIDCard{})
				r.choose(t, "social", "")
				r.wait(t, "a ticket despite the camera", onScreen(flow.ScreenDone), 15*time.Second)
				return
			}
			// The kept page survives the camera and is uploaded.
			st := r.wait(t, "review of the kept page", onScreen(flow.ScreenReview), 5*time.Second)
			if st.Pages != 1 {
				t.Fatalf("pages %d after the camera failed, want the kept one", st.Pages)
			}
			r.k.Send(flow.FinishDocuments{})
			r.wait(t, "uploaded", onScreen(flow.ScreenUploaded), 10*time.Second)
			if len(kept) == 0 {
				t.Fatal("no page kept")
			}
		})
	}
}

// TestDocumentUploadUnreachable: the controller does not answer the
// upload: the citizen is told calmly, the pages stay, and the retry (same
// request id) stores them once when the controller answers again.
func TestDocumentUploadUnreachable(t *testing.T) {
	cam := cameratest.New()
	r, px := newDocsRig(t, cam)
	r.k.Send(flow.Start{})
	r.wait(t, "identify", onScreen(flow.ScreenIdentify), 5*time.Second)
	r.devs.Card.PlaceCard(idcardtest.Sample(idcardtest.HongKong, r.now()))
	r.wait(t, "menu", func(s flow.State) bool { return s.Screen == flow.ScreenGroups || s.Screen == flow.ScreenServices }, 10*time.Second)
	r.k.Send(flow.StartDocuments{})
	r.wait(t, "materials", onScreen(flow.ScreenMaterial), 5*time.Second)
	r.k.Send(flow.ChooseMaterial{ID: "application_form"})
	page := capturePage(t, r)

	backend := r.ctrl.URL
	px.set("")
	r.k.Send(flow.FinishDocuments{})
	msg := r.wait(t, "upload failed", onScreen(flow.ScreenMessage), 15*time.Second)
	if !strings.Contains(msg.Message.ZH, "上传失败") {
		t.Errorf("message %v", msg.Message)
	}
	r.k.Send(flow.Acknowledge{})
	st := r.wait(t, "review with the pages", onScreen(flow.ScreenReview), 5*time.Second)
	if st.Pages != 1 {
		t.Fatalf("pages %d after a failed upload, want 1", st.Pages)
	}

	px.set(backend)
	r.k.Send(flow.FinishDocuments{})
	r.wait(t, "uploaded", onScreen(flow.ScreenUploaded), 10*time.Second)

	// Bound to the card: a ticket with the same card lists it once.
	r.k.Send(flow.StartOver{})
	r.devs.Card.RemoveCard()
	r.wait(t, "attract", onScreen(flow.ScreenAttract), 5*time.Second)
	r.k.Send(flow.Start{})
	r.wait(t, "identify", onScreen(flow.ScreenIdentify), 5*time.Second)
	r.devs.Card.PlaceCard(idcardtest.Sample(idcardtest.HongKong, r.now()))
	r.wait(t, "menu", func(s flow.State) bool { return s.Screen == flow.ScreenGroups || s.Screen == flow.ScreenServices }, 10*time.Second)
	r.choose(t, "social", hallproto.Normal)
	done := r.wait(t, "done", onScreen(flow.ScreenDone), 15*time.Second)
	var pl hallproto.DocumentList
	if code, b := staffGet(t, r.ctrl.URL, docsStaffToken, fmt.Sprintf("/api/v1/tickets/%d/documents", done.Ticket.ID), &pl); code != 200 {
		t.Fatalf("list: %d %s", code, b)
	}
	if len(pl.Documents) != 1 || pl.Documents[0].Bytes != len(page) {
		t.Fatalf("documents after the retry: %+v; want the one page once", pl.Documents)
	}
}

// BenchmarkPreviewFrameCheck is what the kiosk pays per preview frame to
// refuse frames that do not decode (about three frames a second while the
// document camera is in use): a full decode, at a UVC document camera's
// preview size and at a 5 MP still.
func BenchmarkPreviewFrameCheck(b *testing.B) {
	for _, sz := range []struct{ w, h int }{{640, 480}, {2592, 1944}} {
		b.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(b *testing.B) {
			frame := cameratest.JPEG(cameratest.Document(sz.w, sz.h), true)
			st, err := camera.NewStill(frame, time.Now())
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(st.JPEG)))
			b.ReportAllocs()
			start := time.Now()
			for b.Loop() {
				if _, err := st.Decode(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/frame")
		})
	}
}
