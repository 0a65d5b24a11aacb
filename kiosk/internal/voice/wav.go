package voice

import (
	"encoding/binary"
	"fmt"
	"math"
	"time"
)

// Format is a PCM sample format.
type Format struct {
	Channels int
	Rate     int // samples per second
	Bits     int // 8 or 16
}

// WAV is PCM audio.
type WAV struct {
	Format Format
	Data   []byte // interleaved little-endian samples
}

// maxWAV bounds what ParseWAV accepts (a ten-second announcement at
// 22 kHz is under 0.5 MB).
const maxWAV = 64 << 20

// ParseWAV reads a RIFF/WAVE PCM file. Sizes written by a streaming
// encoder (espeak-ng --stdout writes 0x7ffff000-ish placeholders) are
// clipped to the bytes present.
func ParseWAV(b []byte) (*WAV, error) {
	if len(b) > maxWAV {
		return nil, fmt.Errorf("%w: %d bytes", ErrBadWAV, len(b))
	}
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, fmt.Errorf("%w: no RIFF/WAVE header", ErrBadWAV)
	}
	var w WAV
	haveFmt := false
	p := b[12:]
	for len(p) >= 8 {
		id := string(p[0:4])
		size := int64(binary.LittleEndian.Uint32(p[4:8]))
		p = p[8:]
		if size > int64(len(p)) {
			size = int64(len(p))
		}
		body := p[:size]
		switch id {
		case "fmt ":
			if len(body) < 16 {
				return nil, fmt.Errorf("%w: fmt chunk of %d bytes", ErrBadWAV, len(body))
			}
			if tag := binary.LittleEndian.Uint16(body[0:2]); tag != 1 {
				return nil, fmt.Errorf("%w: format tag %d is not PCM", ErrBadWAV, tag)
			}
			w.Format = Format{Channels: int(binary.LittleEndian.Uint16(body[2:4])),
				Rate: int(binary.LittleEndian.Uint32(body[4:8])), Bits: int(binary.LittleEndian.Uint16(body[14:16]))}
			if w.Format.Channels < 1 || w.Format.Channels > 8 || w.Format.Rate < 1000 || w.Format.Rate > 192000 ||
				(w.Format.Bits != 8 && w.Format.Bits != 16) {
				return nil, fmt.Errorf("%w: unsupported format %+v", ErrBadWAV, w.Format)
			}
			haveFmt = true
		case "data":
			if !haveFmt {
				return nil, fmt.Errorf("%w: data before fmt", ErrBadWAV)
			}
			frame := w.Format.frameSize()
			w.Data = append([]byte(nil), body[:len(body)/frame*frame]...)
			return &w, nil
		}
		p = p[size:]
		if size%2 == 1 && len(p) > 0 { // chunks are padded to even sizes
			p = p[1:]
		}
	}
	return nil, fmt.Errorf("%w: no data chunk", ErrBadWAV)
}

func (f Format) frameSize() int { return f.Channels * f.Bits / 8 }

// Bytes encodes the audio as a canonical 44-byte-header WAV file.
func (w *WAV) Bytes() []byte {
	out := make([]byte, 44, 44+len(w.Data))
	copy(out[0:], "RIFF")
	binary.LittleEndian.PutUint32(out[4:], uint32(36+len(w.Data)))
	copy(out[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(out[16:], 16)
	binary.LittleEndian.PutUint16(out[20:], 1)
	binary.LittleEndian.PutUint16(out[22:], uint16(w.Format.Channels))
	binary.LittleEndian.PutUint32(out[24:], uint32(w.Format.Rate))
	binary.LittleEndian.PutUint32(out[28:], uint32(w.Format.Rate*w.Format.frameSize()))
	binary.LittleEndian.PutUint16(out[32:], uint16(w.Format.frameSize()))
	binary.LittleEndian.PutUint16(out[34:], uint16(w.Format.Bits))
	copy(out[36:], "data")
	binary.LittleEndian.PutUint32(out[40:], uint32(len(w.Data)))
	return append(out, w.Data...)
}

// Duration is the playing time.
func (w *WAV) Duration() time.Duration {
	fs := w.Format.frameSize()
	if fs == 0 || w.Format.Rate == 0 {
		return 0
	}
	return time.Duration(len(w.Data)/fs) * time.Second / time.Duration(w.Format.Rate)
}

// RMS is the loudness as a fraction of full scale (0 silence, ~0.7 a
// full-scale sine).
func (w *WAV) RMS() float64 {
	var sum float64
	n := 0
	switch w.Format.Bits {
	case 16:
		for i := 0; i+1 < len(w.Data); i += 2 {
			v := float64(int16(binary.LittleEndian.Uint16(w.Data[i:]))) / 32768
			sum += v * v
			n++
		}
	case 8:
		for _, b := range w.Data {
			v := (float64(b) - 128) / 128
			sum += v * v
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return math.Sqrt(sum / float64(n))
}

// Silence returns d of silence in format f.
func Silence(f Format, d time.Duration) *WAV {
	frames := int(d * time.Duration(f.Rate) / time.Second)
	data := make([]byte, frames*f.frameSize())
	if f.Bits == 8 {
		for i := range data {
			data[i] = 128
		}
	}
	return &WAV{Format: f, Data: data}
}

// Join concatenates clips of one format.
func Join(clips ...*WAV) (*WAV, error) {
	if len(clips) == 0 {
		return nil, fmt.Errorf("%w: nothing to join", ErrBadWAV)
	}
	out := &WAV{Format: clips[0].Format}
	for i, c := range clips {
		if c.Format != out.Format {
			return nil, fmt.Errorf("%w: clip %d is %+v, clip 0 is %+v", ErrFormat, i, c.Format, out.Format)
		}
		out.Data = append(out.Data, c.Data...)
	}
	return out, nil
}
