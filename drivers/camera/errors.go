package camera

import "errors"

// Sentinel errors. Wrapped errors keep these so callers can use errors.Is.
// Message is the text a kiosk shows a citizen for any of them.
var (
	// ErrNotJPEG means a frame does not start with a JPEG SOI marker or
	// has bytes where a marker must be: a corrupt USB transfer.
	ErrNotJPEG = errors.New("camera: frame is not a jpeg")
	// ErrTruncated means a frame ends inside a marker segment or before
	// its scan: the transfer was cut short.
	ErrTruncated = errors.New("camera: truncated jpeg frame")
	// ErrNoFrame means the camera delivered no frame within the timeout.
	ErrNoFrame = errors.New("camera: no frame from camera")
	// ErrFormat means the camera cannot deliver MJPEG at any size.
	ErrFormat = errors.New("camera: camera has no mjpeg format")
	// ErrClosed is returned after Halt.
	ErrClosed = errors.New("camera: closed")
)

// Message is what a kiosk shows when a capture fails.
const Message = "拍照失败，请重新放置材料后再试"
