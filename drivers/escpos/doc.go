// Package escpos drives ESC/POS thermal receipt printers (58 mm = 384 dots,
// 80 mm = 576 or 512 dots) as described in shared/design/protocols.md
// section 2.
//
//   - Builder is a pure byte builder: text in GB18030 with wrapping by
//     display width (two-byte GB characters and CJK take 2 columns),
//     alignment, bold, sizes, QR codes (native GS ( k, or drawn with
//     rsc.io/qr and sent as a raster where the profile lacks it), raster
//     images (GS v 0) and cuts. Lines holding runes the printer font cannot
//     draw (outside the GB18030 two-byte area, e.g. rare name characters)
//     are rendered through a Rasterizer and sent as images.
//   - Profile is the capability table (paper width, columns, native QR,
//     cut modes, Chinese font, automatic status back) with fallbacks.
//   - Status, ApplyRealtime, ParseASB and StatusScanner decode DLE EOT
//     replies and automatic status back groups: paper near end, paper end,
//     cover open, cutter error, offline.
//   - Dev owns the port: Print serialises jobs and refuses to print into a
//     printer that cannot (the error wraps ErrPaperEnd, ErrCoverOpen ...;
//     Message gives 打印纸用完，请联系工作人员 and so on), Status polls, and
//     Monitor reports changes and reopens an unplugged printer. Status is
//     never polled inside a job, where it would print as image bytes.
//     Every Print error is a *JobError counting the bytes sent; it matches
//     ErrRefused (and its Refused method says true) only when no byte of
//     the job left, so a kiosk knows a ticket may be printed again without
//     risking a second copy.
//   - Parse, Decode and Render turn a byte stream back into readable text
//     for test failures and golden diffs.
//
// Golden ticket streams live in testdata/ (go test -run Golden -update to
// refresh). The emulator is in package escpostest.
package escpos
