package theme

import "errors"

// Sentinel errors. Callers test them with errors.Is; the returned errors
// wrap them with the paths tried.
var (
	// ErrNoFont means none of the configured font paths held a usable CJK
	// font. The device image must install fonts-wqy-microhei (or set a
	// font path in the configuration).
	ErrNoFont = errors.New("theme: no CJK font found")
	// ErrBadFont means a file was found but is not a font (or collection)
	// fyne can use.
	ErrBadFont = errors.New("theme: bad font file")
)
