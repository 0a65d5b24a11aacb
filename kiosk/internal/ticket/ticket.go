package ticket

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"hallq/controller/hallproto"
	"hallq/drivers/escpos"
	"hallq/drivers/idcard"
)

// Unknown marks WaitingAhead or EstimatedWaitMinutes as not known (a
// ticket issued from the offline lease).
const Unknown = -1

// Data is what one ticket shows. Zero-valued optional fields are left off.
type Data struct {
	HallName, HallNameEN       string
	ServiceName, ServiceNameEN string
	Number                     string // A023: required
	Channel                    hallproto.Channel
	// Category is a declared priority category (pregnant, disabled ...),
	// printed as not yet verified when CategoryVerified is false.
	Category         string
	CategoryVerified bool
	// WaitingAhead and EstimatedWaitMinutes may be Unknown.
	WaitingAhead         int
	EstimatedWaitMinutes int
	// Name is the card holder's name; it is masked (张*三) on the ticket.
	// Empty when no ID card was used.
	Name          string
	AppointmentAt *time.Time
	IssuedAt      time.Time
	// StatusURL goes into the QR code; empty prints no QR code.
	StatusURL string
	// Footer is free text from the hall configuration (several lines
	// separated by \n).
	Footer string
}

// FromTicket fills the fields a controller ticket answer carries.
func FromTicket(t *hallproto.Ticket) Data {
	return Data{
		ServiceName:          t.ServiceName,
		Number:               t.Number,
		Channel:              t.Channel,
		Category:             t.Category,
		CategoryVerified:     t.CategoryVerified,
		WaitingAhead:         t.WaitingAhead,
		EstimatedWaitMinutes: t.EstimatedWaitMinutes,
		Name:                 t.MaskedName,
		AppointmentAt:        t.AppointmentAt,
		IssuedAt:             t.IssuedAt,
	}
}

// Layout is the shape of the ticket on one paper width.
type Layout struct {
	Profile escpos.Profile
	// NumberSize is the character multiplier of the ticket number (1..8);
	// it shrinks when the number would not fit on one line.
	NumberSize int
	// QRModule is the QR module size in dots.
	QRModule int
	// CutFeed is the number of lines fed before the cut.
	CutFeed int
}

// Layouts by escpos profile name: 58 mm panel printers get a smaller
// number and QR code so the slip stays short.
var Layouts = map[string]Layout{
	escpos.Generic58.Name:       {Profile: escpos.Generic58, NumberSize: 3, QRModule: 4, CutFeed: 4},
	escpos.Generic80.Name:       {Profile: escpos.Generic80, NumberSize: 4, QRModule: 6, CutFeed: 3},
	escpos.Generic80Narrow.Name: {Profile: escpos.Generic80Narrow, NumberSize: 4, QRModule: 5, CutFeed: 3},
	escpos.Legacy80.Name:        {Profile: escpos.Legacy80, NumberSize: 4, QRModule: 6, CutFeed: 3},
}

// LayoutFor returns the layout of a profile name ("58mm", "80mm",
// "80mm-512", "80mm-noqr"); "58" and "80" are accepted as short forms.
func LayoutFor(name string) (Layout, error) {
	switch name {
	case "58":
		name = escpos.Generic58.Name
	case "80", "":
		name = escpos.Generic80.Name
	}
	l, ok := Layouts[name]
	if !ok {
		return Layout{}, fmt.Errorf("%w: unknown printer profile %q", ErrBadTicket, name)
	}
	return l, nil
}

// ChannelLabel returns the Chinese and English names of a channel as
// printed; "" for the normal channel, which is not printed.
func ChannelLabel(c hallproto.Channel) (zh, en string) {
	switch c {
	case hallproto.Love:
		return "爱心通道", "Priority"
	case hallproto.Green:
		return "绿色通道", "Green channel"
	case hallproto.Appointment:
		return "预约", "Appointment"
	}
	return "", ""
}

// CategoryLabel names the declared categories of docs/api.md.
func CategoryLabel(c string) string {
	switch c {
	case "elderly":
		return "老年人"
	case "minor":
		return "未成年人"
	case "pregnant":
		return "孕妇"
	case "disabled":
		return "残疾人"
	case "military":
		return "军人"
	case "sick":
		return "伤病人员"
	case "unable_smart_device":
		return "不会使用智能设备"
	case "special_care":
		return "特殊关爱"
	}
	return c
}

// maxNumber bounds the ticket number's length: numbers are a prefix and a
// few digits, anything longer is a bug upstream.
const maxNumber = 16

// Build lays out d on l and returns the ESC/POS job. r draws lines the
// printer font cannot (rare name characters); nil uses escpos's box
// fallback.
func Build(d *Data, l Layout, r escpos.Rasterizer) ([]byte, error) {
	if d == nil || d.Number == "" {
		return nil, fmt.Errorf("%w: no ticket number", ErrBadTicket)
	}
	if len(d.Number) > maxNumber || strings.ContainsAny(d.Number, "\n\r") || !escpos.Printable(d.Number) {
		return nil, fmt.Errorf("%w: ticket number of %d bytes", ErrBadTicket, len(d.Number))
	}
	if l.Profile.Columns == 0 {
		return nil, fmt.Errorf("%w: layout without a profile", ErrBadTicket)
	}
	b := escpos.NewBuilder(l.Profile, r)
	b.Align(escpos.Center)
	if d.HallName != "" {
		b.Bold(true).Line(d.HallName).Bold(false)
	}
	if d.HallNameEN != "" {
		b.Line(d.HallNameEN)
	}
	if d.ServiceName != "" {
		b.Line(d.ServiceName)
	}
	if d.ServiceNameEN != "" {
		b.Line(d.ServiceNameEN)
	}
	b.Feed(1)

	// The number must stay on one line: shrink until it fits.
	size := max(1, min(8, l.NumberSize))
	for size > 1 && escpos.StringWidth(d.Number)*size > l.Profile.Columns {
		size--
	}
	if escpos.StringWidth(d.Number) > l.Profile.Columns {
		return nil, fmt.Errorf("%w: number wider than the paper", ErrBadTicket)
	}
	b.Size(size, size).Bold(true).Line(d.Number).Bold(false).Size(1, 1)

	if zh, en := ChannelLabel(d.Channel); zh != "" {
		line := zh + " " + en
		if d.Category != "" {
			line = zh + "·" + CategoryLabel(d.Category)
			if !d.CategoryVerified {
				line += "（请到窗口核验）"
			}
		}
		b.Bold(true).Line(line).Bold(false)
	}
	if d.AppointmentAt != nil && !d.AppointmentAt.IsZero() {
		b.Line("预约时间：" + d.AppointmentAt.Format("15:04"))
	}
	switch {
	case d.WaitingAhead == Unknown:
		b.Line("请留意叫号屏幕，按顺序办理")
		b.Line("Please watch the display")
	default:
		b.Line("前面还有 " + strconv.Itoa(max(0, d.WaitingAhead)) + " 人等候")
		b.Line(strconv.Itoa(max(0, d.WaitingAhead)) + " waiting ahead of you")
		if d.EstimatedWaitMinutes > 0 {
			b.Line("预计等候约 " + strconv.Itoa(d.EstimatedWaitMinutes) + " 分钟")
		}
	}
	if d.Name != "" {
		b.Line("姓名：" + idcard.MaskName(d.Name))
	}
	if d.StatusURL != "" {
		b.Feed(1)
		b.QR(d.StatusURL, l.QRModule, escpos.ECCM)
		b.Line("扫码查看排队进度 Scan to follow")
	}
	b.Align(escpos.Left)
	if !d.IssuedAt.IsZero() {
		b.Line("取号时间：" + d.IssuedAt.Format("2006-01-02 15:04:05"))
	}
	if d.Footer != "" {
		b.Line(d.Footer)
	}
	b.Cut(l.CutFeed)
	return b.Bytes()
}
