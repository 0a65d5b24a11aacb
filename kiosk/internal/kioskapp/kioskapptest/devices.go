package kioskapptest

import (
	"context"
	"sync"

	"hallq/drivers/escpos/escpostest"
	"hallq/drivers/idcard/idcardtest"
)

// Devices is an emulated card reader and printer, each on its own pty.
type Devices struct {
	Card    *idcardtest.Emulator
	Printer *escpostest.Emulator
	// CardPath and PrinterPath are the slave sides the kiosk opens.
	CardPath, PrinterPath string

	ptys   []*PTY
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// Opts configures the emulators; nil fields take the emulators' defaults.
type Opts struct {
	Card    *idcardtest.Opts
	Printer *escpostest.Opts
}

// Start opens the ptys and serves both devices until Close.
func Start(o *Opts) (*Devices, error) {
	if o == nil {
		o = &Opts{}
	}
	cp, err := OpenPTY()
	if err != nil {
		return nil, err
	}
	pp, err := OpenPTY()
	if err != nil {
		cp.Close()
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	d := &Devices{
		Card:        idcardtest.NewEmulator(cp.Master, o.Card),
		Printer:     escpostest.NewEmulator(pp.Master, o.Printer),
		CardPath:    cp.SlavePath,
		PrinterPath: pp.SlavePath,
		ptys:        []*PTY{cp, pp},
		cancel:      cancel,
	}
	d.wg.Add(2)
	go func() { defer d.wg.Done(); d.Card.Run(ctx) }()
	go func() { defer d.wg.Done(); d.Printer.Run(ctx) }()
	return d, nil
}

// Close stops the emulators and closes the ptys.
func (d *Devices) Close() {
	d.cancel()
	d.wg.Wait()
	for _, p := range d.ptys {
		p.Close()
	}
}
