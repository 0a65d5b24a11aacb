// Package kioskui draws the self-service kiosk's screens with fyne: attract,
// identify, the two-level service menu, channel, confirm, printing, done,
// errors, appointment check-in, after hours, document capture and the
// technician's service screen behind a PIN.
//
// It is a renderer of a plain view model: the kiosk's flow (which knows
// the rules) fills a View and calls UI.Show; taps come back as typed
// Actions through UI.OnAction. The package keeps no citizen state of its
// own, so a session ends when the flow shows the next View. Every screen is
// Chinese first, English second, and has "重新开始 Start over" and
// "大字 Large text" buttons.
//
// A device app wires it to the screen driver like this (noos build):
//
//	th, _ := theme.New(&theme.Opts{BaseText: theme.BaseTextFor(int(drv.ScreenSize().Height))})
//	a := screen.NewApp(drv)
//	a.Settings().SetTheme(th)
//	u := kioskui.New(th)
//	u.OnRepaint(drv.Refresh) // Views shown from fyne.Do reach the screen
//	u.OnAction(func(a kioskui.Action) { flow.Handle(a) })
//	w := a.NewWindow("kiosk")
//	w.SetPadded(false)
//	w.SetContent(u.Content())
//
// Locate finds the button for an Action, for tests and demos that tap the
// real screen.
//
// Screens are built from plain canvas rectangles and text rather than
// fyne's stock widgets: on the kiosk's software renderer square fills are
// a fast memory fill, while rounded, shadowed buttons go through a vector
// rasteriser on every frame.
package kioskui
