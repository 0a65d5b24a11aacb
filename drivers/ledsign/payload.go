package ledsign

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// Call is what SHOW_CALL puts on a sign: with template 0 the sign shows
// "请{Ticket}号到{Window}号窗口".
type Call struct {
	Ticket   string // printable ASCII, up to 8 bytes ("A023")
	Window   string // printable ASCII, up to 4 bytes ("3")
	Template uint8  // 0 = 请{T}号到{W}号窗口
	Blink    uint8  // number of blinks when the call appears
	Hold     uint16 // seconds to keep it, 0 = until replaced
}

// Templates the protocol defines; a sign answers 03 for others.
var Templates = map[uint8]string{0: "请{T}号到{W}号窗口"}

// Render returns the text a sign shows for c, or false for an unknown
// template. Used by emulators and demo pages.
func (c Call) Render() (string, bool) {
	t, ok := Templates[c.Template]
	if !ok {
		return "", false
	}
	return strings.NewReplacer("{T}", c.Ticket, "{W}", c.Window).Replace(t), true
}

func asciiField(dst []byte, s string, n int, what string) ([]byte, error) {
	if s == "" || len(s) > n {
		return dst, fmt.Errorf("%w: %s %q must be 1 to %d bytes", ErrParam, what, s, n)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7E {
			return dst, fmt.Errorf("%w: %s %q must be printable ASCII", ErrParam, what, s)
		}
	}
	dst = append(dst, s...)
	for range n - len(s) {
		dst = append(dst, 0)
	}
	return dst, nil
}

// MarshalBinary returns the SHOW_CALL payload.
func (c Call) MarshalBinary() ([]byte, error) {
	p := make([]byte, 0, 16)
	p, err := asciiField(p, c.Ticket, 8, "ticket")
	if err != nil {
		return nil, err
	}
	if p, err = asciiField(p, c.Window, 4, "window"); err != nil {
		return nil, err
	}
	p = append(p, c.Template, c.Blink)
	return binary.LittleEndian.AppendUint16(p, c.Hold), nil
}

func cstr(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// UnmarshalBinary parses a SHOW_CALL payload.
func (c *Call) UnmarshalBinary(p []byte) error {
	if len(p) != 16 {
		return fmt.Errorf("%w: show call payload %d bytes, want 16", ErrLength, len(p))
	}
	*c = Call{Ticket: cstr(p[:8]), Window: cstr(p[8:12]), Template: p[12], Blink: p[13], Hold: binary.LittleEndian.Uint16(p[14:])}
	return nil
}

// Encoding is the text encoding byte of SHOW_TEXT and SET_IDLE.
type Encoding uint8

// Encodings of KWS/1.
const (
	GB18030 Encoding = 0
	UTF8    Encoding = 1
)

// Region values.
const (
	RegionMain = 0x00
	RegionAll  = 0xFF // CLEAR only
)

// Text is the payload of SHOW_TEXT and SET_IDLE.
type Text struct {
	Region, Effect, Speed, Colour, Align uint8
	Dwell                                uint16 // seconds
	Encoding                             Encoding
	Text                                 string
}

const textHeader = 10

// MarshalBinary encodes t, converting Text to the chosen encoding.
func (t Text) MarshalBinary() ([]byte, error) {
	if !utf8.ValidString(t.Text) {
		return nil, fmt.Errorf("%w: invalid UTF-8", ErrEncoding)
	}
	var raw []byte
	switch t.Encoding {
	case GB18030:
		b, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(t.Text))
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrEncoding, err)
		}
		raw = b
	case UTF8:
		raw = []byte(t.Text)
	default:
		return nil, fmt.Errorf("%w: encoding %d", ErrParam, t.Encoding)
	}
	if len(raw) > MaxPayload-textHeader {
		return nil, fmt.Errorf("%w: text is %d bytes, max %d", ErrParam, len(raw), MaxPayload-textHeader)
	}
	p := append(make([]byte, 0, textHeader+len(raw)), t.Region, t.Effect, t.Speed, t.Colour, t.Align)
	p = binary.LittleEndian.AppendUint16(p, t.Dwell)
	p = append(p, uint8(t.Encoding))
	p = binary.LittleEndian.AppendUint16(p, uint16(len(raw)))
	return append(p, raw...), nil
}

// UnmarshalBinary decodes a SHOW_TEXT/SET_IDLE payload and its text.
func (t *Text) UnmarshalBinary(p []byte) error {
	if len(p) < textHeader {
		return fmt.Errorf("%w: text payload %d bytes", ErrLength, len(p))
	}
	n := int(binary.LittleEndian.Uint16(p[8:10]))
	if len(p) != textHeader+n {
		return fmt.Errorf("%w: textLen %d but %d bytes follow", ErrLength, n, len(p)-textHeader)
	}
	*t = Text{Region: p[0], Effect: p[1], Speed: p[2], Colour: p[3], Align: p[4],
		Dwell: binary.LittleEndian.Uint16(p[5:7]), Encoding: Encoding(p[7])}
	raw := p[textHeader:]
	switch t.Encoding {
	case GB18030:
		b, err := simplifiedchinese.GB18030.NewDecoder().Bytes(raw)
		if err != nil || !utf8.Valid(b) || bytes.ContainsRune(b, utf8.RuneError) {
			return fmt.Errorf("%w: invalid GB18030 text", ErrEncoding)
		}
		t.Text = string(b)
	case UTF8:
		if !utf8.Valid(raw) {
			return fmt.Errorf("%w: invalid UTF-8 text", ErrEncoding)
		}
		t.Text = string(raw)
	default:
		return fmt.Errorf("%w: encoding %d", ErrParam, t.Encoding)
	}
	return nil
}

// Info is the PING reply.
type Info struct {
	Model     string // up to 16 bytes
	Firmware  string // up to 8 bytes
	Width     uint16 // pixels
	Height    uint16
	Colours   uint8
	Encodings uint8 // bit0 GB18030, bit1 UTF-8
	Serial    [8]byte
}

const infoLen = 16 + 8 + 2 + 2 + 1 + 1 + 8

// MarshalBinary encodes the PING reply payload (without the status byte).
func (in Info) MarshalBinary() ([]byte, error) {
	p := make([]byte, 0, infoLen)
	p = append(p, padded(in.Model, 16)...)
	p = append(p, padded(in.Firmware, 8)...)
	p = binary.LittleEndian.AppendUint16(p, in.Width)
	p = binary.LittleEndian.AppendUint16(p, in.Height)
	p = append(p, in.Colours, in.Encodings)
	return append(p, in.Serial[:]...), nil
}

func padded(s string, n int) []byte {
	b := make([]byte, n)
	copy(b, s)
	return b
}

// UnmarshalBinary decodes the PING reply payload.
func (in *Info) UnmarshalBinary(p []byte) error {
	if len(p) != infoLen {
		return fmt.Errorf("%w: ping reply %d bytes, want %d", ErrLength, len(p), infoLen)
	}
	*in = Info{Model: cstr(p[:16]), Firmware: cstr(p[16:24]),
		Width: binary.LittleEndian.Uint16(p[24:]), Height: binary.LittleEndian.Uint16(p[26:]),
		Colours: p[28], Encodings: p[29]}
	copy(in.Serial[:], p[30:38])
	return nil
}

// DevStatus is the STATUS reply.
type DevStatus struct {
	Status  Status
	Faults  uint16 // vendor fault bits
	Uptime  uint32 // seconds
	LastSeq uint8
}

// MarshalBinary encodes the STATUS reply payload.
func (s DevStatus) MarshalBinary() ([]byte, error) {
	p := []byte{uint8(s.Status)}
	p = binary.LittleEndian.AppendUint16(p, s.Faults)
	p = binary.LittleEndian.AppendUint32(p, s.Uptime)
	return append(p, s.LastSeq), nil
}

// UnmarshalBinary decodes the STATUS reply payload.
func (s *DevStatus) UnmarshalBinary(p []byte) error {
	if len(p) != 8 {
		return fmt.Errorf("%w: status reply %d bytes, want 8", ErrLength, len(p))
	}
	*s = DevStatus{Status: Status(p[0]), Faults: binary.LittleEndian.Uint16(p[1:]), Uptime: binary.LittleEndian.Uint32(p[3:]), LastSeq: p[7]}
	return nil
}
