package displayapp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os/exec"
	"sync"
	"time"

	"hallq/controller/hallproto"
	"hallq/kiosk/internal/devconfig"
	"hallq/kiosk/internal/devscreen"
	"hallq/kiosk/internal/hallview"
	"hallq/kiosk/internal/link"
	"hallq/kiosk/internal/voice"
	"hallq/ui/display"
)

// Version is the display's version, set by the build (-ldflags -X).
var Version = "dev"

// ErrNoScreen: the binary was built without -tags noos.
var ErrNoScreen = errors.New("displayapp: built without -tags noos, so there is no screen driver; rebuild with -tags noos or set headless: true")

// Display is a running hall display.
type Display struct {
	cfg  Config
	log  *slog.Logger
	link *link.Client
	sync *hallview.Syncer
	ann  *voice.Announcer

	changed chan struct{}

	mu           sync.Mutex
	offlineSince time.Time
	voiceProblem string
}

// New wires a display from its configuration.
func New(cfg Config) (*Display, error) {
	cfg.Defaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	lg := cfg.Logger
	if lg == nil {
		lg = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	lc, err := link.New(cfg.Controller, cfg.Token, &link.Opts{Logger: lg, UserAgent: "hallq-display/" + cfg.Version})
	if err != nil {
		return nil, err
	}
	d := &Display{cfg: cfg, log: lg, link: lc, changed: make(chan struct{}, 1)}
	model := hallview.New(&hallview.Opts{MaxCalls: cfg.Calls, Highlight: cfg.Highlight})
	d.sync = hallview.NewSyncer(lc, model, &hallview.SyncOpts{Logger: lg, OnChange: d.onChange})
	if d.ann, err = d.newAnnouncer(); err != nil {
		return nil, err
	}
	lc.OnState(d.onLink)
	return d, nil
}

func (d *Display) newAnnouncer() (*voice.Announcer, error) {
	v := d.cfg.Voice
	if v.Mode == "off" {
		return nil, nil
	}
	var synth voice.Synth
	if v.Clips != "" {
		c, err := voice.LoadClips(v.Clips)
		if err != nil {
			return nil, err
		}
		synth = c
	} else {
		if _, err := exec.LookPath("espeak-ng"); err != nil {
			// The screen is worth running without a voice; staff see the
			// problem in the device list.
			d.log.Error("no voice: espeak-ng is not installed", "err", err)
			d.voiceProblem = "voice_unavailable"
		}
		synth = &voice.Espeak{Voice: v.Voice, Speed: v.Speed}
	}
	var player voice.Player = &voice.Aplay{Device: v.Device}
	if v.Mode == "wav" {
		player = &voice.Dir{Path: v.Dir, Realtime: v.Realtime}
	}
	return voice.NewAnnouncer(&voice.Pipeline{Synth: synth, Player: player}, &voice.Opts{Times: v.Times, MaxAge: v.MaxAge,
		Logger: d.log, OnDone: d.onSpoken}), nil
}

func (d *Display) onSpoken(r voice.Record) {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch r.Outcome {
	case voice.OutcomeFailed:
		d.voiceProblem = "voice_failed"
	case voice.OutcomeSpoken:
		d.voiceProblem = ""
	}
}

func (d *Display) onChange(seq uint64, c hallview.Change) {
	if a := c.Announce; a != nil && d.ann != nil {
		if _, err := d.ann.Announce(voice.Call{Number: a.Number, Window: a.Window, WindowName: a.WindowName,
			Recall: a.Recall, At: a.At}); err != nil {
			d.log.Warn("announce", "ticket", a.Number, "window", a.Window, "err", err)
		}
	}
	select {
	case d.changed <- struct{}{}:
	default:
	}
}

// onLink reloads the snapshot after a long outage: replaying hours of
// events would keep the screen stale longer than reading the state.
func (d *Display) onLink(online bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !online {
		if d.offlineSince.IsZero() {
			d.offlineSince = time.Now()
		}
		return
	}
	if !d.offlineSince.IsZero() && time.Since(d.offlineSince) > d.cfg.ReloadAfter {
		d.log.Info("display: back online after a long outage, reloading", "offline", time.Since(d.offlineSince).Round(time.Second).String())
		d.sync.Reload()
	}
	d.offlineSince = time.Time{}
}

// Changed signals (coalesced) that the view changed.
func (d *Display) Changed() <-chan struct{} { return d.changed }

// View is the model's current view.
func (d *Display) View() hallview.View { return d.sync.View() }

// Announcer speaks the calls; nil when the voice is off.
func (d *Display) Announcer() *voice.Announcer { return d.ann }

// Frame is what the screen shows at now; the clock is the hall's time
// (the device itself may run on UTC).
func (d *Display) Frame(now time.Time) display.Frame {
	v := d.sync.View()
	f := display.Frame{HallName: v.HallName, Now: now.In(v.Location), Notices: v.Notices, Offline: !d.link.Online(),
		BlinkOn: now.UnixMilli()/500%2 == 0}
	for i, c := range v.Calls {
		if i == display.CallRows {
			break
		}
		f.Calls = append(f.Calls, display.CallRow{Number: c.Number, WindowName: c.WindowName, Service: c.ServiceName, Highlight: c.Highlight})
	}
	for _, q := range v.Queues {
		f.Queues = append(f.Queues, display.QueueRow{Name: q.Name, Prefix: q.Prefix, Waiting: q.Waiting})
	}
	return f
}

// FirstFrame creates the first-frame file (firmware contract).
func (d *Display) FirstFrame() {
	if err := devscreen.WriteFirstFrame(d.cfg.FirstFrameFile); err != nil {
		d.log.Warn("first-frame file", "err", err)
	}
}

// Run follows the controller, speaks and draws until ctx ends.
func (d *Display) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); d.sync.Run(ctx) }()
	go func() { defer wg.Done(); d.reportStatus(ctx) }()
	if d.ann != nil {
		wg.Add(1)
		go func() { defer wg.Done(); d.ann.Run(ctx) }()
	}
	var err error
	if d.cfg.Headless {
		<-ctx.Done()
	} else {
		err = runScreen(ctx, d)
		cancel()
	}
	wg.Wait()
	if err != nil {
		return err
	}
	return nil
}

func (d *Display) status() hallproto.DeviceStatus {
	st := hallproto.DeviceStatus{Device: d.cfg.Device, Role: hallproto.RoleDisplay, State: hallproto.DeviceOK,
		Version: d.cfg.Version, At: time.Now()}
	d.mu.Lock()
	if d.voiceProblem != "" {
		st.Problems = append(st.Problems, d.voiceProblem)
		st.State = hallproto.DeviceDegraded
	}
	d.mu.Unlock()
	return st
}

func (d *Display) reportStatus(ctx context.Context) {
	t := time.NewTicker(d.cfg.StatusEvery)
	defer t.Stop()
	for {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		if err := d.link.Do(sctx, "POST", "/api/v1/devices/status", d.status(), nil); err != nil && ctx.Err() == nil {
			d.log.Debug("device status", "err", err)
		}
		cancel()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Run runs a display from its configuration.
func Run(ctx context.Context, cfg Config) error {
	d, err := New(cfg)
	if err != nil {
		return err
	}
	return d.Run(ctx)
}

// Main is the display command: flags, configuration, Run until ctx ends.
func Main(ctx context.Context, args []string, stderr io.Writer) error {
	f, err := devconfig.ParseFlags("display", "/etc/hallq/display.yaml", "hall display configuration (YAML)", args, stderr)
	if err != nil {
		return err
	}
	c, err := LoadConfig(f.Config)
	if err != nil {
		return err
	}
	if f.Check {
		fmt.Fprintf(stderr, "%s: ok (controller %s, voice %s)\n", f.Config, c.Controller, c.Voice.Mode)
		return nil
	}
	c.Version = Version
	c.Logger = f.Logger(stderr)
	return Run(ctx, *c)
}
