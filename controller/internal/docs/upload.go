package docs

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image/jpeg"
	"strings"
	"unicode"
	"unicode/utf8"

	"hallq/controller/hallproto"
)

// Limits bound an upload.
type Limits struct {
	MaxPages     int
	MaxPageBytes int // one decoded JPEG
	MaxBytes     int // all pages decoded
	MaxPixels    int // width*height of one page
}

// Upload is a decoded, validated upload.
type Upload struct {
	RequestID string
	TicketID  uint64
	IDNumber  string // only while the request is handled; never stored
	Material  string
	Pages     [][]byte
	Source    string
}

// maxMaterial is the material name's length in characters.
const maxMaterial = 32

// DecodeUpload parses and checks the body of POST /api/v1/documents:
// strict JSON, one binding, a short material name, and every page a
// complete JPEG within the limits. It never panics on any input.
func DecodeUpload(body []byte, lim Limits) (*Upload, error) {
	var in hallproto.DocumentUpload
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return nil, fail(ErrBadJSON, "请求格式错误", "malformed JSON: %v", err)
	}
	if dec.More() {
		return nil, fail(ErrBadJSON, "请求格式错误：多余内容", "malformed JSON: trailing data")
	}
	if in.RequestID == "" || len(in.RequestID) > 128 || strings.ContainsAny(in.RequestID, "\x00\r\n") {
		return nil, fail(ErrBadRequestID, "缺少或无效的 request_id", "request_id missing or invalid (1-128 characters)")
	}
	u := &Upload{RequestID: in.RequestID, TicketID: in.TicketID, Source: in.Source}
	switch {
	case in.TicketID != 0 && in.IDCard != nil:
		return nil, fail(ErrBinding, "只能绑定号票或身份证其中之一", "give either ticket_id or idcard, not both")
	case in.TicketID != 0:
	case in.IDCard != nil:
		n := strings.ToUpper(strings.TrimSpace(in.IDCard.Number))
		if n == "" {
			return nil, fail(ErrBinding, "缺少身份证号码", "idcard.number is empty")
		}
		u.IDNumber = n
	default:
		return nil, fail(ErrBinding, "请指定号票或身份证", "give ticket_id or idcard")
	}
	m := strings.TrimSpace(in.Material)
	if m == "" || utf8.RuneCountInString(m) > maxMaterial || !utf8.ValidString(m) ||
		strings.ContainsFunc(m, func(r rune) bool { return unicode.IsControl(r) }) {
		return nil, fail(ErrMaterial, "材料类型无效", "material must be 1-%d printable characters", maxMaterial)
	}
	u.Material = m
	if utf8.RuneCountInString(u.Source) > 64 || strings.ContainsFunc(u.Source, unicode.IsControl) {
		return nil, fail(ErrBadJSON, "来源无效", "source must be at most 64 printable characters")
	}
	if len(in.Pages) == 0 {
		return nil, fail(ErrNoPages, "没有页面", "no pages")
	}
	if len(in.Pages) > lim.MaxPages {
		return nil, fail(ErrTooLarge, fmt.Sprintf("页数过多（最多 %d 页）", lim.MaxPages), "%d pages, at most %d", len(in.Pages), lim.MaxPages)
	}
	total := 0
	for i, p := range in.Pages {
		if base64.StdEncoding.DecodedLen(len(p)) > lim.MaxPageBytes+3 {
			return nil, fail(ErrTooLarge, fmt.Sprintf("第 %d 页过大", i+1), "page %d larger than %d bytes", i+1, lim.MaxPageBytes)
		}
		b, err := base64.StdEncoding.DecodeString(p)
		if err != nil {
			return nil, fail(ErrBadPage, fmt.Sprintf("第 %d 页编码错误，请重新拍摄", i+1), "page %d: base64: %v", i+1, err)
		}
		if len(b) > lim.MaxPageBytes {
			return nil, fail(ErrTooLarge, fmt.Sprintf("第 %d 页过大", i+1), "page %d larger than %d bytes", i+1, lim.MaxPageBytes)
		}
		if total += len(b); total > lim.MaxBytes {
			return nil, fail(ErrTooLarge, "材料总大小超出限制", "pages larger than %d bytes together", lim.MaxBytes)
		}
		if err := checkJPEG(b, lim.MaxPixels); err != nil {
			return nil, fail(ErrBadPage, fmt.Sprintf("第 %d 页不是有效的图片，请重新拍摄", i+1), "page %d: %v", i+1, err)
		}
		u.Pages = append(u.Pages, b)
	}
	return u, nil
}

// checkJPEG accepts only a complete baseline or progressive JPEG: the
// header first (cheap, and it bounds the decode's memory), then a full
// decode, because a truncated file has a valid header.
func checkJPEG(b []byte, maxPixels int) error {
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return fmt.Errorf("no JPEG start marker")
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return err
	}
	if cfg.Width < 16 || cfg.Height < 16 || cfg.Width*cfg.Height > maxPixels {
		return fmt.Errorf("%dx%d pixels outside 16x16..%d pixels", cfg.Width, cfg.Height, maxPixels)
	}
	if _, err := jpeg.Decode(bytes.NewReader(b)); err != nil {
		return err
	}
	return nil
}
