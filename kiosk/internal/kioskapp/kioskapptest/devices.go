// Package kioskapptest runs the kiosk's emulated devices for tests, the
// benchmarks and the demo: an ID card reader (idcardtest) and a receipt
// printer (escpostest), each on the master side of its own
// pseudo-terminal (internal/pty), so the kiosk opens the slave paths
// exactly as it opens /dev/ttyUSB0 on a device. It does not import testing.
package kioskapptest

import (
	"context"
	"fmt"
	"sync"

	"hallq/drivers/escpos/escpostest"
	"hallq/drivers/idcard/idcardtest"
	"hallq/internal/pty"
)

// Devices is an emulated card reader and printer, each on its own pty.
type Devices struct {
	Card    *idcardtest.Emulator
	Printer *escpostest.Emulator
	// CardPath and PrinterPath are the slave sides the kiosk opens.
	CardPath, PrinterPath string

	ptys   []*pty.Pair
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
	cp, err := pty.Open()
	if err != nil {
		return nil, fmt.Errorf("kioskapptest: %w", err)
	}
	pp, err := pty.Open()
	if err != nil {
		cp.Close()
		return nil, fmt.Errorf("kioskapptest: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	d := &Devices{
		Card:        idcardtest.NewEmulator(cp.Master, o.Card),
		Printer:     escpostest.NewEmulator(pp.Master, o.Printer),
		CardPath:    cp.SlavePath,
		PrinterPath: pp.SlavePath,
		ptys:        []*pty.Pair{cp, pp},
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
