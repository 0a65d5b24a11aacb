// Package idcard drives second-generation resident ID card readers: the SAM
// security module behind a UART or USB serial port, speaking the GA 467
// framing described in shared/design/protocols.md section 1.
//
// Layers, each usable alone:
//
//   - EncodeRequest, Decoder, ParseResponse: the byte framing (preamble AA AA
//     AA 96 69, big-endian LEN, XOR check), with an incremental decoder that
//     resynchronises after garbage, bad checksums and absurd lengths.
//   - ParseText, EncodeText: the 256-byte UTF-16LE text block of resident ID
//     cards, Hong Kong/Macao/Taiwan residence permits (type mark J) and
//     foreigner's permanent residence cards (type mark I, Y).
//   - CheckChar, ValidNumber, Identity.Check: GB 11643 check character,
//     birth date and gender consistency, expiry.
//   - Dev: commands (find, select, read, module status, baud probing) with
//     timeouts and retries over a serialport.Port, and Run, the reader state
//     machine Idle -> Present -> Reading -> WaitRemoval -> Idle that reports
//     Events and reopens an unplugged reader.
//
// The photo stays as raw WLT bytes: decoding needs a licensed vendor
// library, so it sits behind PhotoDecoder.
//
// Privacy: nothing in this package logs frames or text fields. Identity's
// String, Format and LogValue print only the card type, the masked name
// (张*三) and the masked number (4115**********123X), and error texts never
// include field values. Message turns any error into the Chinese sentence
// for the citizen (请重新放置身份证, 身份证已过期，请使用有效证件 ...).
//
// Typical use:
//
//	port, _ := serialport.New("/dev/serial/by-id/usb-...-if00-port0", nil)
//	dev, _ := idcard.New(port, nil)
//	if _, err := dev.Probe(ctx); err != nil { ... }
//	dev.Run(ctx, func(ev idcard.Event) { ... })
//
// The emulator for tests and demos is in package idcardtest.
package idcard
