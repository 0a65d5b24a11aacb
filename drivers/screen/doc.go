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
// fyne's software painter repaints the whole window after every touch,
// and its cost grows with the pixels painted. Opts.RenderScale lets fyne
// paint a smaller canvas that the Driver scales up (nearest pixel, or
// bilinear with Opts.Smooth); the Driver hands the display only the
// rectangle that changed (RegionDrawer) and skips frames equal to the last.
// fyne's embedded driver paints only after input events: a program that
// changes the window from fyne.Do calls Driver.Refresh.
//
// Only NewApp needs the noos tag: everything else builds without it, so
// the package is vetted and tested in an ordinary `go test ./...`.
package screen
