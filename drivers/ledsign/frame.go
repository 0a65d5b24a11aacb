package ledsign

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// Wire constants of KWS/1.
const (
	Version    = 0x01 // VER byte this package speaks
	MaxPayload = 512  // largest LEN accepted
	Broadcast  = 0    // address every sign obeys and none answers
	MaxAddr    = 247  // highest unicast address
	headerLen  = 9    // 55 AA VER ADDR FLAGS SEQ CMD LEN LEN
	overhead   = headerLen + 2
)

// FLAGS bits.
const (
	FlagReply = 0x80 // frame is a reply from a sign
	FlagError = 0x40 // reply reports an error status
	FlagAck   = 0x01 // master asks for a reply
)

// Cmd is a KWS/1 command byte.
type Cmd uint8

// Commands of KWS/1.
const (
	CmdPing       Cmd = 0x01
	CmdStatus     Cmd = 0x02
	CmdShowCall   Cmd = 0x10
	CmdShowText   Cmd = 0x11
	CmdClear      Cmd = 0x12
	CmdSetIdle    Cmd = 0x13
	CmdBrightness Cmd = 0x20
	CmdSetAddr    Cmd = 0x30
	CmdIdentify   Cmd = 0x31
	CmdReset      Cmd = 0x7E
)

func (c Cmd) String() string {
	switch c {
	case CmdPing:
		return "ping"
	case CmdStatus:
		return "status"
	case CmdShowCall:
		return "show call"
	case CmdShowText:
		return "show text"
	case CmdClear:
		return "clear"
	case CmdSetIdle:
		return "set idle"
	case CmdBrightness:
		return "brightness"
	case CmdSetAddr:
		return "set address"
	case CmdIdentify:
		return "identify"
	case CmdReset:
		return "reset"
	}
	return fmt.Sprintf("cmd 0x%02x", uint8(c))
}

// Frame is one decoded KWS/1 frame.
type Frame struct {
	Addr    uint8
	Flags   uint8
	Seq     uint8
	Cmd     Cmd
	Payload []byte
}

// CRC16 is CRC-16/MODBUS (poly 0xA001 reflected, init 0xFFFF).
func CRC16(p []byte) uint16 {
	crc := uint16(0xFFFF)
	for _, b := range p {
		crc ^= uint16(b)
		for range 8 {
			if crc&1 != 0 {
				crc = crc>>1 ^ 0xA001
			} else {
				crc >>= 1
			}
		}
	}
	return crc
}

// AppendFrame appends the wire bytes of f to dst. It fails only for a
// payload longer than MaxPayload.
func AppendFrame(dst []byte, f Frame) ([]byte, error) {
	if len(f.Payload) > MaxPayload {
		return dst, fmt.Errorf("%w: payload %d bytes, max %d", ErrLength, len(f.Payload), MaxPayload)
	}
	dst = append(dst, 0x55, 0xAA)
	start := len(dst)
	dst = append(dst, Version, f.Addr, f.Flags, f.Seq, uint8(f.Cmd))
	dst = binary.LittleEndian.AppendUint16(dst, uint16(len(f.Payload)))
	dst = append(dst, f.Payload...)
	return binary.LittleEndian.AppendUint16(dst, CRC16(dst[start:])), nil
}

// Decoder finds frames in a byte stream: it searches 55 AA, checks VER and
// LEN, and on a CRC failure drops one byte and searches again, so garbage and
// damaged frames cost only the bytes they occupy.
type Decoder struct {
	buf []byte
}

// maxBuffered bounds memory: one maximal frame plus one read's worth.
const maxBuffered = 2 * (MaxPayload + overhead)

// Write adds received bytes. It never fails; stale bytes beyond the bound
// are discarded from the front.
func (d *Decoder) Write(p []byte) (int, error) {
	d.buf = append(d.buf, p...)
	if n := len(d.buf) - maxBuffered; n > 0 {
		d.buf = append(d.buf[:0], d.buf[n:]...)
	}
	return len(p), nil
}

// Pending reports whether part of a frame is buffered.
func (d *Decoder) Pending() bool { return len(d.buf) > 0 }

// Reset drops everything buffered (used after an inter-byte gap).
func (d *Decoder) Reset() { d.buf = d.buf[:0] }

// Next returns the next complete frame. ok is false when more bytes are
// needed. A non-nil err (ErrVersion, ErrLength, ErrCRC) reports bytes that
// were dropped; call Next again to continue.
func (d *Decoder) Next() (f Frame, ok bool, err error) {
	for {
		i := bytes.Index(d.buf, []byte{0x55, 0xAA})
		if i < 0 {
			// Keep a trailing 55: it may be the start of the next sync.
			if n := len(d.buf); n > 0 && d.buf[n-1] == 0x55 {
				d.drop(n - 1)
			} else {
				d.Reset()
			}
			return Frame{}, false, nil
		}
		d.drop(i)
		if len(d.buf) < 3 {
			return Frame{}, false, nil
		}
		if d.buf[2] != Version {
			v := d.buf[2]
			d.drop(1)
			return Frame{}, false, fmt.Errorf("%w: 0x%02x", ErrVersion, v)
		}
		if len(d.buf) < headerLen {
			return Frame{}, false, nil
		}
		n := int(binary.LittleEndian.Uint16(d.buf[7:9]))
		if n > MaxPayload {
			d.drop(1)
			return Frame{}, false, fmt.Errorf("%w: LEN %d", ErrLength, n)
		}
		total := overhead + n
		if len(d.buf) < total {
			return Frame{}, false, nil
		}
		want := binary.LittleEndian.Uint16(d.buf[total-2:])
		if got := CRC16(d.buf[2 : total-2]); got != want {
			d.drop(1)
			return Frame{}, false, fmt.Errorf("%w: got %04x, frame says %04x", ErrCRC, got, want)
		}
		f = Frame{
			Addr:    d.buf[3],
			Flags:   d.buf[4],
			Seq:     d.buf[5],
			Cmd:     Cmd(d.buf[6]),
			Payload: append([]byte(nil), d.buf[headerLen:total-2]...),
		}
		d.drop(total)
		return f, true, nil
	}
}

func (d *Decoder) drop(n int) { d.buf = append(d.buf[:0], d.buf[n:]...) }
