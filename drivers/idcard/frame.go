package idcard

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// Preamble starts every request and response frame.
var Preamble = [5]byte{0xAA, 0xAA, 0xAA, 0x96, 0x69}

// Command codes (CMD, PARA) of GA 467.
const (
	CmdReset       = 0x10 // PARA FF
	CmdStatus      = 0x11 // PARA FF
	CmdModuleID    = 0x12 // PARA FF
	CmdCard        = 0x20 // PARA 01 find, 02 select
	CmdRead        = 0x30 // PARA 01 text+photo, 10 +fingerprint, 03 appended address
	CmdSetBaud     = 0x60 // PARA 00..04
	ParaFind       = 0x01
	ParaSelect     = 0x02
	ParaTextPhoto  = 0x01
	ParaTextFinger = 0x10
	ParaAddress    = 0x03
)

// SW3 status codes the driver acts on; sw3Text lists the others.
const (
	SW3OK           = 0x90
	SW3CardFound    = 0x9F
	SW3NoCard       = 0x80
	SW3SelectFailed = 0x81
	SW3ReadFailed   = 0x41
	SW3NoContent    = 0x91
)

// MaxLen caps the LEN field: the longest real answer (text, photo and a
// fingerprint block) is well under it, so anything larger is noise.
const MaxLen = 4096

// Text and photo block sizes of a read response.
const (
	TextSize  = 256
	PhotoSize = 1024
)

func xor(b []byte) byte {
	var c byte
	for _, v := range b {
		c ^= v
	}
	return c
}

// frame builds preamble, LEN, body, CHK; LEN counts body+CHK.
func frame(body []byte) []byte {
	out := make([]byte, 0, 8+len(body))
	out = append(out, Preamble[:]...)
	out = binary.BigEndian.AppendUint16(out, uint16(len(body)+1))
	out = append(out, body...)
	return append(out, xor(out[5:]))
}

// EncodeRequest returns the full request frame for cmd, para and data.
func EncodeRequest(cmd, para byte, data []byte) []byte {
	return frame(append([]byte{cmd, para}, data...))
}

// Response is a decoded module answer.
type Response struct {
	SW1, SW2, SW3 byte
	Data          []byte
}

// EncodeResponse returns the full response frame (used by emulators).
func EncodeResponse(r Response) []byte {
	return frame(append([]byte{r.SW1, r.SW2, r.SW3}, r.Data...))
}

// Request is a decoded host command (used by emulators).
type Request struct {
	Cmd, Para byte
	Data      []byte
}

// ErrNeedMore is returned by Decoder.Next when the buffered bytes do not yet
// hold a whole frame. It is not a failure.
var ErrNeedMore = errors.New("idcard: need more bytes")

// Decoder reassembles frames from a byte stream that may split frames across
// reads, carry garbage before a preamble, or corrupt bytes. It never holds
// more than MaxLen+8 bytes of a partial frame and never panics.
type Decoder struct {
	buf     []byte
	Dropped int // bytes discarded while hunting for a preamble
}

// Write appends received bytes. It never fails.
func (d *Decoder) Write(p []byte) (int, error) {
	d.buf = append(d.buf, p...)
	return len(p), nil
}

// Reset discards everything buffered.
func (d *Decoder) Reset() { d.buf = d.buf[:0] }

// Buffered returns how many bytes wait in the decoder.
func (d *Decoder) Buffered() int { return len(d.buf) }

// Next returns the body (bytes between LEN and CHK) of the next frame.
// ErrNeedMore means wait for more input; ErrChecksum and ErrFrameLength
// mean one byte was dropped to resynchronise and Next may be called again.
func (d *Decoder) Next() ([]byte, error) {
	i := bytes.Index(d.buf, Preamble[:])
	if i < 0 {
		// Keep a tail that could be the start of a preamble.
		keep := min(len(d.buf), len(Preamble)-1)
		d.drop(len(d.buf) - keep)
		return nil, ErrNeedMore
	}
	d.drop(i)
	if len(d.buf) < 7 {
		return nil, ErrNeedMore
	}
	n := int(binary.BigEndian.Uint16(d.buf[5:7]))
	if n < 3 || n > MaxLen { // a request body is at least CMD PARA + CHK
		d.drop(1)
		return nil, fmt.Errorf("%w: LEN %d", ErrFrameLength, n)
	}
	if len(d.buf) < 7+n {
		return nil, ErrNeedMore
	}
	f := d.buf[:7+n]
	if xor(f[5:len(f)-1]) != f[len(f)-1] {
		d.drop(1)
		return nil, ErrChecksum
	}
	body := bytes.Clone(f[7 : len(f)-1])
	d.buf = d.buf[7+n:]
	return body, nil
}

func (d *Decoder) drop(n int) {
	d.Dropped += n
	d.buf = d.buf[n:]
	if cap(d.buf) > 2*(MaxLen+8) && len(d.buf) < MaxLen {
		d.buf = bytes.Clone(d.buf) // release a large backing array
	}
}

// ParseResponse splits a frame body into status words and data.
func ParseResponse(body []byte) (Response, error) {
	if len(body) < 3 {
		return Response{}, fmt.Errorf("%w: response body of %d bytes", ErrFrameLength, len(body))
	}
	return Response{SW1: body[0], SW2: body[1], SW3: body[2], Data: body[3:]}, nil
}

// ParseRequest splits a frame body into command, parameter and data.
func ParseRequest(body []byte) (Request, error) {
	if len(body) < 2 {
		return Request{}, fmt.Errorf("%w: request body of %d bytes", ErrFrameLength, len(body))
	}
	return Request{Cmd: body[0], Para: body[1], Data: body[2:]}, nil
}

// TextPhoto is the payload of a read text+photo (+fingerprint) answer.
type TextPhoto struct {
	Text, Photo, Finger []byte
}

// ParseTextPhoto splits the data of a read answer: two (or three, with
// withFinger) big-endian lengths, then the blocks.
func ParseTextPhoto(data []byte, withFinger bool) (TextPhoto, error) {
	hdr := 4
	if withFinger {
		hdr = 6
	}
	if len(data) < hdr {
		return TextPhoto{}, fmt.Errorf("%w: read answer of %d bytes", ErrFrameLength, len(data))
	}
	tl := int(binary.BigEndian.Uint16(data[0:2]))
	pl := int(binary.BigEndian.Uint16(data[2:4]))
	fl := 0
	if withFinger {
		fl = int(binary.BigEndian.Uint16(data[4:6]))
	}
	if tl != TextSize || pl > PhotoSize || hdr+tl+pl+fl != len(data) {
		return TextPhoto{}, fmt.Errorf("%w: lengths text %d photo %d finger %d in %d bytes", ErrFrameLength, tl, pl, fl, len(data))
	}
	p := data[hdr:]
	tp := TextPhoto{Text: p[:tl], Photo: p[tl : tl+pl]}
	if fl > 0 {
		tp.Finger = p[tl+pl : tl+pl+fl]
	}
	return tp, nil
}

// EncodeTextPhoto is the inverse of ParseTextPhoto without fingerprint.
func EncodeTextPhoto(text, photo []byte) []byte {
	out := binary.BigEndian.AppendUint16(nil, uint16(len(text)))
	out = binary.BigEndian.AppendUint16(out, uint16(len(photo)))
	out = append(out, text...)
	return append(out, photo...)
}
