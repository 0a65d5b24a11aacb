// Package serialport wraps github.com/tarm/serial in one port type that
// removes the traps listed in shared/design/protocols.md section 5, so that
// protocol drivers (idcard, escpos, ...) only ever see a Port.
//
// The traps and what Dev does about them:
//
//   - tarm/serial without a read timeout blocks Close until a byte arrives:
//     Dev always sets a read timeout (VTIME, 100 ms by default).
//   - A timeout comes back as (0, io.EOF), exactly like an unplugged device:
//     Dev times every read; EOF faster than half the timeout several times in
//     a row, or EIO/ENXIO, is reported as ErrHangup, a slow EOF as ErrTimeout.
//   - Unplug and replug: Reopen closes the file and opens the same name again
//     with exponential backoff. Use stable names (/dev/serial/by-id/...) so the
//     replugged adapter is found even when the kernel numbers it differently;
//     StablePath finds the by-id link for a /dev/ttyUSBn name.
//   - Reads honour a context: ReadContext loops over timeout slices and gives
//     up when the context is done, so a silent device never blocks forever.
//
// Drivers depend on the Port interface, not on Dev, so they can be tested on a
// pseudo-terminal (internal/pty: open the slave path with New) or on
// an in-memory Pipe.
package serialport
