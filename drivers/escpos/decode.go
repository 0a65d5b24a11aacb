package escpos

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// OpKind classifies decoded stream elements.
type OpKind int

const (
	OpText OpKind = iota // Text holds the decoded characters (no LF)
	OpLF
	OpInit
	OpAlign // Arg
	OpBold  // Arg
	OpSize  // Arg: GS ! n
	OpFeed  // Arg lines
	OpChineseOn
	OpChineseOff
	OpQRModel  // Arg
	OpQRModule // Arg
	OpQRECC    // Arg 0..3
	OpQRStore  // Data
	OpQRPrint
	OpRaster        // Width (bytes), Height (dots), Data
	OpCut           // Arg feed, Full
	OpStatusRequest // Arg n of DLE EOT
	OpRecover       // Arg n of DLE ENQ
	OpASB           // Arg mask of GS a
	OpUnknown       // Data holds the raw bytes skipped
)

// Op is one decoded element of an ESC/POS stream.
type Op struct {
	Kind          OpKind
	Arg           int
	Full          bool
	Width, Height int
	Text          string
	Data          []byte
}

// maxRaster bounds the bytes of one raster command a decoder accepts, so
// a corrupt header cannot make it wait for (or allocate) gigabytes.
const maxRaster = 1 << 20

// Parse decodes as many whole commands from b as it can. It returns the
// ops and how many bytes they used; an incomplete command at the end is
// left for the next call (with more bytes appended). When final is true,
// an incomplete tail is an ErrTruncated error instead. Parse never
// panics; unknown commands become OpUnknown.
func Parse(b []byte, final bool) (ops []Op, used int, err error) {
	i := 0
	var text []byte
	flush := func() {
		if len(text) > 0 {
			s, _ := simplifiedchinese.GB18030.NewDecoder().Bytes(text)
			ops = append(ops, Op{Kind: OpText, Text: string(s)})
			text = nil
		}
	}
	need := func(n int) bool { return i+n <= len(b) }
	for i < len(b) {
		c := b[i]
		switch {
		case c == 0x0A:
			flush()
			ops = append(ops, Op{Kind: OpLF})
			i++
			continue
		case c == 0x1B || c == 0x1D || c == 0x1C || c == 0x10:
			flush()
			op, n := parseCmd(b[i:])
			if n == 0 {
				if final {
					return ops, i, fmt.Errorf("%w: at byte %d", ErrTruncated, i)
				}
				return ops, i, nil
			}
			ops = append(ops, op)
			i += n
			continue
		case c < 0x20 || c == 0x7F:
			flush()
			ops = append(ops, Op{Kind: OpUnknown, Data: []byte{c}})
			i++
			continue
		}
		// Text: one GB18030 character (1, 2 or 4 bytes).
		n := gbLen(b[i:])
		if n == 0 {
			flush()
			if final {
				return ops, i, fmt.Errorf("%w: text at byte %d", ErrTruncated, i)
			}
			return ops, i, nil
		}
		if !need(n) {
			break
		}
		text = append(text, b[i:i+n]...)
		i += n
	}
	flush()
	return ops, i, nil
}

// gbLen returns the length of the GB18030 character at b[0], 1 for a byte
// that cannot start one (decoded as U+FFFD), or 0 if b ends too soon.
func gbLen(b []byte) int {
	c := b[0]
	if c < 0x81 || c == 0xFF {
		return 1
	}
	if len(b) < 2 {
		return 0
	}
	if c2 := b[1]; c2 >= 0x30 && c2 <= 0x39 {
		if len(b) < 4 {
			return 0
		}
		return 4
	}
	return 2
}

// parseCmd decodes one command at b[0]; n == 0 means b is too short.
func parseCmd(b []byte) (Op, int) {
	if len(b) < 2 {
		return Op{}, 0
	}
	arg := func(n int) (int, bool) {
		if len(b) < n+1 {
			return 0, false
		}
		return int(b[n]), true
	}
	one := func(k OpKind) (Op, int) {
		v, ok := arg(2)
		if !ok {
			return Op{}, 0
		}
		return Op{Kind: k, Arg: v}, 3
	}
	switch b[0] {
	case 0x1B:
		switch b[1] {
		case 0x40:
			return Op{Kind: OpInit}, 2
		case 0x61:
			return one(OpAlign)
		case 0x45:
			return one(OpBold)
		case 0x64:
			return one(OpFeed)
		}
		return Op{Kind: OpUnknown, Data: bytes.Clone(b[:2])}, 2
	case 0x1C:
		switch b[1] {
		case 0x26:
			return Op{Kind: OpChineseOn}, 2
		case 0x2E:
			return Op{Kind: OpChineseOff}, 2
		}
		return Op{Kind: OpUnknown, Data: bytes.Clone(b[:2])}, 2
	case 0x10:
		switch b[1] {
		case 0x04:
			return one(OpStatusRequest)
		case 0x05:
			return one(OpRecover)
		}
		// A lone DLE is data to most printers: skip only it.
		return Op{Kind: OpUnknown, Data: []byte{0x10}}, 1
	case 0x1D:
		switch b[1] {
		case 0x21:
			return one(OpSize)
		case 0x61:
			return one(OpASB)
		case 0x56:
			if len(b) < 3 {
				return Op{}, 0
			}
			switch b[2] {
			case 0x41, 0x42:
				if len(b) < 4 {
					return Op{}, 0
				}
				return Op{Kind: OpCut, Full: b[2] == 0x41, Arg: int(b[3])}, 4
			case 0x00, 0x30:
				return Op{Kind: OpCut, Full: true}, 3
			case 0x01, 0x31:
				return Op{Kind: OpCut}, 3
			}
			return Op{Kind: OpUnknown, Data: bytes.Clone(b[:3])}, 3
		case 0x76:
			if len(b) < 8 {
				return Op{}, 0
			}
			if b[2] != 0x30 {
				return Op{Kind: OpUnknown, Data: bytes.Clone(b[:3])}, 3
			}
			xb := int(binary.LittleEndian.Uint16(b[4:6]))
			y := int(binary.LittleEndian.Uint16(b[6:8]))
			n := xb * y
			if n > maxRaster {
				return Op{Kind: OpUnknown, Data: bytes.Clone(b[:8])}, 8
			}
			if len(b) < 8+n {
				return Op{}, 0
			}
			return Op{Kind: OpRaster, Width: xb, Height: y, Data: bytes.Clone(b[8 : 8+n])}, 8 + n
		case 0x28:
			if len(b) < 5 {
				return Op{}, 0
			}
			if b[2] != 0x6B {
				// GS ( x pL pH ...: skip by its length.
				n := 5 + int(binary.LittleEndian.Uint16(b[3:5]))
				if len(b) < n {
					return Op{}, 0
				}
				return Op{Kind: OpUnknown, Data: bytes.Clone(b[:n])}, n
			}
			l := int(binary.LittleEndian.Uint16(b[3:5]))
			n := 5 + l
			if len(b) < n {
				return Op{}, 0
			}
			p := b[5:n]
			if l < 2 || p[0] != 0x31 {
				return Op{Kind: OpUnknown, Data: bytes.Clone(b[:n])}, n
			}
			switch {
			case p[1] == 0x41 && l == 4:
				return Op{Kind: OpQRModel, Arg: int(p[2]) - 0x30}, n
			case p[1] == 0x43 && l == 3:
				return Op{Kind: OpQRModule, Arg: int(p[2])}, n
			case p[1] == 0x45 && l == 3:
				return Op{Kind: OpQRECC, Arg: int(p[2]) - 0x30}, n
			case p[1] == 0x50 && l >= 3:
				return Op{Kind: OpQRStore, Data: bytes.Clone(p[3:])}, n
			case p[1] == 0x51 && l == 3:
				return Op{Kind: OpQRPrint}, n
			}
			return Op{Kind: OpUnknown, Data: bytes.Clone(b[:n])}, n
		}
		return Op{Kind: OpUnknown, Data: bytes.Clone(b[:2])}, 2
	}
	return Op{Kind: OpUnknown, Data: []byte{b[0]}}, 1
}

// Decode turns a whole stream into readable text, one element per line:
// printed text as it is, commands in brackets. It is meant for test
// failure messages and golden diffs.
func Decode(b []byte) (string, error) {
	ops, _, err := Parse(b, true)
	return Render(ops), err
}

// Render formats ops as Decode does.
func Render(ops []Op) string {
	var sb strings.Builder
	var qr []byte
	line := false
	nl := func() {
		if line {
			sb.WriteByte('\n')
			line = false
		}
	}
	tag := func(format string, a ...any) {
		nl()
		fmt.Fprintf(&sb, "["+format+"]\n", a...)
	}
	for _, op := range ops {
		switch op.Kind {
		case OpText:
			sb.WriteString(op.Text)
			line = true
		case OpLF:
			sb.WriteByte('\n')
			line = false
		case OpInit:
			tag("init")
		case OpAlign:
			tag("align %s", [...]string{"left", "center", "right"}[min(op.Arg%48, 2)])
		case OpBold:
			tag("bold %v", op.Arg&1 == 1)
		case OpSize:
			tag("size %dx%d", op.Arg>>4+1, op.Arg&0x0F+1)
		case OpFeed:
			tag("feed %d", op.Arg)
		case OpChineseOn:
			tag("chinese on")
		case OpChineseOff:
			tag("chinese off")
		case OpQRModel:
			tag("qr model %d", op.Arg)
		case OpQRModule:
			tag("qr module %d", op.Arg)
		case OpQRECC:
			tag("qr ecc %c", "LMQH?"[min(max(op.Arg, 0), 4)])
		case OpQRStore:
			qr = op.Data
			tag("qr store %q", op.Data)
		case OpQRPrint:
			tag("qr print %d bytes", len(qr))
		case OpRaster:
			tag("raster %dx%d dots", op.Width*8, op.Height)
		case OpCut:
			kind := "partial"
			if op.Full {
				kind = "full"
			}
			tag("cut %s feed %d", kind, op.Arg)
		case OpStatusRequest:
			tag("status request %d", op.Arg)
		case OpRecover:
			tag("recover %d", op.Arg)
		case OpASB:
			tag("asb %08b", op.Arg)
		case OpUnknown:
			tag("unknown % X", op.Data)
		}
	}
	nl()
	return sb.String()
}
