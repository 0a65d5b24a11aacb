package citizen

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.etcd.io/bbolt"

	"hallq/controller/hallproto"
	"hallq/controller/internal/api"
	"hallq/controller/internal/booking"
	"hallq/controller/internal/pii"
	"hallq/controller/internal/queue"
)

//go:embed web
var webFS embed.FS

var pages = template.Must(template.ParseFS(webFS, "web/pages.html"))

// Config is the hall configuration's citizen section.
type Config struct {
	// PublicURL is where phones reach the controller (through the hall's
	// reverse proxy), e.g. https://zwfw.example.gov.cn; the links endpoint
	// answers with it. Empty: only the path is given.
	PublicURL string `yaml:"public_url" json:"public_url"`
	// BookPerIPPerHour: booking submissions per client address and hour (10).
	BookPerIPPerHour int `yaml:"book_per_ip_per_hour" json:"book_per_ip_per_hour"`
	// BookPerIDPerDay: booking submissions per ID number and day (5).
	BookPerIDPerDay int `yaml:"book_per_id_per_day" json:"book_per_id_per_day"`
	// TrustProxy takes the client address from X-Forwarded-For (only when
	// a reverse proxy that sets it stands in front).
	TrustProxy bool `yaml:"trust_proxy" json:"trust_proxy"`
}

// Reader reads the hall (the engine).
type Reader interface {
	Read(ctx context.Context, f func(h *queue.Hall, now time.Time)) error
}

// Options configure the pages.
type Options struct {
	DB      *bbolt.DB
	Hall    Reader
	Booking *booking.Service // nil: no booking form
	Config  Config
	Clock   func() time.Time
	Logger  *slog.Logger
	Authn   api.Authenticator
}

// Service serves the phone pages.
type Service struct {
	o       Options
	key     []byte
	ipLimit *limiter
	idLimit *limiter
}

var (
	bucketMeta = []byte("citizen_meta") // "mac_key" -> 32 random bytes
	keyMAC     = []byte("mac_key")
)

// New loads (or creates) the MAC key.
func New(o Options) (*Service, error) {
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Config.BookPerIPPerHour == 0 {
		o.Config.BookPerIPPerHour = 10
	}
	if o.Config.BookPerIDPerDay == 0 {
		o.Config.BookPerIDPerDay = 5
	}
	if o.Config.PublicURL != "" && !strings.HasPrefix(o.Config.PublicURL, "http://") && !strings.HasPrefix(o.Config.PublicURL, "https://") {
		return nil, fmt.Errorf("citizen: config: public_url %q must start with http:// or https://", o.Config.PublicURL)
	}
	s := &Service{o: o, ipLimit: newLimiter(o.Config.BookPerIPPerHour, time.Hour), idLimit: newLimiter(o.Config.BookPerIDPerDay, 24*time.Hour)}
	err := o.DB.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		if k := b.Get(keyMAC); len(k) == 32 {
			s.key = append([]byte(nil), k...)
			return nil
		}
		s.key = make([]byte, 32)
		if _, err := rand.Read(s.key); err != nil {
			return err
		}
		return b.Put(keyMAC, s.key)
	})
	if err != nil {
		return nil, fmt.Errorf("citizen: init: %w", err)
	}
	return s, nil
}

// Check is the k parameter of a ticket's page.
func (s *Service) Check(ticket uint64) string {
	m := hmac.New(sha256.New, s.key)
	fmt.Fprintf(m, "ticket:%d", ticket)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:12])
}

// BookingCheck is the k parameter of a booking's page (view and cancel).
func (s *Service) BookingCheck(id string) string {
	m := hmac.New(sha256.New, s.key)
	fmt.Fprintf(m, "booking:%s", id)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:12])
}

// Routes are the patterns to mount beside the API.
func (s *Service) Routes() map[string]http.Handler {
	static, _ := fs.Sub(webFS, "web")
	return map[string]http.Handler{
		"GET /m/{$}":                         http.HandlerFunc(s.home),
		"GET /m/t/{id}":                      http.HandlerFunc(s.ticket),
		"GET /m/book":                        http.HandlerFunc(s.bookForm),
		"POST /m/book":                       http.HandlerFunc(s.bookSubmit),
		"GET /m/b/{id}":                      http.HandlerFunc(s.bookingPage),
		"POST /m/b/{id}/cancel":              http.HandlerFunc(s.bookingCancel),
		"GET /m/static/style.css":            http.StripPrefix("/m/static/", http.FileServerFS(static)),
		"GET /api/v1/citizen/links/{ticket}": http.HandlerFunc(s.link),
	}
}

type page struct {
	Title, Hall, Now, Message string
	Refresh                   int
}

func (s *Service) base(title string, refresh int) page {
	p := page{Title: title, Refresh: refresh, Now: s.o.Clock().In(time.FixedZone("CST", 8*3600)).Format("15:04:05")}
	s.o.Hall.Read(context.Background(), func(h *queue.Hall, now time.Time) {
		p.Hall = h.Config().Name
		p.Now = now.In(h.Location()).Format("15:04:05")
	})
	return p
}

func (s *Service) render(w http.ResponseWriter, status int, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'self'; form-action 'self'; frame-ancestors 'none'")
	// same-origin: the ticket link's k never leaves the site in a Referer,
	// and form posts still carry their Origin.
	w.Header().Set("Referrer-Policy", "same-origin")
	w.WriteHeader(status)
	if err := pages.ExecuteTemplate(w, name, data); err != nil {
		s.o.Logger.Warn("citizen: render", "page", name, "err", err)
	}
}

func (s *Service) fail(w http.ResponseWriter, status int, msg string) {
	p := s.base("提示", 0)
	p.Message = msg
	s.render(w, status, "error", p)
}

type queueRow struct {
	Name       string
	Waiting    int
	LongestMin int
}

func (s *Service) home(w http.ResponseWriter, r *http.Request) {
	data := struct {
		page
		Queues  []queueRow
		CanBook bool
	}{page: s.base("实时等候情况 Live queues", 30), CanBook: s.o.Booking != nil && !s.o.Booking.Config().Disabled}
	s.o.Hall.Read(r.Context(), func(h *queue.Hall, now time.Time) {
		for _, q := range h.Queues(now) {
			data.Queues = append(data.Queues, queueRow{Name: h.ServiceName(q.Service), Waiting: q.Total, LongestMin: int(q.LongestWait / time.Minute)})
		}
	})
	s.render(w, 200, "home", data)
}

var statusText = map[queue.Status]string{
	queue.Waiting: "等候中", queue.Called: "已叫号，请前往窗口", queue.Serving: "正在办理", queue.Done: "已办结",
	queue.NoShow: "已过号，请联系工作人员", queue.Cancelled: "已取消", queue.Transferred: "已转至其他业务", queue.Parked: "暂停办理，请留意叫号",
}

type ticketView struct {
	Number, ServiceName, StatusText, Window, WindowName, Issued string
	Called, Waiting, Appointment                                bool
	Ahead, EstMin                                               int
}

func (s *Service) ticket(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	k := r.URL.Query().Get("k")
	if err != nil || id == 0 || subtle.ConstantTimeCompare([]byte(k), []byte(s.Check(id))) != 1 {
		s.fail(w, 404, "无效的号票链接，请重新扫描号票上的二维码")
		return
	}
	data := struct {
		page
		Ticket *ticketView
	}{page: s.base("我的排队进度 My ticket", 15)}
	s.o.Hall.Read(r.Context(), func(h *queue.Hall, now time.Time) {
		t := h.Ticket(id)
		for t != nil && t.Status == queue.Transferred && t.TransferredTo != 0 {
			t = h.Ticket(t.TransferredTo) // follow the citizen to the new service
		}
		if t == nil {
			return
		}
		v := &ticketView{Number: t.Number, ServiceName: h.ServiceName(t.Service), StatusText: statusText[t.Status],
			Called: t.Status == queue.Called, Waiting: t.Status == queue.Waiting, Appointment: t.AppointmentID != "",
			Issued: t.IssuedAt.In(h.Location()).Format("15:04")}
		if v.Waiting {
			ahead, wait := h.Position(t, now)
			v.Ahead, v.EstMin = ahead, int(wait/time.Minute)
		}
		if t.Window != "" && (t.Status == queue.Called || t.Status == queue.Serving) {
			v.Window = t.Window
			v.WindowName = t.Window + "号窗口"
			if wd, ok := h.WindowByID(t.Window); ok && wd.Name != "" {
				v.WindowName = wd.Name
			}
		}
		data.Ticket = v
	})
	if data.Ticket == nil {
		data.Message = "该号票不存在或已不是今日号票"
		data.Refresh = 0
	}
	s.render(w, 200, "ticket", data)
}

func (s *Service) link(w http.ResponseWriter, r *http.Request) {
	p, ok := s.o.Authn(r)
	if !ok || (p.Role != api.RoleKiosk && p.Role != api.RoleWindow && p.Role != api.RoleStaff && p.Role != api.RoleAdmin) {
		writeJSON(w, 403, hallproto.Error{Error: hallproto.ErrorBody{Code: "forbidden", Message: "无权获取号票链接", MessageEN: "kiosk, window, staff or admin token needed"}})
		return
	}
	id, err := strconv.ParseUint(r.PathValue("ticket"), 10, 64)
	if err != nil || id == 0 {
		writeJSON(w, 400, hallproto.Error{Error: hallproto.ErrorBody{Code: "bad_ticket_id", Message: "号票编号无效", MessageEN: "ticket id must be a positive integer"}})
		return
	}
	path := hallproto.CitizenTicketPath(id, s.Check(id))
	out := hallproto.CitizenLink{Path: path}
	if s.o.Config.PublicURL != "" {
		out.URL = strings.TrimSuffix(s.o.Config.PublicURL, "/") + path
	}
	writeJSON(w, 200, out)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// clientIP is the address the rate limit counts.
func (s *Service) clientIP(r *http.Request) string {
	if s.o.Config.TrustProxy {
		if f := r.Header.Get("X-Forwarded-For"); f != "" {
			return strings.TrimSpace(strings.Split(f, ",")[0])
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func randomToken() string {
	b := make([]byte, 18)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// personOf is the rate limit's key for an ID number: a keyed hash, so the
// limiter's memory holds no number.
func (s *Service) personOf(number string) string { return pii.Person(s.key, number) }
