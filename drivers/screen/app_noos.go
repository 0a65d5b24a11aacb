//go:build noos

package screen

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
)

// NewApp creates a fyne application that draws through d. It needs
// -tags noos: without it fyne links its OpenGL driver, which needs cgo.
func NewApp(d *Driver) fyne.App {
	a := app.New()
	app.SetDriverDetails(a, d)
	return a
}

// NewAppWithID is NewApp with an application id, which fyne uses for
// preferences storage.
func NewAppWithID(id string, d *Driver) fyne.App {
	a := app.NewWithID(id)
	app.SetDriverDetails(a, d)
	return a
}
