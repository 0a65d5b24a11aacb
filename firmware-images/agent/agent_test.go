package agent_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"hallq/firmware-images/agent"
	"hallq/firmware-images/boot"
	"hallq/firmware-images/boot/boottest"
	"hallq/firmware-images/bundle"
	"hallq/firmware-images/bundle/bundletest"
	"hallq/firmware-images/fleetapi"
)

// fakeController serves one desired bundle and records reports and ranges.
type fakeController struct {
	mu      sync.Mutex
	desired *fleetapi.Desired
	bundle  []byte
	events  []fleetapi.Event
	ranges  []int64
	down    bool
}

func (c *fakeController) Checkin(ctx context.Context, st fleetapi.Status) (*fleetapi.CheckinResponse, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.down {
		return nil, errors.New("controller unreachable")
	}
	return &fleetapi.CheckinResponse{Role: "kiosk", Desired: c.desired}, nil
}

func (c *fakeController) Report(ctx context.Context, ev []fleetapi.Event) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.down {
		return errors.New("controller unreachable")
	}
	c.events = append(c.events, ev...)
	return nil
}

func (c *fakeController) Fetch(ctx context.Context, url string, off int64) (io.ReadCloser, int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ranges = append(c.ranges, off)
	return io.NopCloser(bytes.NewReader(c.bundle[off:])), int64(len(c.bundle)), nil
}

func (c *fakeController) steps() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var s []string
	for _, e := range c.events {
		s = append(s, fmt.Sprintf("%s:%s:%v", e.Step, e.Version, e.OK))
	}
	return strings.Join(s, " ")
}

var errPowerCut = errors.New("power cut")

// world is one device: boot loader, slots, state directory and controller,
// all of which survive power cuts; agents come and go.
type world struct {
	t      *testing.T
	dir    string
	slots  *agent.DirSlots
	boot   *boottest.Fake
	ctrl   *fakeController
	key    ed25519.PrivateKey
	trust  *bundle.TrustStore
	images map[string]bool // contents that are complete images
	idle   bool
	now    time.Time
	boots  []string
}

func newWorld(t *testing.T) *world {
	w := &world{t: t, dir: t.TempDir(), boot: boottest.New(), ctrl: &fakeController{}, images: map[string]bool{}, idle: true,
		now: time.Date(2026, 11, 21, 14, 0, 0, 0, time.Local)}
	w.slots = &agent.DirSlots{Dir: filepath.Join(w.dir, "slots"), Names: []string{"kernel", "rootfs"}, Cap: 4 << 20}
	w.key = bundletest.DevKey()
	var err error
	if w.trust, err = bundle.NewTrustStore(bundle.Development, w.key.Public().(ed25519.PublicKey)); err != nil {
		t.Fatal(err)
	}
	w.install("a", image("GOOD", "1.2.0"))
	return w
}

// image returns a 1.3 MiB root image whose first word decides its health.
func image(health, version string) []byte {
	head := []byte(health + " hallq " + version + "\n")
	return append(head, bytes.Repeat([]byte(version+" root filesystem block "), 55000)...)
}

func (w *world) install(slot string, img []byte) {
	os.MkdirAll(filepath.Join(w.slots.Dir, slot), 0o755)
	os.WriteFile(filepath.Join(w.slots.Dir, slot, "rootfs"), img, 0o644)
	os.WriteFile(filepath.Join(w.slots.Dir, slot, "kernel"), []byte("kernel"), 0o644)
	w.images[string(img)] = true
}

func (w *world) publish(version string, img []byte) {
	b, err := bundletest.Make("hallq-kiosk", version, 1, []string{"x86-64-uefi"},
		[]bundletest.Payload{{Name: "kernel", Data: []byte("kernel")}, {Name: "rootfs", Data: img}}, w.key)
	if err != nil {
		w.t.Fatal(err)
	}
	w.images[string(img)] = true
	w.ctrl.bundle = b
	w.ctrl.desired = &fleetapi.Desired{Version: version, URL: "/api/v1/fleet/bundles/kiosk-" + version + ".hqb", Size: int64(len(b))}
}

func (w *world) bootedImage() string {
	s, _ := w.boot.Booted()
	b, _ := os.ReadFile(filepath.Join(w.slots.Dir, s, "rootfs"))
	return string(b)
}

func (w *world) agent(fault func(string) error) *agent.Agent {
	a, err := agent.New(agent.Opts{
		Dir: filepath.Join(w.dir, "state"), Boot: w.boot, Slots: w.slots, Trust: w.trust,
		Product: "hallq-kiosk", Board: "x86-64-uefi", Controller: w.ctrl,
		Idle: func() bool { return w.idle }, Now: func() time.Time { return w.now }, MaintenanceHour: 3,
		Health: func(context.Context) error {
			if !strings.HasPrefix(w.bootedImage(), "GOOD") {
				return errors.New("kiosk did not draw its first frame")
			}
			return nil
		},
		Reboot: func() error { return nil }, Fault: fault, Version: "1.2.0", Epoch: 1,
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return a
}

// powerCycle boots the machine and checks it came up on a complete image.
func (w *world) powerCycle() {
	w.boots = append(w.boots, w.boot.PowerCycle())
	if !w.images[w.bootedImage()] {
		w.t.Fatalf("booted slot %s holds an incomplete or unknown image (%d bytes)", w.boots[len(w.boots)-1], len(w.bootedImage()))
	}
}

// run drives agents across reboots and power cuts until an agent waits in
// Idle, bounded by steps.
func (w *world) run(fault func(string) error) *agent.Agent {
	ctx := context.Background()
	a := w.agent(fault)
	for i := 0; i < 200; i++ {
		wait, err := a.Step(ctx)
		switch {
		case errors.Is(err, agent.ErrRebooting), errors.Is(err, errPowerCut):
			w.powerCycle()
			a = w.agent(fault)
		case err != nil:
			w.t.Fatalf("step %d in %s: %v", i, a.State().State, err)
		case wait && a.State().State == agent.Idle:
			return a
		case wait:
			w.t.Fatalf("agent waits in %s", a.State().State)
		}
	}
	w.t.Fatalf("no steady state after 200 steps; state %+v", a.State())
	return nil
}

func TestGoodUpdateCommits(t *testing.T) {
	w := newWorld(t)
	w.publish("1.3.0", image("GOOD", "1.3.0"))
	a := w.run(nil)
	st := a.State()
	if st.Version != "1.3.0" || st.Slot != "b" || w.boot.Committed() != "b" {
		t.Fatalf("state %+v, committed %s", st, w.boot.Committed())
	}
	want := "download:1.3.0:true download:1.3.0:true install:1.3.0:true arm:1.3.0:true reboot:1.3.0:true trial:1.3.0:true health:1.3.0:true commit:1.3.0:true"
	if got := w.ctrl.steps(); got != want {
		t.Fatalf("reports\n got %s\nwant %s", got, want)
	}
	// The next update goes to slot a, never the running b.
	w.publish("1.4.0", image("GOOD", "1.4.0"))
	a = w.run(nil)
	if st := a.State(); st.Version != "1.4.0" || st.Slot != "a" {
		t.Fatalf("second update: %+v", st)
	}
}

func TestFailingHealthRollsBackAfterThreeTries(t *testing.T) {
	w := newWorld(t)
	w.publish("1.3.0", image("BAD", "1.3.0"))
	a := w.run(nil)
	st := a.State()
	if st.Version != "1.2.0" || st.Slot != "a" || w.boot.Committed() != "a" {
		t.Fatalf("state %+v", st)
	}
	if w.boot.TrialBoots != 3 {
		t.Fatalf("%d trial boots, want 3", w.boot.TrialBoots)
	}
	if len(st.Failed) != 1 || st.Failed[0] != "1.3.0" {
		t.Fatalf("failed %v", st.Failed)
	}
	if !strings.Contains(w.ctrl.steps(), "rollback:1.3.0:false") {
		t.Fatalf("controller not told: %s", w.ctrl.steps())
	}
	if n := strings.Count(w.ctrl.steps(), "health:1.3.0:false"); n != 3 {
		t.Fatalf("%d failed health reports", n)
	}
	// The failed version is not retried.
	a = w.run(nil)
	if w.boot.TrialBoots != 3 {
		t.Fatal("failed version retried")
	}
}

// TestPowerCutAtEveryStep cuts power at each fault point (first, second and
// third time it is reached) and checks that every boot lands on a complete
// image and that the update still completes.
func TestPowerCutAtEveryStep(t *testing.T) {
	for _, health := range []string{"GOOD", "BAD"} {
		for _, point := range agent.FaultPoints {
			for nth := 1; nth <= 3; nth++ {
				health, point, nth := health, point, nth
				t.Run(fmt.Sprintf("%s/%s/%d", health, point, nth), func(t *testing.T) {
					t.Parallel() // dominated by fsync latency, not CPU
					w := newWorld(t)
					w.publish("1.3.0", image(health, "1.3.0"))
					seen, cut := 0, false
					fault := func(p string) error {
						if p == point && !cut {
							seen++
							if seen == nth {
								cut = true
								return errPowerCut
							}
						}
						return nil
					}
					a := w.run(fault)
					st := a.State()
					if nth == 1 && !cut && !(health == "BAD" && strings.HasPrefix(point, "commit.")) {
						t.Fatalf("fault point %s never reached", point)
					}
					if health == "GOOD" && (st.Version != "1.3.0" || w.boot.Committed() != "b") {
						t.Fatalf("good update not committed: %+v", st)
					}
					if health == "BAD" && (st.Version != "1.2.0" || w.boot.Committed() != "a" || len(st.Failed) != 1) {
						t.Fatalf("bad update not rolled back: %+v", st)
					}
					if _, err := w.boot.Booted(); err != nil || !w.images[w.bootedImage()] {
						t.Fatal("not on a working slot")
					}
				})
			}
		}
	}
}

func TestDownloadResumesWithRange(t *testing.T) {
	w := newWorld(t)
	img := make([]byte, 3<<20)
	rand.NewChaCha8([32]byte{1}).Read(img)
	copy(img, "GOOD")
	w.publish("1.3.0", img)
	n := 0
	w.run(func(p string) error {
		if p == "download.chunk" {
			n++
			if n == 1 {
				return errPowerCut
			}
		}
		return nil
	})
	if len(w.ctrl.ranges) < 2 || w.ctrl.ranges[1] == 0 {
		t.Fatalf("ranges %v: download did not resume", w.ctrl.ranges)
	}
}

func TestRefusedBundles(t *testing.T) {
	cases := []struct {
		name string
		mut  func(w *world)
		want string
	}{
		{"truncated download", func(w *world) {
			w.ctrl.bundle = w.ctrl.bundle[:len(w.ctrl.bundle)/2]
			w.ctrl.desired.Size = int64(len(w.ctrl.bundle))
		}, "truncated"},
		{"tampered payload", func(w *world) {
			i := bytes.LastIndex(w.ctrl.bundle, []byte{0x28, 0xb5, 0x2f, 0xfd})
			w.ctrl.bundle[i+300] ^= 0xff
		}, "hash"},
		{"unknown key", func(w *world) {
			_, other, _ := bundle.GenerateKey()
			b, _ := bundletest.Make("hallq-kiosk", "1.3.0", 1, []string{"x86-64-uefi"}, []bundletest.Payload{{Name: "rootfs", Data: []byte("GOOD")}}, other)
			w.ctrl.bundle, w.ctrl.desired.Size = b, int64(len(b))
		}, "unknown key"},
		{"too large for slot", func(w *world) { w.slots.Cap = 1 << 20 }, "larger than target"},
		{"version mismatch", func(w *world) { w.ctrl.desired.Version = "1.5.0" }, "announced"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t)
			w.publish("1.3.0", image("GOOD", "1.3.0"))
			before, _ := os.ReadFile(filepath.Join(w.slots.Dir, "a", "rootfs"))
			c.mut(w)
			a := w.run(nil)
			st := a.State()
			if st.Version != "1.2.0" || len(w.boots) != 0 || !strings.Contains(st.LastError, c.want) {
				t.Fatalf("state %+v boots %v", st, w.boots)
			}
			after, _ := os.ReadFile(filepath.Join(w.slots.Dir, "a", "rootfs"))
			if !bytes.Equal(before, after) {
				t.Fatal("active slot was written")
			}
			if !strings.Contains(w.ctrl.steps(), "refused:") {
				t.Fatalf("controller not told: %s", w.ctrl.steps())
			}
			if _, err := w.boot.Trial("b"); err != nil {
				t.Fatal(err)
			}
			if tr, _ := w.boot.Trial("b"); tr.State != boot.NoTrial {
				t.Fatalf("slot b armed after refusal: %v", tr)
			}
		})
	}
}

func TestRebootWaitsForIdleOrMaintenance(t *testing.T) {
	w := newWorld(t)
	w.publish("1.3.0", image("GOOD", "1.3.0"))
	w.idle = false
	a := w.agent(nil)
	ctx := context.Background()
	for i := 0; i < 20; i++ {
		wait, err := a.Step(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if wait {
			break
		}
	}
	if a.State().State != agent.Armed {
		t.Fatalf("state %s, want armed and waiting", a.State().State)
	}
	if wait, err := a.Step(ctx); !wait || err != nil {
		t.Fatal("rebooted while a citizen is served")
	}
	w.now = time.Date(2026, 11, 22, 3, 10, 0, 0, time.Local) // maintenance hour
	if _, err := a.Step(ctx); !errors.Is(err, agent.ErrRebooting) {
		t.Fatalf("no reboot at maintenance hour: %v", err)
	}
}

func TestLocalBundleFromUSB(t *testing.T) {
	w := newWorld(t)
	w.ctrl = nil
	img := image("GOOD", "1.3.0")
	b, err := bundletest.Make("hallq-kiosk", "1.3.0", 1, []string{"x86-64-uefi"}, []bundletest.Payload{{Name: "rootfs", Data: img}}, w.key)
	if err != nil {
		t.Fatal(err)
	}
	w.images[string(img)] = true
	usb := filepath.Join(t.TempDir(), "HALLQ-1.3.0.HQB")
	os.WriteFile(usb, b, 0o644)
	a, err := agent.New(agent.Opts{Dir: filepath.Join(w.dir, "state"), Boot: w.boot, Slots: w.slots, Trust: w.trust,
		Product: "hallq-kiosk", Board: "x86-64-uefi", Version: "1.2.0", Epoch: 1, Reboot: func() error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Offer(usb); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := 0; i < 10 && a.State().State != agent.Idle; i++ {
		if _, err := a.Step(ctx); errors.Is(err, agent.ErrRebooting) {
			w.boot.PowerCycle()
			a, _ = agent.New(agent.Opts{Dir: filepath.Join(w.dir, "state"), Boot: w.boot, Slots: w.slots, Trust: w.trust,
				Product: "hallq-kiosk", Board: "x86-64-uefi", Reboot: func() error { return nil }})
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if st := a.State(); st.Version != "1.3.0" || st.Slot != "b" {
		t.Fatalf("%+v", st)
	}
}

// TestLostCommitReconciles: the loader forgot a commit (torn FAT rename) and
// boots the old slot; the agent adopts what runs instead of trusting its file.
func TestLostCommitReconciles(t *testing.T) {
	w := newWorld(t)
	w.publish("1.3.0", image("GOOD", "1.3.0"))
	w.run(nil)
	w.boot.Commit("a")
	w.powerCycle()
	a := w.agent(nil)
	if st := a.State(); st.Slot != "a" || st.Version != "1.2.0" {
		t.Fatalf("not reconciled: %+v", st)
	}
	a = w.run(nil) // and the update is applied again
	if st := a.State(); st.Slot != "b" || st.Version != "1.3.0" {
		t.Fatalf("%+v", st)
	}
}
