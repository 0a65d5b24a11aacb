package ledsign

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCRCCheckValue(t *testing.T) {
	if got := CRC16([]byte("123456789")); got != 0x4B37 {
		t.Fatalf("CRC16(123456789) = %04X, want 4B37", got)
	}
}

// The test vectors of protocols.md section 3, byte for byte.
var vectors = []struct {
	name  string
	frame Frame
	wire  string
}{
	{"PING addr 3 seq 1 ack", Frame{Addr: 3, Flags: FlagAck, Seq: 1, Cmd: CmdPing},
		"55 AA 01 03 01 01 01 00 00 66 0F"},
	{"SHOW_CALL addr 3 seq 2 A001 window 3", Frame{Addr: 3, Flags: FlagAck, Seq: 2, Cmd: CmdShowCall,
		Payload: mustCall(Call{Ticket: "A001", Window: "3", Template: 0, Blink: 3, Hold: 0})},
		"55 AA 01 03 01 02 10 10 00 41 30 30 31 00 00 00 00 33 00 00 00 00 03 00 00 5D 73"},
	{"OK reply addr 3 seq 2", Frame{Addr: 3, Flags: FlagReply, Seq: 2, Cmd: CmdShowCall, Payload: []byte{0}},
		"55 AA 01 03 80 02 10 01 00 00 81 C7"},
}

func mustCall(c Call) []byte {
	p, err := c.MarshalBinary()
	if err != nil {
		panic(err)
	}
	return p
}

func TestVectorsEncode(t *testing.T) {
	for _, v := range vectors {
		t.Run(v.name, func(t *testing.T) {
			got, err := AppendFrame(nil, v.frame)
			if err != nil {
				t.Fatal(err)
			}
			if want := unhex(t, v.wire); !bytes.Equal(got, want) {
				t.Fatalf("encoded\n% X\nwant\n% X", got, want)
			}
		})
	}
}

func TestVectorsDecode(t *testing.T) {
	for _, v := range vectors {
		t.Run(v.name, func(t *testing.T) {
			var d Decoder
			d.Write(unhex(t, v.wire))
			f, ok, err := d.Next()
			if err != nil || !ok {
				t.Fatalf("Next = ok %v, err %v", ok, err)
			}
			if f.Addr != v.frame.Addr || f.Flags != v.frame.Flags || f.Seq != v.frame.Seq || f.Cmd != v.frame.Cmd ||
				!bytes.Equal(f.Payload, v.frame.Payload) {
				t.Fatalf("decoded %+v, want %+v", f, v.frame)
			}
			if d.Pending() {
				t.Fatal("bytes left after a whole frame")
			}
		})
	}
}

func TestCallVectorFields(t *testing.T) {
	var c Call
	wire := unhex(t, vectors[1].wire)
	if err := c.UnmarshalBinary(wire[9 : len(wire)-2]); err != nil {
		t.Fatal(err)
	}
	want := Call{Ticket: "A001", Window: "3", Blink: 3}
	if c != want {
		t.Fatalf("got %+v, want %+v", c, want)
	}
	if s, _ := c.Render(); s != "请A001号到3号窗口" {
		t.Fatalf("Render = %q", s)
	}
}

func TestDecoderResync(t *testing.T) {
	ping := unhex(t, vectors[0].wire)
	ok := unhex(t, vectors[2].wire)
	badCRC := append([]byte(nil), ok...)
	badCRC[len(badCRC)-1] ^= 1
	badVer := append([]byte(nil), ok...)
	badVer[2] = 2
	bigLen := []byte{0x55, 0xAA, 0x01, 0x03, 0x80, 0x02, 0x10, 0x01, 0x02} // LEN 513
	cases := []struct {
		name    string
		in      [][]byte
		frames  int
		wantErr error
	}{
		{"garbage before", [][]byte{{0x00, 0xFF, 0x55, 0x13}, ping}, 1, nil},
		{"split across writes", [][]byte{ping[:1], ping[1:2], ping[2:7], ping[7:]}, 1, nil},
		{"two in one write", [][]byte{append(append([]byte(nil), ping...), ok...)}, 2, nil},
		{"bad crc then good", [][]byte{badCRC, ok}, 1, ErrCRC},
		{"bad version then good", [][]byte{badVer, ok}, 1, ErrVersion},
		{"length over 512 then good", [][]byte{bigLen, ping}, 1, ErrLength},
		{"truncated", [][]byte{ping[:6]}, 0, nil},
		{"sync split 55|AA", [][]byte{{0x12, 0x55}, ping[1:]}, 1, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var d Decoder
			frames := 0
			var errs []error
			for _, p := range c.in {
				d.Write(p)
				for i := 0; i < 1000; i++ {
					_, ok, err := d.Next()
					if err != nil {
						errs = append(errs, err)
						continue
					}
					if !ok {
						break
					}
					frames++
				}
			}
			if frames != c.frames {
				t.Errorf("frames = %d, want %d", frames, c.frames)
			}
			if c.wantErr != nil && (len(errs) == 0 || !errors.Is(errs[0], c.wantErr)) {
				t.Errorf("errors = %v, want %v first", errs, c.wantErr)
			}
			if c.wantErr == nil && len(errs) != 0 {
				t.Errorf("unexpected errors %v", errs)
			}
		})
	}
}

func TestAppendFrameTooLong(t *testing.T) {
	if _, err := AppendFrame(nil, Frame{Payload: make([]byte, MaxPayload+1)}); !errors.Is(err, ErrLength) {
		t.Fatalf("err = %v, want ErrLength", err)
	}
}

func TestPayloads(t *testing.T) {
	for _, tc := range []Text{
		{Text: "请A023号到3号窗口", Encoding: GB18030, Dwell: 5, Colour: 2},
		{Text: "暂停服务", Encoding: UTF8, Region: 1},
		{Text: "𠀀 GB18030 four-byte", Encoding: GB18030},
	} {
		p, err := tc.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var got Text
		if err := got.UnmarshalBinary(p); err != nil {
			t.Fatal(err)
		}
		if got != tc {
			t.Errorf("round trip %+v -> %+v", tc, got)
		}
	}
	// GB18030 bytes on the wire, checked by hand: 请 = C7 EB.
	p, _ := Text{Text: "请"}.MarshalBinary()
	if want := []byte{0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0xC7, 0xEB}; !bytes.Equal(p, want) {
		t.Errorf("text payload % X, want % X", p, want)
	}
	if _, err := (Text{Text: "\xff"}).MarshalBinary(); !errors.Is(err, ErrEncoding) {
		t.Errorf("invalid UTF-8: err %v", err)
	}
	if _, err := (Text{Text: strings.Repeat("好", 300)}).MarshalBinary(); !errors.Is(err, ErrParam) {
		t.Errorf("too long: err %v", err)
	}
	for _, c := range []Call{{Ticket: "A0001234X", Window: "3"}, {Ticket: "A001", Window: "12345"}, {Ticket: "", Window: "1"}, {Ticket: "甲1", Window: "1"}} {
		if _, err := c.MarshalBinary(); !errors.Is(err, ErrParam) {
			t.Errorf("%+v: err %v, want ErrParam", c, err)
		}
	}
	in := Info{Model: "KWS", Firmware: "1.2", Width: 128, Height: 32, Colours: 3, Encodings: 3, Serial: [8]byte{1, 2, 3}}
	ip, _ := in.MarshalBinary()
	var in2 Info
	if err := in2.UnmarshalBinary(ip); err != nil || in2 != in {
		t.Errorf("info round trip %+v %v", in2, err)
	}
	st := DevStatus{Status: StatusBusy, Faults: 0x0102, Uptime: 77, LastSeq: 9}
	sp, _ := st.MarshalBinary()
	var st2 DevStatus
	if err := st2.UnmarshalBinary(sp); err != nil || st2 != st {
		t.Errorf("status round trip %+v %v", st2, err)
	}
}

func FuzzDecoder(f *testing.F) {
	for _, v := range vectors {
		f.Add(unhex(f, v.wire))
	}
	f.Add([]byte{0x55, 0xAA, 0x01, 0x03, 0x80, 0x02, 0x10, 0xFF, 0xFF})
	f.Add([]byte{0x55, 0x55, 0xAA, 0x02})
	f.Fuzz(func(t *testing.T, in []byte) {
		var d Decoder
		// Feed in two pieces to exercise partial frames.
		half := len(in) / 2
		for _, p := range [][]byte{in[:half], in[half:]} {
			d.Write(p)
			for i := 0; i <= len(in)+1; i++ {
				fr, ok, err := d.Next()
				if err != nil {
					continue
				}
				if !ok {
					break
				}
				// Whatever decodes must re-encode to a frame that decodes the same.
				b, err := AppendFrame(nil, fr)
				if err != nil {
					t.Fatal(err)
				}
				var d2 Decoder
				d2.Write(b)
				fr2, ok, err := d2.Next()
				if !ok || err != nil || fr2.Seq != fr.Seq || !bytes.Equal(fr2.Payload, fr.Payload) {
					t.Fatalf("re-decode: %v %v", ok, err)
				}
				var c Call
				_ = c.UnmarshalBinary(fr.Payload)
				var tx Text
				_ = tx.UnmarshalBinary(fr.Payload)
				var in Info
				_ = in.UnmarshalBinary(fr.Payload)
			}
		}
		if len(d.buf) > maxBuffered {
			t.Fatalf("decoder holds %d bytes", len(d.buf))
		}
	})
}

func FuzzTextPayload(f *testing.F) {
	p, _ := Text{Text: "请A023号到3号窗口"}.MarshalBinary()
	f.Add(p)
	p, _ = Text{Text: "暂停", Encoding: UTF8}.MarshalBinary()
	f.Add(p)
	f.Fuzz(func(t *testing.T, in []byte) {
		var tx Text
		if err := tx.UnmarshalBinary(in); err != nil {
			return
		}
		if _, err := tx.MarshalBinary(); err != nil && !errors.Is(err, ErrParam) {
			t.Fatalf("decoded text does not re-encode: %v", err)
		}
	})
}
