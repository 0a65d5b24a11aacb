package touch

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"
)

// Event types and codes from linux/input-event-codes.h that this package
// reads.
const (
	EvSyn = 0x00
	EvKey = 0x01
	EvAbs = 0x03

	SynReport   = 0
	SynMTReport = 2
	SynDropped  = 3

	BtnTouch = 0x14a

	AbsX             = 0x00
	AbsY             = 0x01
	AbsMTSlot        = 0x2f
	AbsMTPositionX   = 0x35
	AbsMTPositionY   = 0x36
	AbsMTTrackingID  = 0x39
	absCnt           = 0x40
	maxSlotsLimit    = 64
	defaultMaxSlots  = 10
	eventSize64      = 24
	eventSize32      = 16
	decoderBufEvents = 64
)

// InputEvent is struct input_event: a kernel timestamp and one
// type/code/value triple.
type InputEvent struct {
	Time  time.Time
	Type  uint16
	Code  uint16
	Value int32
}

func (e InputEvent) String() string {
	return fmt.Sprintf("%d.%06d type %d code %#x value %d", e.Time.Unix(), e.Time.Nanosecond()/1000, e.Type, e.Code, e.Value)
}

// Decoder reads struct input_event records. For 64-bit programs (amd64,
// arm64) a record is 24 bytes: two 64-bit timeval fields, then type, code
// and value; 32-bit programs see 16 bytes with 32-bit time fields.
type Decoder struct {
	r    *bufio.Reader
	size int
	buf  [eventSize64]byte
}

// NewDecoder reads records of size bytes (24 or 16) from r. The buffer is
// a whole number of records because evdev refuses reads that cannot hold
// at least one.
func NewDecoder(r io.Reader, size int) (*Decoder, error) {
	if size != eventSize64 && size != eventSize32 {
		return nil, fmt.Errorf("%w: event size %d", ErrOpts, size)
	}
	return &Decoder{r: bufio.NewReaderSize(r, size*decoderBufEvents), size: size}, nil
}

// Next returns the next record. At the end of the input it returns io.EOF,
// or ErrTruncated when the input stopped inside a record.
func (d *Decoder) Next() (InputEvent, error) {
	b := d.buf[:d.size]
	if _, err := io.ReadFull(d.r, b); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return InputEvent{}, fmt.Errorf("%w: %w", ErrTruncated, err)
		}
		return InputEvent{}, err
	}
	var e InputEvent
	ne := binary.NativeEndian
	if d.size == eventSize64 {
		sec, usec := int64(ne.Uint64(b[0:])), int64(ne.Uint64(b[8:]))
		e.Time = time.Unix(sec, usec*1000)
		b = b[16:]
	} else {
		sec, usec := int64(int32(ne.Uint32(b[0:]))), int64(int32(ne.Uint32(b[4:])))
		e.Time = time.Unix(sec, usec*1000)
		b = b[8:]
	}
	e.Type = ne.Uint16(b[0:])
	e.Code = ne.Uint16(b[2:])
	e.Value = int32(ne.Uint32(b[4:]))
	return e, nil
}

// AppendEvent appends e in the 24-byte layout, as the kernel would write
// it: for recordings, emulators and tests.
func AppendEvent(b []byte, e InputEvent) []byte {
	ne := binary.NativeEndian
	var sec, usec int64
	if !e.Time.IsZero() {
		sec, usec = e.Time.Unix(), int64(e.Time.Nanosecond()/1000)
	}
	b = ne.AppendUint64(b, uint64(sec))
	b = ne.AppendUint64(b, uint64(usec))
	b = ne.AppendUint16(b, e.Type)
	b = ne.AppendUint16(b, e.Code)
	return ne.AppendUint32(b, uint32(e.Value))
}
