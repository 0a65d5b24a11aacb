// Package devices keeps the latest status each device reports (kiosks,
// window terminals, displays): state, problems such as a printer out of
// paper, and the offline tickets a kiosk has yet to replay. It serves
// POST and GET /api/v1/devices/status beside the API, keeps the statuses in
// memory and in a bucket of its own, and writes nothing to the queue log.
package devices

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"sync"
	"time"
	"unicode/utf8"

	"go.etcd.io/bbolt"

	"hallq/controller/hallproto"
	"hallq/controller/internal/api"
)

// Limits of a report.
const (
	maxBody     = 16 << 10
	maxDevices  = 1000
	maxProblems = 32
)

// Service is the device status service.
type Service struct {
	db    *bbolt.DB
	now   func() time.Time
	authn api.Authenticator

	mu     sync.RWMutex
	latest map[string]hallproto.DeviceStatus
}

// New loads the stored statuses.
func New(db *bbolt.DB, now func() time.Time, authn api.Authenticator) (*Service, error) {
	if now == nil {
		now = time.Now
	}
	s := &Service{db: db, now: now, authn: authn, latest: map[string]hallproto.DeviceStatus{}}
	err := db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketStatus)
		if err != nil {
			return err
		}
		return b.ForEach(func(k, v []byte) error {
			var st hallproto.DeviceStatus
			if json.Unmarshal(v, &st) == nil {
				s.latest[string(k)] = st
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("devices: init: %w", err)
	}
	return s, nil
}

// Handler serves /api/v1/devices/status.
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/devices/status", s.post)
	mux.HandleFunc("GET /api/v1/devices/status", s.list)
	return mux
}

func writeError(w http.ResponseWriter, status int, code, zh, en string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(hallproto.Error{Error: hallproto.ErrorBody{Code: code, Message: zh, MessageEN: en}})
}

func validText(s string, max int) bool {
	return utf8.ValidString(s) && utf8.RuneCountInString(s) <= max
}

func (s *Service) post(w http.ResponseWriter, r *http.Request) {
	p, ok := s.authn(r)
	if !ok {
		writeError(w, 401, "unauthorized", "未授权：缺少或无效的令牌", "missing or invalid bearer token")
		return
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		writeError(w, 413, "body_too_large", "请求内容过大", "body too large")
		return
	}
	var st hallproto.DeviceStatus
	if err := json.Unmarshal(raw, &st); err != nil {
		writeError(w, 400, "bad_json", "请求格式错误："+err.Error(), "malformed JSON: "+err.Error())
		return
	}
	if err := check(&st); err != nil {
		writeError(w, 400, "invalid", "设备状态无效："+err.Error(), "invalid device status: "+err.Error())
		return
	}
	if p.Role == api.RoleWindow && st.Window != "" && st.Window != p.Window {
		writeError(w, 403, "forbidden", "无权报告其他窗口的设备", "a window token reports for its own window only")
		return
	}
	now := s.now()
	st.ReceivedAt = &now
	v, _ := json.Marshal(st)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, known := s.latest[st.Device]; !known && len(s.latest) >= maxDevices {
		writeError(w, 409, "too_many_devices", "设备数量超过上限", "too many devices")
		return
	}
	if err := s.db.Update(func(tx *bbolt.Tx) error { return tx.Bucket(bucketStatus).Put([]byte(st.Device), v) }); err != nil {
		writeError(w, 503, "store_unavailable", "系统暂时无法保存，请稍后重试", "the store cannot write now; retry")
		return
	}
	s.latest[st.Device] = st
	w.WriteHeader(http.StatusNoContent)
}

func check(st *hallproto.DeviceStatus) error {
	switch {
	case st.Device == "" || !validText(st.Device, 64):
		return errors.New("device missing or longer than 64 characters")
	case st.Role != hallproto.RoleKiosk && st.Role != hallproto.RoleWindow && st.Role != hallproto.RoleDisplay:
		return fmt.Errorf("unknown role %q", st.Role)
	case st.State != hallproto.DeviceOK && st.State != hallproto.DeviceOffline && st.State != hallproto.DeviceDegraded:
		return fmt.Errorf("unknown state %q", st.State)
	case len(st.Problems) > maxProblems:
		return fmt.Errorf("more than %d problems", maxProblems)
	case st.Pending < 0 || st.Pending > 1<<20:
		return errors.New("pending out of range")
	case !validText(st.Window, 32) || !validText(st.Version, 64):
		return errors.New("window or version too long")
	}
	for _, p := range st.Problems {
		if p == "" || !validText(p, 64) {
			return errors.New("empty or long problem code")
		}
	}
	return nil
}

// List is the answer of GET /api/v1/devices/status.
type List struct {
	Devices []hallproto.DeviceStatus `json:"devices"`
}

func (s *Service) list(w http.ResponseWriter, r *http.Request) {
	p, ok := s.authn(r)
	if !ok {
		writeError(w, 401, "unauthorized", "未授权：缺少或无效的令牌", "missing or invalid bearer token")
		return
	}
	if !p.MayReadRecords() {
		writeError(w, 403, "forbidden", "无权查看设备状态", "staff or admin only")
		return
	}
	s.mu.RLock()
	out := List{Devices: make([]hallproto.DeviceStatus, 0, len(s.latest))}
	for _, st := range s.latest {
		out.Devices = append(out.Devices, st)
	}
	s.mu.RUnlock()
	sort.Slice(out.Devices, func(i, j int) bool { return out.Devices[i].Device < out.Devices[j].Device })
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	json.NewEncoder(w).Encode(out)
}
