package citizen

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"hallq/controller/hallproto"
	"hallq/controller/internal/booking"
	"hallq/controller/internal/pii"
)

const csrfCookie = "hallq_m_csrf"

type option struct {
	ID, Name     string
	Value, Label string
	Selected     bool
	Start, End   string
	Left         int
	Open         bool
}

type bookData struct {
	page
	Services, Dates, Slots       []option
	Service, Date, Rules         string
	CSRF, RequestID, Name, Phone string
	Retention                    int
}

var weekdays = []string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}

// form renders the booking form for service and date. After an error the
// citizen types name, number and phone again: a page never shows them.
func (s *Service) form(w http.ResponseWriter, r *http.Request, status int, service, date, slot, msg string) {
	bk := s.o.Booking
	if bk == nil || bk.Config().Disabled {
		s.fail(w, 404, "本大厅未开通网上预约")
		return
	}
	token := s.csrfToken(w, r)
	cfg := bk.Config()
	d := bookData{page: s.base("预约办理 Book an appointment", 0), CSRF: token, RequestID: randomToken(),
		Retention: cfg.RetentionDays,
		Rules:     fmt.Sprintf("可预约 %d 至 %d 个工作日内", cfg.MinDaysAhead, cfg.MaxDaysAhead)}
	d.Message = msg
	services := bk.Bookable()
	if !slices.Contains(services, service) {
		service = ""
	}
	for _, id := range services {
		d.Services = append(d.Services, option{ID: id, Name: bk.ServiceName(id), Selected: id == service})
	}
	dates := bk.BookableDates()
	if !slices.Contains(dates, date) {
		date = ""
	}
	for _, v := range dates {
		t, _ := time.Parse(time.DateOnly, v)
		d.Dates = append(d.Dates, option{Value: v, Label: fmt.Sprintf("%d月%d日 %s", t.Month(), t.Day(), weekdays[t.Weekday()]), Selected: v == date})
	}
	d.Service, d.Date = service, date
	if service != "" && date != "" {
		if sl, err := bk.Slots(service, date); err == nil {
			for _, x := range sl.Slots {
				d.Slots = append(d.Slots, option{Start: x.Start, End: x.End, Left: x.Left, Open: x.Open, Selected: x.Start == slot})
			}
		}
	}
	s.render(w, status, "book", d)
}

// csrfToken keeps the visitor's token (or makes one) and sets the cookie.
func (s *Service) csrfToken(w http.ResponseWriter, r *http.Request) string {
	token := ""
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) >= 16 && len(c.Value) <= 64 {
		token = c.Value
	} else {
		token = randomToken()
	}
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: token, Path: "/m/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil || strings.HasPrefix(s.o.Config.PublicURL, "https://")})
	return token
}

func (s *Service) bookForm(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.form(w, r, 200, q.Get("service"), q.Get("date"), "", "")
}

func (s *Service) bookSubmit(w http.ResponseWriter, r *http.Request) {
	bk := s.o.Booking
	if bk == nil || bk.Config().Disabled {
		s.fail(w, 404, "本大厅未开通网上预约")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	if err := r.ParseForm(); err != nil {
		s.fail(w, 400, "提交的内容无效，请返回重试")
		return
	}
	f := r.PostForm
	c, err := r.Cookie(csrfCookie)
	if err != nil || f.Get("csrf") == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(f.Get("csrf"))) != 1 || !sameOrigin(r) {
		s.fail(w, 403, "页面已过期，请重新打开预约页面后提交")
		return
	}
	now := s.o.Clock()
	if !s.ipLimit.allow(s.clientIP(r), now) {
		s.fail(w, 429, "提交过于频繁，请稍后再试")
		return
	}
	service, date, slot := f.Get("service"), f.Get("date"), f.Get("slot")
	name, number, phone := strings.TrimSpace(f.Get("name")), pii.NormalizeID(f.Get("idnumber")), strings.TrimSpace(f.Get("phone"))
	if slot == "" {
		s.form(w, r, 400, service, date, slot, "请选择预约时段")
		return
	}
	if err := pii.ValidateID(number, now); err != nil {
		var pe *pii.Error
		errors.As(err, &pe)
		s.form(w, r, 400, service, date, slot, pe.Message)
		return
	}
	if !s.idLimit.allow(s.personOf(number), now) {
		s.fail(w, 429, "该身份证号码今日提交次数过多，请明天再试")
		return
	}
	ap, err := bk.Create(r.Context(), hallproto.BookingRequest{RequestID: "m-" + f.Get("request_id"), Service: service,
		Date: date, Slot: slot, IDCard: hallproto.IDCard{Number: number, Name: name}, Phone: phone}, "citizen-web")
	if err != nil {
		var be *booking.Error
		if !errors.As(err, &be) || be.Status >= 500 {
			s.o.Logger.Error("citizen: booking failed", "err", err)
			s.form(w, r, 503, service, date, slot, "系统繁忙，请稍后再试")
			return
		}
		s.form(w, r, be.Status, service, date, slot, be.Message)
		return
	}
	rules := bk.Rules()
	s.render(w, 200, "booked", struct {
		page
		Booking                   hallproto.Booking
		Early, Lapse, CancelHours int
		Link                      string
	}{s.base("预约成功 Booked", 0), ap, rules.EarlyMinutes, rules.LapseMinutes, (rules.CancelBeforeMinutes + 59) / 60,
		s.bookingLink(ap.ID)})
}

func (s *Service) bookingLink(id string) string { return "/m/b/" + id + "?k=" + s.BookingCheck(id) }

var bookingStatus = map[string]string{booking.StatusBooked: "已预约", booking.StatusCheckedIn: "已签到",
	booking.StatusCancelled: "已取消", booking.StatusNoShow: "已失效（未按时签到）"}

// bookingPage shows one booking, masked, with a cancel button while the
// deadline has not passed. k proves the visitor got the link at booking.
func (s *Service) bookingPage(w http.ResponseWriter, r *http.Request) {
	s.showBooking(w, r, 200, "")
}

func (s *Service) showBooking(w http.ResponseWriter, r *http.Request, status int, msg string) {
	bk := s.o.Booking
	id, k := r.PathValue("id"), r.URL.Query().Get("k")
	if k == "" {
		k = r.PostFormValue("k")
	}
	if bk == nil || len(id) > 64 || subtle.ConstantTimeCompare([]byte(k), []byte(s.BookingCheck(id))) != 1 {
		s.fail(w, 404, "无效的预约链接")
		return
	}
	ap, err := bk.Get(id)
	if err != nil {
		s.fail(w, 404, "该预约不存在或已超过保存期限")
		return
	}
	token := s.csrfToken(w, r)
	deadline := ap.SlotAt.Add(-time.Duration(bk.Config().CancelBeforeMinutes) * time.Minute)
	s.render(w, status, "booking", struct {
		page
		Booking             hallproto.Booking
		StatusText, CSRF, K string
		CanCancel           bool
		Deadline            string
	}{s.withMessage(s.base("我的预约 My appointment", 0), msg), ap, bookingStatus[ap.Status], token, k,
		ap.Status == booking.StatusBooked && s.o.Clock().Before(deadline), deadline.Format("01月02日 15:04")})
}

func (s *Service) withMessage(p page, msg string) page { p.Message = msg; return p }

func (s *Service) bookingCancel(w http.ResponseWriter, r *http.Request) {
	bk := s.o.Booking
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if bk == nil || r.ParseForm() != nil {
		s.fail(w, 400, "提交的内容无效，请返回重试")
		return
	}
	id, k := r.PathValue("id"), r.PostForm.Get("k")
	if subtle.ConstantTimeCompare([]byte(k), []byte(s.BookingCheck(id))) != 1 {
		s.fail(w, 404, "无效的预约链接")
		return
	}
	c, err := r.Cookie(csrfCookie)
	if err != nil || subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostForm.Get("csrf"))) != 1 || !sameOrigin(r) {
		s.fail(w, 403, "页面已过期，请重新打开预约链接后操作")
		return
	}
	if !s.ipLimit.allow(s.clientIP(r), s.o.Clock()) {
		s.fail(w, 429, "提交过于频繁，请稍后再试")
		return
	}
	if _, err := bk.Cancel(id, "群众网上取消", false); err != nil {
		var be *booking.Error
		if errors.As(err, &be) && be.Status < 500 {
			s.showBooking(w, r, be.Status, be.Message)
			return
		}
		s.o.Logger.Error("citizen: cancel failed", "err", err)
		s.showBooking(w, r, 503, "系统繁忙，请稍后再试")
		return
	}
	s.showBooking(w, r, 200, "")
}

// sameOrigin refuses a form posted from another site when the browser says
// where it came from. "null" (privacy settings) is let through: the token
// and the SameSite=Strict cookie are the defence, this is a second one.
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" || o == "null" {
		return true
	}
	o = strings.TrimPrefix(strings.TrimPrefix(o, "https://"), "http://")
	return o == r.Host
}
