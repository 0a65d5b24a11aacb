package fbdev

import "errors"

// Sentinel errors. Wrapped errors keep these so callers can use errors.Is.
var (
	// ErrNoMode means the mode could not be queried (the path is not a
	// framebuffer device, for instance a regular file) and Opts.Mode was
	// not given.
	ErrNoMode = errors.New("fbdev: no mode: not a framebuffer and no mode given")
	// ErrFormat means the pixel format is one this package cannot write:
	// bits per pixel other than 16, 24 or 32, or colour bitfields that do
	// not fit inside a pixel.
	ErrFormat = errors.New("fbdev: unsupported pixel format")
	// ErrGeometry means the mode is inconsistent: zero or negative size,
	// a line length shorter than a row of pixels, or a mapping larger
	// than the device's memory.
	ErrGeometry = errors.New("fbdev: bad geometry")
	// ErrClosed is returned by Draw after Close.
	ErrClosed = errors.New("fbdev: closed")
)
