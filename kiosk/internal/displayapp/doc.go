// Package displayapp is the hall display program (kiosk/cmd/display): it
// follows the controller through kiosk/internal/link, keeps the hall view
// model (kiosk/internal/hallview) current, draws it with ui/display on the
// framebuffer or the browser virtual screen (builds with -tags noos), and
// speaks fresh calls through kiosk/internal/voice (espeak-ng and aplay on
// the device, WAV files for tests and the demo).
package displayapp
