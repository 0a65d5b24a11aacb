package escpos

import (
	"errors"
	"testing"
)

// The DLE EOT bit assignments of protocols.md section 2.
func TestRealtimeVectors(t *testing.T) {
	for _, tc := range []struct {
		n    int
		b    byte
		want Status
	}{
		{1, 0x12, Status{}},
		{1, 0x16, Status{}}, // bit2 is drawer: ignored
		{1, 0x1A, Status{Offline: true}},
		{2, 0x12, Status{}},
		{2, 0x16, Status{CoverOpen: true}},
		{2, 0x32, Status{PaperEnd: true}},
		{2, 0x52, Status{Error: true}},
		{3, 0x12, Status{}},
		{3, 0x1A, Status{CutterError: true}},
		{3, 0x32, Status{Unrecoverable: true}},
		{3, 0x52, Status{AutoRecoverable: true}},
		{4, 0x12, Status{}},
		{4, 0x1E, Status{PaperNearEnd: true}},
		{4, 0x16, Status{}}, // one near-end bit alone is not "bits 2-3 set"
		{4, 0x72, Status{PaperEnd: true}},
		{4, 0x7E, Status{PaperEnd: true, PaperNearEnd: true}},
	} {
		var s Status
		if err := s.ApplyRealtime(tc.n, tc.b); err != nil {
			t.Fatalf("n=%d %02X: %v", tc.n, tc.b, err)
		}
		if s != tc.want {
			t.Errorf("n=%d %02X: got %v want %v", tc.n, tc.b, s, tc.want)
		}
	}
	for _, b := range []byte{0x00, 0x10, 0x13, 0x92, 0xFF} {
		var s Status
		if err := s.ApplyRealtime(1, b); !errors.Is(err, ErrBadStatus) {
			t.Errorf("%02X accepted: %v", b, err)
		}
	}
	var s Status
	if err := s.ApplyRealtime(5, 0x12); !errors.Is(err, ErrBadCommand) {
		t.Errorf("n=5: %v", err)
	}
}

func TestASBVectors(t *testing.T) {
	for _, tc := range []struct {
		g    []byte
		want Status
	}{
		{[]byte{0x10, 0, 0, 0}, Status{}},
		{[]byte{0x18, 0, 0, 0}, Status{Offline: true}},
		{[]byte{0x30, 0, 0, 0}, Status{CoverOpen: true}},
		{[]byte{0x10, 0x08, 0, 0}, Status{CutterError: true}},
		{[]byte{0x10, 0x20, 0, 0}, Status{Unrecoverable: true}},
		{[]byte{0x10, 0, 0x0C, 0}, Status{PaperEnd: true}},
		{[]byte{0x10, 0, 0x03, 0}, Status{PaperNearEnd: true}},
		{[]byte{0x38, 0x08, 0x0F, 0}, Status{Offline: true, CoverOpen: true, CutterError: true, PaperEnd: true, PaperNearEnd: true}},
	} {
		s, err := ParseASB(tc.g)
		if err != nil || s != tc.want {
			t.Errorf("% X: got %v, %v want %v", tc.g, s, err, tc.want)
		}
	}
	for _, g := range [][]byte{{0x12, 0, 0, 0}, {0x10, 0x10, 0, 0}, {0x10, 0, 0}, {0x90, 0, 0, 0}} {
		if _, err := ParseASB(g); !errors.Is(err, ErrBadStatus) {
			t.Errorf("% X accepted", g)
		}
	}
}

func TestStatusErrAndMessage(t *testing.T) {
	for _, tc := range []struct {
		s    Status
		want error
		msg  string
	}{
		{Status{}, nil, ""},
		{Status{PaperNearEnd: true}, nil, ""},
		{Status{PaperEnd: true, Offline: true}, ErrPaperEnd, "打印纸用完，请联系工作人员"},
		{Status{CoverOpen: true, Offline: true}, ErrCoverOpen, "打印机盖未关好，请联系工作人员"},
		{Status{CutterError: true}, ErrCutter, "打印机切纸故障，请联系工作人员"},
		{Status{Offline: true}, ErrOffline, "打印机未连接，请联系工作人员"},
		{Status{Error: true}, ErrPrinterError, "打印机故障，请联系工作人员"},
	} {
		err := tc.s.Err()
		if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("%v: got %v want %v", tc.s, err, tc.want)
		}
		if got := Message(err); got != tc.msg {
			t.Errorf("%v: message %q want %q", tc.s, got, tc.msg)
		}
	}
	if w := (Status{PaperNearEnd: true}).Warning(); Message(w) != "打印纸即将用完，请通知工作人员更换" {
		t.Errorf("near end warning %v", w)
	}
}

func TestStatusScanner(t *testing.T) {
	var sc StatusScanner
	var replies []byte
	var groups [][]byte
	// junk, a reply, an ASB group, a broken group, another reply
	for _, b := range []byte{0xFF, 0x12, 0x18, 0x00, 0x0C, 0x00, 0x10, 0x80, 0x1A} {
		r, ok, g := sc.Feed(b)
		if ok {
			replies = append(replies, r)
		}
		if g != nil {
			groups = append(groups, g)
		}
	}
	if string(replies) != "\x12\x1a" || len(groups) != 1 || groups[0][0] != 0x18 {
		t.Fatalf("replies % X groups % X", replies, groups)
	}
	if sc.Dropped != 3 { // FF, and the 10 80 of the broken group
		t.Fatalf("dropped %d", sc.Dropped)
	}
}

func FuzzStatus(f *testing.F) {
	f.Add([]byte{0x12, 0x1A, 0x10, 0x00, 0x0C, 0x00, 0x72})
	f.Add([]byte{0x18, 0x08, 0x03})
	f.Fuzz(func(t *testing.T, b []byte) {
		var sc StatusScanner
		var s Status
		for i, c := range b {
			r, ok, g := sc.Feed(c)
			if ok {
				if err := s.ApplyRealtime(1+i%4, r); err != nil {
					t.Fatalf("scanner passed a bad reply %02X: %v", r, err)
				}
			}
			if g != nil {
				if _, err := ParseASB(g); err != nil {
					t.Fatalf("scanner passed a bad group % X: %v", g, err)
				}
			}
		}
		_ = s.Err()
		_ = s.String()
		ParseASB(b)
	})
}
