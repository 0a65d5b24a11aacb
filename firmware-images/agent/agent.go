package agent

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"golang.org/x/sys/unix"

	"hallq/firmware-images/boot"
	"hallq/firmware-images/bundle"
	"hallq/firmware-images/fleetapi"
)

// Controller is the agent's view of the hall controller; *fleetapi.Client
// implements it.
type Controller interface {
	Checkin(ctx context.Context, st fleetapi.Status) (*fleetapi.CheckinResponse, error)
	Report(ctx context.Context, ev []fleetapi.Event) error
	Fetch(ctx context.Context, url string, offset int64) (io.ReadCloser, int64, error)
}

// Opts configures an Agent.
type Opts struct {
	// Dir holds the state file and the download staging file (on the data
	// partition).
	Dir   string
	Boot  boot.Adapter
	Slots Slots
	Trust *bundle.TrustStore
	// Product and Board must match a bundle's manifest.
	Product, Board string
	// Controller may be nil on a device that only takes local bundles.
	Controller Controller
	// Idle reports that no citizen session and no window action is in
	// progress, so a reboot interrupts nobody.
	Idle func() bool
	Now  func() time.Time
	// MaintenanceHour (0-23) allows a reboot even when not idle; -1 never.
	MaintenanceHour int
	// Health is the local health check; it must not depend on the network.
	Health func(ctx context.Context) error
	// Reboot restarts the machine. It may return (tests, or a reboot that is
	// still in progress); the agent then stops with ErrRebooting.
	Reboot func() error
	// Tries is how many boots a new slot gets; default 3.
	Tries int
	// Fault, when set, is called at named points; a non-nil error aborts the
	// step there as a power cut would. Production leaves it nil.
	Fault func(point string) error
	// Version and Epoch of the factory image, used when no state file exists.
	Version string
	Epoch   uint32
	Logf    func(format string, args ...any)
}

// FaultPoints lists every named fault point, in the order an update meets them.
var FaultPoints = []string{
	"download.chunk", "download.done", "install.start", "install.payload", "install.readback",
	"arm.before", "arm.after", "reboot.before", "trial.health", "commit.before", "commit.after",
}

// Agent is the update state machine.
type Agent struct {
	o  Opts
	st *Persisted
}

const stagingFile = "staging.hqb"

// New loads the persisted state or starts fresh.
func New(o Opts) (*Agent, error) {
	if o.Tries == 0 {
		o.Tries = 3
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Idle == nil {
		o.Idle = func() bool { return true }
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	if o.Health == nil {
		o.Health = func(context.Context) error { return nil }
	}
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("agent: %w", err)
	}
	st, err := loadState(o.Dir)
	if err != nil {
		return nil, err
	}
	if st == nil {
		booted, err := o.Boot.Booted()
		if err != nil {
			return nil, err
		}
		st = &Persisted{State: Idle, Version: o.Version, Epoch: o.Epoch, Slot: booted}
		if err := saveState(o.Dir, st); err != nil {
			return nil, err
		}
	}
	a := &Agent{o: o, st: st}
	if err := a.reconcile(); err != nil {
		return nil, err
	}
	return a, nil
}

// reconcile trusts the boot loader over the state file when they disagree
// outside an update: if the machine runs another slot than the one the
// state says was committed (a commit lost to a power cut on the FAT ESP, a
// technician's manual boot), the running slot and the running image's
// version become the committed ones, so versions reported to the controller
// and checked against bundles are those of what actually runs.
func (a *Agent) reconcile() error {
	if a.st.State != Idle {
		return nil
	}
	booted, err := a.o.Boot.Booted()
	if err != nil || booted == a.st.Slot {
		return err
	}
	was := fmt.Sprintf("%s on %s", a.st.Version, a.st.Slot)
	a.st.Slot = booted
	if a.o.Version != "" {
		a.st.Version, a.st.Epoch = a.o.Version, max(a.o.Epoch, a.st.Epoch)
	}
	a.event(fleetapi.StepCommit, a.st.Version, false, "state said %s; running %s on %s", was, a.st.Version, booted)
	return a.save()
}

// State returns a copy of the persisted state.
func (a *Agent) State() Persisted {
	c := *a.st
	if a.st.Target != nil {
		t := *a.st.Target
		c.Target = &t
	}
	c.Outbox = slices.Clone(a.st.Outbox)
	c.Failed = slices.Clone(a.st.Failed)
	return c
}

func (a *Agent) fault(p string) error {
	if a.o.Fault != nil {
		return a.o.Fault(p)
	}
	return nil
}

func (a *Agent) event(step, version string, ok bool, format string, args ...any) {
	a.st.Seq++
	ev := fleetapi.Event{Seq: a.st.Seq, Time: a.o.Now().UTC(), Step: step, Version: version, OK: ok, Detail: fmt.Sprintf(format, args...)}
	// Bound the outbox: a device offline for months keeps the newest events.
	if len(a.st.Outbox) >= 200 {
		a.st.Outbox = a.st.Outbox[1:]
	}
	a.st.Outbox = append(a.st.Outbox, ev)
	a.o.Logf("agent: %s %s ok=%v %s", step, version, ok, ev.Detail)
}

func (a *Agent) save() error { return saveState(a.o.Dir, a.st) }

// Flush sends the outbox to the controller; failures are kept for later.
func (a *Agent) Flush(ctx context.Context) {
	if a.o.Controller == nil || len(a.st.Outbox) == 0 {
		return
	}
	if err := a.o.Controller.Report(ctx, a.st.Outbox); err != nil {
		if !errors.Is(err, ErrOffline) {
			a.o.Logf("agent: report: %v", err)
		}
		return
	}
	a.st.Outbox = nil
	if err := a.save(); err != nil {
		a.o.Logf("agent: %v", err)
	}
}

// Offer queues a local bundle (USB stick, local push) for installation.
func (a *Agent) Offer(path string) error {
	if a.st.State != Idle {
		return ErrBusy
	}
	a.st.Target = &Target{Local: path}
	a.st.State = Installing
	a.event(fleetapi.StepLocalOffer, "", true, "bundle %s", filepath.Base(path))
	return a.save()
}

// Step runs one transition. wait reports that nothing can happen until
// time passes (no update, or waiting for idle). After a reboot request it
// returns ErrRebooting.
func (a *Agent) Step(ctx context.Context) (wait bool, err error) {
	defer a.Flush(ctx)
	switch a.st.State {
	case Idle:
		return a.idle(ctx)
	case Downloading:
		return false, a.download(ctx)
	case Installing:
		return false, a.install(ctx)
	case Armed:
		return a.armed()
	case Rebooting:
		return false, a.rebooted()
	case Trial:
		return false, a.trial(ctx)
	}
	return false, fmt.Errorf("%w: unknown state %q", ErrState, a.st.State)
}

func (a *Agent) status(ctx context.Context) fleetapi.Status {
	booted, _ := a.o.Boot.Booted()
	health := "ok"
	if err := a.o.Health(ctx); err != nil {
		health = "failing: " + err.Error()
	}
	return fleetapi.Status{Version: a.st.Version, Epoch: a.st.Epoch, Slot: booted, Health: health, State: string(a.st.State),
		Board: a.o.Board, Product: a.o.Product}
}

func (a *Agent) idle(ctx context.Context) (bool, error) {
	if a.o.Controller == nil {
		return true, nil
	}
	resp, err := a.o.Controller.Checkin(ctx, a.status(ctx))
	if err != nil {
		return true, fmt.Errorf("agent: checkin: %w", err)
	}
	d := resp.Desired
	if d == nil || bundle.CompareVersions(d.Version, a.st.Version) <= 0 || slices.Contains(a.st.Failed, d.Version) {
		return true, nil
	}
	booted, err := a.o.Boot.Booted()
	if err != nil {
		return true, err
	}
	os.Remove(filepath.Join(a.o.Dir, stagingFile))
	a.st.Target = &Target{Version: d.Version, URL: d.URL, Size: d.Size, Slot: boot.Other(booted)}
	a.st.State = Downloading
	a.event(fleetapi.StepDownload, d.Version, true, "start %s (%d bytes)", d.URL, d.Size)
	return false, a.save()
}

func (a *Agent) download(ctx context.Context) error {
	t := a.st.Target
	path := filepath.Join(a.o.Dir, stagingFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("agent: staging: %w", err)
	}
	defer f.Close()
	off, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return err
	}
	if t.Size > 0 && off > t.Size {
		f.Truncate(0)
		off, _ = f.Seek(0, io.SeekStart)
	}
	if t.Size == 0 || off < t.Size {
		rc, total, err := a.o.Controller.Fetch(ctx, t.URL, off)
		if err != nil {
			return fmt.Errorf("agent: download from %d: %w", off, err)
		}
		defer rc.Close()
		if t.Size > 0 && total > 0 && total != t.Size {
			return fmt.Errorf("agent: download: bundle is %d bytes, controller announced %d", total, t.Size)
		}
		if t.Size == 0 {
			t.Size = total
		}
		buf := make([]byte, 1<<20)
		for {
			n, rerr := io.ReadFull(rc, buf)
			if n > 0 {
				if _, err := f.Write(buf[:n]); err != nil {
					return fmt.Errorf("agent: staging: %w", err)
				}
				// Sync per chunk so the file size is a safe resume offset.
				if err := f.Sync(); err != nil {
					return fmt.Errorf("agent: staging: %w", err)
				}
				off += int64(n)
				if err := a.fault("download.chunk"); err != nil {
					return err
				}
			}
			if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
				break
			}
			if rerr != nil {
				return fmt.Errorf("agent: download at %d: %w", off, rerr)
			}
		}
		if t.Size > 0 && off != t.Size {
			return fmt.Errorf("agent: download stopped at %d of %d bytes", off, t.Size)
		}
	}
	if err := a.fault("download.done"); err != nil {
		return err
	}
	a.st.State = Installing
	a.event(fleetapi.StepDownload, t.Version, true, "%d bytes", off)
	return a.save()
}

// refuse abandons the target: the bundle will not be installed, and the
// controller is told why.
func (a *Agent) refuse(version string, cause error) error {
	if version != "" && !slices.Contains(a.st.Failed, version) {
		a.st.Failed = append(a.st.Failed, version)
	}
	a.st.LastError = cause.Error()
	a.event(fleetapi.StepRefused, version, false, "%v", cause)
	a.st.Target = nil
	a.st.State = Idle
	if err := a.save(); err != nil {
		return err
	}
	os.Remove(filepath.Join(a.o.Dir, stagingFile))
	return nil
}

func (a *Agent) install(ctx context.Context) error {
	t := a.st.Target
	booted, err := a.o.Boot.Booted()
	if err != nil {
		return err
	}
	if booted == t.Slot && booted != a.st.Slot {
		// The loader already booted the new slot: power was cut after Arm
		// but before the state said so.
		return a.toTrial()
	}
	// Never write the running slot.
	t.Slot = boot.Other(booted)
	src := t.Local
	if src == "" {
		src = filepath.Join(a.o.Dir, stagingFile)
	}
	f, err := os.Open(src)
	if err != nil {
		return a.refuse(t.Version, fmt.Errorf("agent: open bundle: %w", err))
	}
	defer f.Close()
	limits := map[string]int64{}
	for _, name := range a.o.Slots.Payloads() {
		c, err := a.o.Slots.Capacity(t.Slot, name)
		if err != nil {
			return fmt.Errorf("agent: capacity of %s/%s: %w", t.Slot, name, err)
		}
		limits[name] = c
	}
	br, err := bundle.Open(f, bundle.Policy{Trust: a.o.Trust, Product: a.o.Product, Board: a.o.Board,
		Installed: a.st.Version, Epoch: a.st.Epoch, Limits: limits})
	if err != nil {
		return a.refuse(t.Version, err)
	}
	defer br.Close()
	m := br.Manifest()
	if t.Version != "" && m.Version != t.Version {
		return a.refuse(t.Version, fmt.Errorf("agent: bundle holds version %s, controller announced %s", m.Version, t.Version))
	}
	t.Version, t.Epoch = m.Version, m.Epoch
	if err := a.fault("install.start"); err != nil {
		return err
	}
	for {
		p, pr, err := br.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return a.refuse(t.Version, err)
		}
		if err := a.writePayload(t.Slot, p, pr); err != nil {
			var fe faultErr
			if errors.As(err, &fe) {
				return err
			}
			return a.refuse(t.Version, err)
		}
	}
	a.event(fleetapi.StepInstall, t.Version, true, "slot %s written and read back", t.Slot)
	if err := a.fault("arm.before"); err != nil {
		return err
	}
	if err := a.o.Boot.Arm(t.Slot, a.o.Tries); err != nil {
		return fmt.Errorf("agent: arm: %w", err)
	}
	if err := a.fault("arm.after"); err != nil {
		return err
	}
	a.st.State = Armed
	a.event(fleetapi.StepArm, t.Version, true, "slot %s armed with %d tries", t.Slot, a.o.Tries)
	if err := a.save(); err != nil {
		return err
	}
	if t.Local == "" {
		os.Remove(src)
	}
	return nil
}

// faultErr carries a fault-hook error through writePayload, so it is
// treated as a power cut rather than a bad bundle.
type faultErr struct{ error }

func (f faultErr) Unwrap() error { return f.error }

func (a *Agent) writePayload(slot string, p bundle.Payload, r io.Reader) error {
	f, err := a.o.Slots.Open(slot, p.Name)
	if err != nil {
		return fmt.Errorf("agent: open %s/%s: %w", slot, p.Name, err)
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	var n int64
	for {
		k, rerr := r.Read(buf)
		if k > 0 {
			if _, err := f.Write(buf[:k]); err != nil {
				return fmt.Errorf("agent: write %s/%s: %w", slot, p.Name, err)
			}
			n += int64(k)
			if n >= int64(len(buf)) || rerr == io.EOF {
				if err := a.fault("install.payload"); err != nil {
					return faultErr{err}
				}
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return rerr // bundle errors: hash mismatch, truncation
		}
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("agent: sync %s/%s: %w", slot, p.Name, err)
	}
	if err := a.fault("install.readback"); err != nil {
		return faultErr{err}
	}
	if of, ok := f.(*os.File); ok {
		_ = unix.Fadvise(int(of.Fd()), 0, 0, unix.FADV_DONTNEED)
	}
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(f, 0, p.Size)); err != nil {
		return fmt.Errorf("agent: read back %s/%s: %w", slot, p.Name, err)
	}
	if hex.EncodeToString(h.Sum(nil)) != p.SHA256 {
		return fmt.Errorf("%w: %s/%s", ErrReadBack, slot, p.Name)
	}
	return nil
}

func (a *Agent) maintenance() bool {
	return a.o.MaintenanceHour >= 0 && a.o.Now().Hour() == a.o.MaintenanceHour
}

func (a *Agent) armed() (bool, error) {
	t := a.st.Target
	booted, err := a.o.Boot.Booted()
	if err != nil {
		return true, err
	}
	if booted == t.Slot {
		return false, a.toTrial()
	}
	tr, err := a.o.Boot.Trial(t.Slot)
	if err != nil {
		return true, err
	}
	switch tr.State {
	case boot.Exhausted:
		return false, a.rollback("tries exhausted before the agent saw a trial boot")
	case boot.NoTrial:
		if err := a.o.Boot.Arm(t.Slot, a.o.Tries); err != nil {
			return true, err
		}
	}
	if !a.o.Idle() && !a.maintenance() {
		return true, nil
	}
	a.st.State = Rebooting
	a.event(fleetapi.StepReboot, t.Version, true, "into slot %s", t.Slot)
	if err := a.save(); err != nil {
		return true, err
	}
	return false, a.reboot()
}

func (a *Agent) reboot() error {
	if a.o.Controller != nil && len(a.st.Outbox) > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		a.Flush(ctx)
		cancel()
	}
	if err := a.fault("reboot.before"); err != nil {
		return err
	}
	if err := a.o.Reboot(); err != nil {
		return fmt.Errorf("agent: reboot: %w", err)
	}
	return ErrRebooting
}

func (a *Agent) toTrial() error {
	a.st.State = Trial
	a.event(fleetapi.StepTrial, a.st.Target.Version, true, "booted slot %s", a.st.Target.Slot)
	return a.save()
}

func (a *Agent) rebooted() error {
	t := a.st.Target
	booted, err := a.o.Boot.Booted()
	if err != nil {
		return err
	}
	if booted == t.Slot {
		return a.toTrial()
	}
	tr, err := a.o.Boot.Trial(t.Slot)
	if err != nil {
		return err
	}
	if tr.State == boot.Exhausted {
		return a.rollback("tries exhausted")
	}
	// The reboot did not happen (or the loader lost the trial): wait again.
	a.st.State = Armed
	return a.save()
}

func (a *Agent) trial(ctx context.Context) error {
	t := a.st.Target
	booted, err := a.o.Boot.Booted()
	if err != nil {
		return err
	}
	if booted != t.Slot {
		tr, err := a.o.Boot.Trial(t.Slot)
		if err != nil {
			return err
		}
		if tr.State == boot.Pending {
			a.st.State = Armed
			return a.save()
		}
		return a.rollback(fmt.Sprintf("tries exhausted after %d failed health checks", t.HealthFailures))
	}
	if err := a.fault("trial.health"); err != nil {
		return err
	}
	if herr := a.o.Health(ctx); herr != nil {
		t.HealthFailures++
		a.event(fleetapi.StepHealth, t.Version, false, "try %d: %v", t.HealthFailures, herr)
		if err := a.save(); err != nil {
			return err
		}
		return a.reboot()
	}
	a.event(fleetapi.StepHealth, t.Version, true, "slot %s healthy", t.Slot)
	if err := a.fault("commit.before"); err != nil {
		return err
	}
	if err := a.o.Boot.Commit(t.Slot); err != nil {
		return fmt.Errorf("agent: commit: %w", err)
	}
	if err := a.fault("commit.after"); err != nil {
		return err
	}
	a.event(fleetapi.StepCommit, t.Version, true, "slot %s committed (was %s on %s)", t.Slot, a.st.Version, a.st.Slot)
	a.st.Version, a.st.Epoch, a.st.Slot = t.Version, t.Epoch, t.Slot
	a.st.Target, a.st.State, a.st.LastError = nil, Idle, ""
	return a.save()
}

func (a *Agent) rollback(why string) error {
	t := a.st.Target
	if err := a.o.Boot.Disarm(t.Slot); err != nil {
		return fmt.Errorf("agent: disarm: %w", err)
	}
	if !slices.Contains(a.st.Failed, t.Version) {
		a.st.Failed = append(a.st.Failed, t.Version)
	}
	a.st.LastError = fmt.Sprintf("version %s rolled back: %s", t.Version, why)
	a.event(fleetapi.StepRollback, t.Version, false, "%s; running %s on slot %s", why, a.st.Version, a.st.Slot)
	a.st.Target, a.st.State = nil, Idle
	return a.save()
}

// Run steps until ctx ends or a reboot is requested, sleeping poll between
// steps that have to wait.
func (a *Agent) Run(ctx context.Context, poll time.Duration) error {
	for {
		wait, err := a.Step(ctx)
		if errors.Is(err, ErrRebooting) {
			return err
		}
		if err != nil {
			a.o.Logf("agent: %v", err)
			wait = true
		}
		if !wait {
			continue
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(poll):
		}
	}
}

// StagingPath is where downloads are kept; exported for the support bundle.
func (a *Agent) StagingPath() string { return filepath.Join(a.o.Dir, stagingFile) }
