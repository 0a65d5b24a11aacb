// Package screen runs fyne applications on a kiosk's display without X11
// or Wayland, through fyne's embedded driver (fyne 2.7, build tag noos).
//
// A Driver joins a Display (the Linux framebuffer from package fbdev, or
// the browser-based virtual screen from package virtual) and an Input
// (evdev touch from package touch, or clicks from the virtual screen) and
// implements fyne.io/fyne/v2/driver/embedded.Driver. NewFramebufferDriver
// and NewVirtualDriver build the two usual combinations; with -tags noos,
// NewApp creates the fyne.App that draws through a Driver.
//
// Only NewApp needs the noos tag: everything else builds without it, so
// the package is vetted and tested in an ordinary `go test ./...`.
package screen
