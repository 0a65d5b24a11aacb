// Package hqagent is the device side daemon behind cmd/hqagent: it enrols
// the device from the seed on the ESP, then runs the update agent against
// the controller, picks up bundles from a USB stick or a local inbox, and
// provides the local health check that gates boot-complete.target.
package hqagent

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"hallq/firmware-images/agent"
	"hallq/firmware-images/boot"
	"hallq/firmware-images/bundle"
	"hallq/firmware-images/enrol"
	"hallq/firmware-images/fleetapi"
	"hallq/firmware-images/seed"
)

// Config holds the device paths; defaults match the image layout.
type Config struct {
	StateDir, ESP, TrustDir, VersionFile, ProductFile string
	Board                                             string
	DevTrust                                          bool
	MaintenanceHour                                   int
	BusyFile, USBDir, Inbox                           string
	Poll                                              time.Duration
	HealthUnit, HealthFile                            string
	HealthTimeout                                     time.Duration
}

func flags(fs *flag.FlagSet) *Config {
	c := &Config{}
	fs.StringVar(&c.StateDir, "state", "/data/hallq", "state directory on the data partition")
	fs.StringVar(&c.ESP, "esp", "/boot/efi", "EFI system partition mount point")
	fs.StringVar(&c.TrustDir, "trust", "/etc/hallq/trusted-keys", "trusted bundle keys (*.pub)")
	fs.BoolVar(&c.DevTrust, "dev-trust", false, "development image: accept the development key")
	fs.StringVar(&c.VersionFile, "version-file", "/etc/hallq/version", "file with 'VERSION EPOCH' of this image")
	fs.StringVar(&c.ProductFile, "product-file", "/etc/hallq/product", "file naming the product (hallq-kiosk ...)")
	fs.StringVar(&c.Board, "board", "x86-64-uefi", "board name")
	fs.IntVar(&c.MaintenanceHour, "maintenance-hour", 3, "hour (0-23) when reboots need not wait for idle; -1 never")
	fs.StringVar(&c.BusyFile, "busy-file", "/run/hallq/busy", "exists (and is fresh) while a citizen session or window action is in progress")
	fs.StringVar(&c.USBDir, "usb-dir", "/media/hallq-usb", "where USB sticks are mounted; *.hqb files there are installed")
	fs.StringVar(&c.Inbox, "inbox", "/data/hallq/inbox", "local push directory for *.hqb files")
	fs.DurationVar(&c.Poll, "poll", time.Minute, "controller check-in interval")
	fs.StringVar(&c.HealthUnit, "health-unit", "hallq-app.service", "unit that must be active for the slot to be healthy")
	fs.StringVar(&c.HealthFile, "health-file", "", "file the app creates when it is up (e.g. /run/hallq/first-frame); empty skips")
	fs.DurationVar(&c.HealthTimeout, "health-timeout", 90*time.Second, "how long the app gets to come up")
	return c
}

// Main runs hqagent.
func Main(args []string, stderr io.Writer) int {
	cmd := "run"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	if cmd == "app-config" {
		return appConfigMain(args, stderr)
	}
	fs := flag.NewFlagSet("hqagent "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := flags(fs)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	logger := log.New(stderr, "", 0)
	var err error
	switch cmd {
	case "run":
		err = c.run(logger)
	case "health":
		ctx, cancel := context.WithTimeout(context.Background(), c.HealthTimeout)
		err = c.Health(ctx)
		cancel()
	case "status":
		var st []byte
		st, err = os.ReadFile(filepath.Join(c.StateDir, "agent", "state.json"))
		stderr.Write(st)
	case "install":
		if fs.NArg() != 1 {
			err = errors.New("give one bundle file")
			break
		}
		err = c.push(fs.Arg(0))
	default:
		err = fmt.Errorf("unknown command %q (run, health, status, install FILE, app-config)", cmd)
	}
	if err != nil {
		logger.Printf("hqagent %s: %v", cmd, err)
		return 1
	}
	return 0
}

// push copies a bundle into the inbox for the running agent.
func (c *Config) push(path string) error {
	if err := os.MkdirAll(c.Inbox, 0o700); err != nil {
		return err
	}
	src, err := os.Open(path)
	if err != nil {
		return err
	}
	defer src.Close()
	dst := filepath.Join(c.Inbox, filepath.Base(path))
	f, err := os.Create(dst + ".part")
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, src); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	f.Close()
	return os.Rename(dst+".part", dst)
}

// Health is the local health check: the app unit is active and, if
// configured, the app reported it is up. It never touches the network, so an
// unplugged cable cannot roll back a good update.
func (c *Config) Health(ctx context.Context) error {
	for {
		err := c.healthOnce(ctx)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(2 * time.Second):
		}
	}
}

func (c *Config) healthOnce(ctx context.Context) error {
	if c.HealthUnit != "" {
		out, err := exec.CommandContext(ctx, "systemctl", "is-active", c.HealthUnit).Output()
		if st := strings.TrimSpace(string(out)); err != nil || st != "active" {
			return fmt.Errorf("hqagent: %s is %q", c.HealthUnit, st)
		}
	}
	if c.HealthFile != "" {
		if _, err := os.Stat(c.HealthFile); err != nil {
			return fmt.Errorf("hqagent: app not up: %w", err)
		}
	}
	return nil
}

func (c *Config) idle() bool {
	fi, err := os.Stat(c.BusyFile)
	if err != nil {
		return true
	}
	// A stale busy file (an app that crashed mid-session) must not block
	// updates forever.
	return time.Since(fi.ModTime()) > 15*time.Minute
}

func readVersion(path string) (string, uint32) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "0", 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "0", 0
	}
	var ep uint64
	if len(f) > 1 {
		ep, _ = strconv.ParseUint(f[1], 10, 32)
	}
	return f[0], uint32(ep)
}

// findSeed looks for the seed in the ESP root, case-insensitively (vfat
// shows 8.3 names in either case depending on mount options).
func findSeed(esp string) (string, *seed.Seed) {
	des, _ := os.ReadDir(esp)
	for _, d := range des {
		if strings.EqualFold(d.Name(), seed.FileName) {
			p := filepath.Join(esp, d.Name())
			b, err := os.ReadFile(p)
			if err != nil {
				return "", nil
			}
			s, err := seed.Parse(b)
			if err != nil {
				return "", nil
			}
			return p, s
		}
	}
	return "", nil
}

func (c *Config) run(logger *log.Logger) error {
	mode := bundle.Release
	if c.DevTrust {
		mode = bundle.Development
	}
	trust, err := bundle.LoadTrustStore(mode, c.TrustDir)
	if err != nil {
		return err
	}
	product := "hallq"
	if b, err := os.ReadFile(c.ProductFile); err == nil {
		product = strings.TrimSpace(string(b))
	}
	version, epoch := readVersion(c.VersionFile)
	hostname, _ := os.Hostname()
	ctx := context.Background()

	// Enrolment runs beside the agent: a device whose controller is
	// unreachable still installs bundles from a USB stick.
	ctrl := &lazyController{}
	seedPath, sd := findSeed(c.ESP)
	files := enrol.Files{Key: filepath.Join(c.StateDir, "device.key"), Identity: filepath.Join(c.StateDir, "identity.json")}
	go func() {
		for attempt := 0; ; attempt++ {
			id, key, err := enrol.Ensure(ctx, files, sd, enrol.Info{Hostname: hostname, Board: c.Board, Product: product, Version: version})
			if err == nil {
				logger.Printf("hqagent: device %s, role %s", id.DeviceID, id.Role)
				ctrl.set(id.Client(key))
				if seedPath != "" {
					os.Remove(seedPath) // the token is spent; do not leave it on the card
				}
				return
			}
			if errors.Is(err, enrol.ErrNotEnrolled) {
				logger.Printf("hqagent: not enrolled and no seed: local bundles only")
				return
			}
			logger.Printf("hqagent: enrol: %v", err)
			time.Sleep(min(time.Duration(attempt+1)*10*time.Second, 5*time.Minute))
		}
	}()
	a, err := agent.New(agent.Opts{
		Dir: filepath.Join(c.StateDir, "agent"), Boot: boot.NewSystemdBoot(c.ESP),
		Slots: &agent.DiskSlots{ByPartLabel: "/dev/disk/by-partlabel", ESPDir: filepath.Join(c.ESP, "hallq"), ESPCapacity: 96 << 20},
		Trust: trust, Product: product, Board: c.Board, Controller: ctrl, Idle: c.idle, Now: time.Now,
		MaintenanceHour: c.MaintenanceHour, Version: version,
		Health: func(ctx context.Context) error {
			ctx, cancel := context.WithTimeout(ctx, c.HealthTimeout)
			defer cancel()
			return c.Health(ctx)
		}, Epoch: epoch, Logf: logger.Printf,
		Reboot: func() error { return exec.Command("systemctl", "reboot").Run() },
	})
	if err != nil {
		return err
	}
	for {
		if a.State().State == agent.Idle {
			if p := c.nextLocal(); p != "" {
				if err := a.Offer(p); err != nil {
					logger.Printf("hqagent: offer %s: %v", p, err)
				}
			}
		}
		wait, err := a.Step(ctx)
		if errors.Is(err, agent.ErrRebooting) {
			// systemctl reboot returns before the machine goes down.
			time.Sleep(time.Minute)
			continue
		}
		if err != nil {
			logger.Printf("hqagent: %v", err)
			wait = true
		}
		if wait {
			time.Sleep(c.Poll)
		}
	}
}

// nextLocal returns a bundle from the inbox or a USB stick that has not been
// tried yet.
func (c *Config) nextLocal() string {
	for _, dir := range []string{c.Inbox, c.USBDir} {
		matches, _ := filepath.Glob(filepath.Join(dir, "*.hqb"))
		more, _ := filepath.Glob(filepath.Join(dir, "*", "*.hqb"))
		for _, m := range append(matches, more...) {
			tried := filepath.Join(c.StateDir, "tried", strings.ReplaceAll(strings.TrimPrefix(m, "/"), "/", "_"))
			if fi, err := os.Stat(m); err == nil {
				if t, err := os.ReadFile(tried); err == nil && string(t) == fi.ModTime().String() {
					continue
				}
				os.MkdirAll(filepath.Dir(tried), 0o700)
				os.WriteFile(tried, []byte(fi.ModTime().String()), 0o600)
				return m
			}
		}
	}
	return ""
}

// errNoController: enrolment has not completed yet.
var errNoController = fmt.Errorf("hqagent: not enrolled with a controller (yet): %w", agent.ErrOffline)

// lazyController forwards to the fleet client once enrolment succeeded.
type lazyController struct {
	mu sync.Mutex
	c  *fleetapi.Client
}

func (l *lazyController) set(c *fleetapi.Client) {
	l.mu.Lock()
	l.c = c
	l.mu.Unlock()
}

func (l *lazyController) get() *fleetapi.Client {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.c
}

func (l *lazyController) Checkin(ctx context.Context, st fleetapi.Status) (*fleetapi.CheckinResponse, error) {
	if c := l.get(); c != nil {
		return c.Checkin(ctx, st)
	}
	return &fleetapi.CheckinResponse{}, nil
}

func (l *lazyController) Report(ctx context.Context, ev []fleetapi.Event) error {
	if c := l.get(); c != nil {
		return c.Report(ctx, ev)
	}
	return errNoController
}

func (l *lazyController) Fetch(ctx context.Context, url string, off int64) (io.ReadCloser, int64, error) {
	if c := l.get(); c != nil {
		return c.Fetch(ctx, url, off)
	}
	return nil, 0, errNoController
}
