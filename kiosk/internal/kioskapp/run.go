package kioskapp

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"hallq/drivers/camera"
	"hallq/drivers/escpos"
	"hallq/drivers/idcard"
	"hallq/drivers/serialport"
	"hallq/kiosk/internal/link"
	"hallq/kiosk/internal/ticket"
)

// Run opens the devices and the controller link named in cfg and runs
// the kiosk until ctx ends: on the screen (binaries built with -tags
// noos) or headless.
func Run(ctx context.Context, cfg Config, lg *slog.Logger) error {
	if err := cfg.Check(); err != nil {
		return err
	}
	if lg == nil {
		lg = slog.Default()
	}
	if !cfg.Headless && !ScreenSupported {
		return ErrNoScreen
	}
	d := Deps{Logger: lg}
	var closers []func() error
	defer func() {
		for _, c := range closers {
			c()
		}
	}()
	if cfg.CardReader.Port != "" {
		port, err := serialport.New(cfg.CardReader.Port, &serialport.Opts{Baud: firstBaud(cfg.CardReader.Bauds)})
		if err != nil {
			return fmt.Errorf("kioskapp: card reader: %w", err)
		}
		o := idcard.DefaultOpts
		o.Logger = lg
		if len(cfg.CardReader.Bauds) > 0 {
			o.Bauds = cfg.CardReader.Bauds
		}
		if cfg.CardReader.Poll > 0 {
			o.PollInterval = cfg.CardReader.Poll
		}
		r, err := idcard.New(port, &o)
		if err != nil {
			port.Close()
			return fmt.Errorf("kioskapp: card reader: %w", err)
		}
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		if _, err := r.Probe(pctx); err != nil {
			// Run reopens and polls a silent reader; the flow offers
			// "no ID card" meanwhile.
			lg.Warn("kioskapp: card reader does not answer yet", "err", err)
		}
		cancel()
		d.Reader = r
		closers = append(closers, r.Halt)
	}
	if cfg.Printer.Port != "" {
		port, err := serialport.New(cfg.Printer.Port, &serialport.Opts{Baud: cfg.Printer.Baud})
		if err != nil {
			return fmt.Errorf("kioskapp: printer: %w", err)
		}
		l, _ := ticket.LayoutFor(cfg.Printer.Profile)
		o := escpos.DefaultOpts
		o.Profile, o.Logger = l.Profile, lg
		p, err := escpos.New(port, &o)
		if err != nil {
			port.Close()
			return fmt.Errorf("kioskapp: printer: %w", err)
		}
		d.Printer = p
		closers = append(closers, p.Halt)
	}
	if cfg.Camera.Device != "" {
		c, err := camera.New(cfg.Camera.Device, nil)
		if err != nil {
			// Document capture says the camera is missing; tickets go on.
			lg.Warn("kioskapp: document camera", "err", err)
		} else {
			d.Camera = c
			closers = append(closers, c.Halt)
		}
	}
	lc, err := link.New(cfg.Controller, cfg.Token, &link.Opts{Logger: lg, UserAgent: "hallq-kiosk/" + cfg.Version})
	if err != nil {
		return fmt.Errorf("kioskapp: %w", err)
	}
	d.Link = lc
	var issuerRun func(context.Context) error
	if cfg.Outbox != "" {
		ob, err := link.OpenOutbox(cfg.Outbox)
		if err != nil {
			return fmt.Errorf("kioskapp: outbox: %w", err)
		}
		closers = append(closers, ob.Close)
		is, err := link.NewIssuer(lc, ob, &link.IssuerOpts{Device: cfg.Device, Logger: lg})
		if err != nil {
			return fmt.Errorf("kioskapp: %w", err)
		}
		d.Issuer = LeaseIssuer{is}
		issuerRun = is.Run
	}
	k, err := New(cfg, d)
	if err != nil {
		return err
	}
	if issuerRun != nil {
		ictx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); issuerRun(ictx) }()
		// Stop the replay loop before the outbox closes.
		defer func() { cancel(); <-done }()
	}
	if cfg.Headless {
		k.FirstFrame()
		return k.Run(ctx)
	}
	return runScreen(ctx, cfg, k)
}

func firstBaud(b []int) int {
	if len(b) > 0 {
		return b[0]
	}
	return 115200
}
