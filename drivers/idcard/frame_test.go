package idcard

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func hx(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Every request frame of protocols.md section 1, byte for byte.
func TestRequestVectors(t *testing.T) {
	for _, tc := range []struct {
		name      string
		cmd, para byte
		want      string
	}{
		{"reset", CmdReset, 0xFF, "AA AA AA 96 69 00 03 10 FF EC"},
		{"status", CmdStatus, 0xFF, "AA AA AA 96 69 00 03 11 FF ED"},
		{"module id", CmdModuleID, 0xFF, "AA AA AA 96 69 00 03 12 FF EE"},
		{"find", CmdCard, ParaFind, "AA AA AA 96 69 00 03 20 01 22"},
		{"select", CmdCard, ParaSelect, "AA AA AA 96 69 00 03 20 02 21"},
		{"read text+photo", CmdRead, ParaTextPhoto, "AA AA AA 96 69 00 03 30 01 32"},
		{"read +fingerprint", CmdRead, ParaTextFinger, "AA AA AA 96 69 00 03 30 10 23"},
		{"read address", CmdRead, ParaAddress, "AA AA AA 96 69 00 03 30 03 30"},
		// Set baud: CMD 60, PARA 00..04; CHK = 03^60^PARA.
		{"baud 115200", CmdSetBaud, 0, "AA AA AA 96 69 00 03 60 00 63"},
		{"baud 57600", CmdSetBaud, 1, "AA AA AA 96 69 00 03 60 01 62"},
		{"baud 38400", CmdSetBaud, 2, "AA AA AA 96 69 00 03 60 02 61"},
		{"baud 19200", CmdSetBaud, 3, "AA AA AA 96 69 00 03 60 03 60"},
		{"baud 9600", CmdSetBaud, 4, "AA AA AA 96 69 00 03 60 04 67"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := EncodeRequest(tc.cmd, tc.para, nil)
			if want := hx(t, tc.want); !bytes.Equal(got, want) {
				t.Fatalf("got % X\nwant % X", got, want)
			}
			var d Decoder
			d.Write(got)
			body, err := d.Next()
			if err != nil {
				t.Fatal(err)
			}
			r, err := ParseRequest(body)
			if err != nil || r.Cmd != tc.cmd || r.Para != tc.para || len(r.Data) != 0 {
				t.Fatalf("round trip: %+v %v", r, err)
			}
		})
	}
}

// The known responses of protocols.md section 1.
func TestResponseVectors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		frame   string
		sw3     byte
		data    string
		wantErr error
	}{
		{"find ok", "AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97", 0x9F, "00000000", nil},
		{"no card", "AA AA AA 96 69 00 04 00 00 80 84", 0x80, "", ErrNoCard},
		{"select failed", "AA AA AA 96 69 00 04 00 00 81 85", 0x81, "", ErrSelectFailed},
		{"read failed", "AA AA AA 96 69 00 04 00 00 41 45", 0x41, "", ErrReadFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := hx(t, tc.frame)
			if len(f) < 11 {
				t.Fatalf("vector shorter than the minimum response")
			}
			var d Decoder
			d.Write(f)
			body, err := d.Next()
			if err != nil {
				t.Fatal(err)
			}
			r, err := ParseResponse(body)
			if err != nil {
				t.Fatal(err)
			}
			if r.SW3 != tc.sw3 || hex.EncodeToString(r.Data) != tc.data {
				t.Fatalf("got SW3 %02X data %x", r.SW3, r.Data)
			}
			if got := EncodeResponse(r); !bytes.Equal(got, f) {
				t.Fatalf("re-encode % X", got)
			}
			if tc.wantErr != nil {
				se := &StatusError{Cmd: CmdCard, Para: ParaFind, SW3: r.SW3}
				if !errors.Is(se, tc.wantErr) {
					t.Fatalf("%v does not wrap %v", se, tc.wantErr)
				}
			}
		})
	}
}

// A full text+photo answer is 1295 bytes, text at 14..269, photo 270..1293.
func TestReadFrameLayout(t *testing.T) {
	text := bytes.Repeat([]byte{0x54}, TextSize)
	photo := bytes.Repeat([]byte{0x50}, PhotoSize)
	f := EncodeResponse(Response{SW3: SW3OK, Data: EncodeTextPhoto(text, photo)})
	if len(f) != 1295 {
		t.Fatalf("frame is %d bytes", len(f))
	}
	if !bytes.Equal(f[5:7], []byte{0x05, 0x08}) {
		t.Fatalf("LEN % X", f[5:7])
	}
	if !bytes.Equal(f[14:270], text) || !bytes.Equal(f[270:1294], photo) {
		t.Fatal("blocks not at the documented offsets")
	}
	var d Decoder
	d.Write(f)
	body, err := d.Next()
	if err != nil {
		t.Fatal(err)
	}
	r, _ := ParseResponse(body)
	tp, err := ParseTextPhoto(r.Data, false)
	if err != nil || !bytes.Equal(tp.Text, text) || !bytes.Equal(tp.Photo, photo) {
		t.Fatalf("split: %v", err)
	}
}

func TestDecoderResync(t *testing.T) {
	good := hx(t, "AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97")
	bad := bytes.Clone(good)
	bad[len(bad)-1] ^= 1
	huge := hx(t, "AA AA AA 96 69 FF FF 00")
	short := hx(t, "AA AA AA 96 69 00 01 00")
	for _, tc := range []struct {
		name   string
		stream []byte
		errs   []error // errors expected before the good frame
	}{
		{"garbage before", append(hx(t, "00 FF AA AA 96 13 AA"), good...), nil},
		{"false preamble", append(hx(t, "AA AA AA 96 69"), good...), []error{ErrFrameLength}},
		{"bad checksum then good", append(bad, good...), []error{ErrChecksum}},
		{"length too big", append(huge, good...), []error{ErrFrameLength}},
		{"length too small", append(short, good...), []error{ErrFrameLength}},
		{"duplicate", append(bytes.Clone(good), good...), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var d Decoder
			// Feed one byte at a time: frames split across reads.
			var got [][]byte
			var errs []error
			for _, c := range tc.stream {
				d.Write([]byte{c})
				for {
					body, err := d.Next()
					if errors.Is(err, ErrNeedMore) {
						break
					}
					if err != nil {
						errs = append(errs, err)
						continue
					}
					got = append(got, body)
				}
			}
			if len(got) == 0 || !bytes.Equal(got[len(got)-1], good[7:len(good)-1]) {
				t.Fatalf("good frame not recovered: %x", got)
			}
			if len(errs) != len(tc.errs) {
				t.Fatalf("errors %v, want %v", errs, tc.errs)
			}
			for i := range errs {
				if !errors.Is(errs[i], tc.errs[i]) {
					t.Fatalf("error %d: %v, want %v", i, errs[i], tc.errs[i])
				}
			}
		})
	}
}

func TestDecoderBoundedMemory(t *testing.T) {
	var d Decoder
	junk := bytes.Repeat([]byte{0x55}, 10000)
	for i := 0; i < 100; i++ {
		d.Write(junk)
		if _, err := d.Next(); !errors.Is(err, ErrNeedMore) {
			t.Fatal(err)
		}
	}
	if d.Buffered() > 8 {
		t.Fatalf("decoder holds %d bytes of junk", d.Buffered())
	}
}

func TestParseTextPhotoErrors(t *testing.T) {
	text := make([]byte, TextSize)
	good := EncodeTextPhoto(text, make([]byte, PhotoSize))
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"truncated", good[:600]},
		{"text length wrong", append([]byte{0x00, 0x10}, good[2:]...)},
		{"photo length too big", append([]byte{0x01, 0x00, 0x08, 0x00}, good[4:]...)},
		{"extra bytes", append(bytes.Clone(good), 0)},
	} {
		if _, err := ParseTextPhoto(tc.data, false); !errors.Is(err, ErrFrameLength) {
			t.Errorf("%s: got %v", tc.name, err)
		}
	}
}

func FuzzDecoder(f *testing.F) {
	f.Add(hx(f, "AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97"))
	f.Add(hx(f, "00 AA AA AA 96 69 00 04 00 00 80 84 AA AA AA 96 69 FF"))
	f.Add(hx(f, "AA AA AA 96 69 00 04 00 00 41 46 AA AA AA 96 69 00 04 00 00 41 45"))
	f.Add(EncodeResponse(Response{SW3: SW3OK, Data: EncodeTextPhoto(make([]byte, TextSize), make([]byte, PhotoSize))}))
	f.Fuzz(func(t *testing.T, b []byte) {
		var d Decoder
		// Split the input in two writes to exercise partial frames.
		cut := len(b) / 2
		d.Write(b[:cut])
		steps := 0
		drain := func() {
			for {
				steps++
				if steps > 4*len(b)+10 {
					t.Fatalf("decoder does not make progress")
				}
				body, err := d.Next()
				if errors.Is(err, ErrNeedMore) {
					return
				}
				if err != nil {
					continue
				}
				if len(body) > MaxLen {
					t.Fatalf("body of %d bytes", len(body))
				}
				if r, err := ParseResponse(body); err == nil {
					if tp, err := ParseTextPhoto(r.Data, false); err == nil {
						ParseText(tp.Text)
					}
				}
			}
		}
		drain()
		d.Write(b[cut:])
		drain()
		if d.Buffered() > MaxLen+8 {
			t.Fatalf("buffered %d", d.Buffered())
		}
	})
}
