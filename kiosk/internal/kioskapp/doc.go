// Package kioskapp is the self-service ticket kiosk (取号机): it joins the
// ID card reader, the receipt printer, the document camera and the screen
// to the citizen journey (kiosk/internal/flow) and the hall controller
// (kiosk/internal/link).
//
// One goroutine owns the journey: every touch, device report, controller
// answer and clock tick becomes a flow.Event, flow.Machine.Handle turns it
// into effects, and the kiosk performs them (issue a ticket, print it,
// upload document pages, report device status, touch the firmware's busy
// file). Slow effects run on their own goroutines and come back as
// events, so the screen never freezes on a device or the network.
//
// Config is the YAML configuration file; Run opens the real devices named
// in it and the screen (framebuffer or the browser virtual screen, only in
// binaries built with -tags noos, as fyne's embedded driver needs), or
// runs headless. New with Deps runs the same kiosk on any devices: the
// tests and the demo use the emulators of kioskapptest.
//
// Personal data: the card's Identity goes into one flow event and is
// dropped; nothing here logs names or numbers.
package kioskapp
