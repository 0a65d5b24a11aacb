package kioskapp_test

import (
	"testing"
	"time"

	"hallq/drivers/escpos"
	"hallq/drivers/idcard"
	"hallq/drivers/serialport"
	"hallq/kiosk/internal/kioskapp/kioskapptest"
)

// devOpts tune openDevices; zero values are the defaults.
type devOpts struct {
	devs    *kioskapptest.Opts
	profile escpos.Profile // Generic80
	baud    int            // the printer's line (115200)
	poll    time.Duration  // card reader find period (50 ms)
}

// openDevices starts the emulated reader and printer and opens the
// kiosk's drivers on them. The drivers close when the test ends, after the
// cleanups registered later (the kiosk's stop), the emulators last.
func openDevices(t testing.TB, now func() time.Time, o devOpts) (*kioskapptest.Devices, *idcard.Dev, *escpos.Dev) {
	t.Helper()
	if o.profile.Name == "" {
		o.profile = escpos.Generic80
	}
	if o.baud == 0 {
		o.baud = 115200
	}
	if o.poll == 0 {
		o.poll = 50 * time.Millisecond
	}
	devs, err := kioskapptest.Start(o.devs)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(devs.Close)
	cport, err := serialport.New(devs.CardPath, &serialport.Opts{Baud: 115200})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cport.Close() })
	reader, err := idcard.New(cport, &idcard.Opts{PollInterval: o.poll, Now: now, Bauds: []int{115200}})
	if err != nil {
		t.Fatal(err)
	}
	pport, err := serialport.New(devs.PrinterPath, &serialport.Opts{Baud: o.baud})
	if err != nil {
		t.Fatal(err)
	}
	printer, err := escpos.New(pport, &escpos.Opts{Profile: o.profile, ReplyTimeout: 500 * time.Millisecond, ASB: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { printer.Halt() })
	return devs, reader, printer
}
