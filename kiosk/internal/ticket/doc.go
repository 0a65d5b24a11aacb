// Package ticket lays out the printed queue ticket (号票) of the kiosk and
// turns it into ESC/POS bytes through drivers/escpos's Builder: hall name,
// service name in Chinese and English, the big ticket number, the channel,
// the waiting-ahead count and estimate (or a calm sentence when the kiosk
// issued offline and does not know them), the masked name when an ID card
// was used, the issue time, a QR code linking to the ticket's status page
// and a footer from the hall configuration.
//
// Layouts exist for 58 mm and 80 mm (and 72 mm-head 80 mm) paper, picked
// by the escpos profile name. Build is pure: bytes out, nothing sent.
// Print checks the printer's status first, so a ticket is never sent into
// a printer without paper; Problems names the faults for the controller's
// device status list.
//
// Preview rasterises a ticket stream back into an image (the demo page
// shows "the printed ticket" as a PNG) by decoding the very bytes sent to
// the printer with escpos.Parse, so what is seen is what was printed.
// Font loads a TrueType/OpenType font or collection (wqy-microhei on the
// kiosk image) and is also the escpos.Rasterizer for names holding rare
// characters the printer font cannot draw.
//
// Privacy: Data.Name is masked (张*三) when the ticket is built; the full
// name never reaches the printer or a log.
package ticket
