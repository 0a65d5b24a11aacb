package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"go.etcd.io/bbolt"

	"hallq/controller/hallproto"
	"hallq/controller/internal/api"
	"hallq/controller/internal/queue"
)

// Service serves GET /api/v1/reports.
type Service struct {
	db    *bbolt.DB
	hall  func() (queue.Config, *time.Location)
	now   func() time.Time
	authn api.Authenticator
	lg    *slog.Logger

	mu      sync.RWMutex
	ratings RatingsFunc
}

// Options configure a Service.
type Options struct {
	DB *bbolt.DB
	// Hall returns the configuration in force (names, closing time) and
	// the hall's time zone.
	Hall    func() (queue.Config, *time.Location)
	Clock   func() time.Time
	Authn   api.Authenticator
	Logger  *slog.Logger
	Ratings RatingsFunc // may be set later with SetRatings
}

// New makes the report service.
func New(o Options) *Service {
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &Service{db: o.DB, hall: o.Hall, now: o.Clock, authn: o.Authn, lg: o.Logger, ratings: o.Ratings}
}

// SetRatings connects the evaluation service.
func (s *Service) SetRatings(f RatingsFunc) {
	s.mu.Lock()
	s.ratings = f
	s.mu.Unlock()
}

// Generate computes a report against the configuration in force.
func (s *Service) Generate(q Query) (hallproto.Report, error) {
	cfg, loc := s.hall()
	s.mu.RLock()
	rf := s.ratings
	s.mu.RUnlock()
	return Generate(Source{DB: s.db, Hall: cfg, Loc: loc, Ratings: rf, Now: s.now()}, q)
}

// Handler serves GET /api/v1/reports for staff and administrators.
func (s *Service) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			writeErr(w, 405, "method_not_allowed", "只支持 GET", "GET only")
			return
		}
		p, ok := s.authn(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="hallq"`)
			writeErr(w, 401, "unauthorized", "未授权：缺少或无效的令牌", "missing or invalid bearer token")
			return
		}
		if !p.MayReadRecords() {
			writeErr(w, 403, "forbidden", "无权查看报表", "reports are for staff and administrators")
			return
		}
		v := r.URL.Query()
		q := Query{Period: v.Get("period"), By: v.Get("by")}
		if q.Period == "" {
			q.Period = "day"
		}
		if q.By == "" {
			q.By = "service"
		}
		format := v.Get("format")
		if format == "" {
			format = "json"
		}
		if !slices.Contains([]string{"json", "csv", "xlsx"}, format) {
			writeErr(w, 400, "bad_format", "格式应为 json、csv 或 xlsx", "format must be json, csv or xlsx")
			return
		}
		_, loc := s.hall()
		if f := v.Get("from"); f != "" {
			t, err := time.ParseInLocation(time.DateOnly, f, loc)
			if err != nil {
				writeErr(w, 400, "bad_date", "日期格式应为 YYYY-MM-DD", "from must be YYYY-MM-DD")
				return
			}
			q.From = t
		} else {
			q.From = s.now().In(loc)
		}
		rep, err := s.Generate(q)
		if errors.Is(err, ErrBadQuery) {
			writeErr(w, 400, "bad_query", "报表参数有误：period 为 day/week/month，by 为 service/window/staff", err.Error())
			return
		}
		if err != nil {
			s.lg.Error("report", "err", err)
			writeErr(w, 500, "report_failed", "报表生成失败", err.Error())
			return
		}
		var buf bytes.Buffer
		switch format {
		case "json":
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			json.NewEncoder(&buf).Encode(rep)
		case "csv":
			w.Header().Set("Content-Type", "text/csv; charset=utf-8")
			w.Header().Set("Content-Disposition", `attachment; filename="`+FileName(rep)+`.csv"`)
			err = WriteCSV(&buf, rep)
		case "xlsx":
			w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
			w.Header().Set("Content-Disposition", `attachment; filename="`+FileName(rep)+`.xlsx"`)
			err = WriteXLSX(&buf, rep)
		}
		if err != nil {
			w.Header().Del("Content-Disposition")
			writeErr(w, 500, "report_failed", "报表导出失败", err.Error())
			return
		}
		w.Write(buf.Bytes())
	})
}

func writeErr(w http.ResponseWriter, status int, code, zh, en string) {
	b, _ := json.Marshal(hallproto.Error{Error: hallproto.ErrorBody{Code: code, Message: zh, MessageEN: en}})
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
