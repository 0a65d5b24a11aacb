// Package touch reads a touch screen through Linux evdev
// (/dev/input/eventN) and turns the raw axes into touch down, move and up
// events in screen pixels.
//
// It decodes struct input_event from any io.Reader, so tests replay bytes
// recorded with `cat /dev/input/event0 > rec.bin`. Multi-touch protocol B
// (ABS_MT_SLOT, ABS_MT_TRACKING_ID, ABS_MT_POSITION_X/Y), the older
// protocol A (SYN_MT_REPORT) and single-touch panels (ABS_X, ABS_Y,
// BTN_TOUCH) are understood; events are reported at each SYN_REPORT.
//
// Raw coordinates are normalised with a Calibration (per-axis range, axis
// swap, inversion), then rotated by 0, 90, 180 or 270 degrees and scaled
// to the screen, because kiosk panels are often mounted turned or wired
// with swapped axes relative to the display.
package touch
