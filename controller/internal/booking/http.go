package booking

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"hallq/controller/hallproto"
	"hallq/controller/internal/api"
)

// maxBody bounds request bodies; a booking is a few hundred bytes.
const maxBody = 16 << 10

// Handler serves the booking API (routes in doc.go). authn resolves the
// caller (bearer tokens, console sessions).
func (s *Service) Handler(authn api.Authenticator) http.Handler {
	mux := http.NewServeMux()
	any := []api.Role{api.RoleKiosk, api.RoleWindow, api.RoleDisplay, api.RoleStaff, api.RoleAdmin}
	staff := []api.Role{api.RoleStaff, api.RoleAdmin}
	// Reading the booking list is a hall record: the console's technician
	// and auditor may read it (masked), not change it.
	records := []api.Role{api.RoleStaff, api.RoleAdmin, api.RoleAuditor, api.RoleTechnician}
	book := []api.Role{api.RoleKiosk, api.RoleWindow, api.RoleStaff, api.RoleAdmin}
	h := func(pattern string, roles []api.Role, f func(w http.ResponseWriter, r *http.Request, p api.Principal)) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			if s.cfg.Disabled {
				writeErr(w, &Error{404, "booking_disabled", "本大厅未开通预约", "booking is disabled in this hall"})
				return
			}
			p, ok := authn(r)
			if !ok {
				w.Header().Set("WWW-Authenticate", `Bearer realm="hallq"`)
				writeErr(w, &Error{401, "unauthorized", "未授权：缺少或无效的令牌", "missing or invalid bearer token"})
				return
			}
			for _, role := range roles {
				if p.Role == role {
					f(w, r, p)
					return
				}
			}
			writeErr(w, ErrForbidden)
		})
	}
	h("GET /api/v1/appointments/rules", any, func(w http.ResponseWriter, r *http.Request, p api.Principal) {
		writeJSON(w, 200, s.Rules())
	})
	h("GET /api/v1/appointments/slots", any, func(w http.ResponseWriter, r *http.Request, p api.Principal) {
		q := r.URL.Query()
		out, err := s.Slots(q.Get("service"), q.Get("date"))
		reply(w, 200, out, err)
	})
	h("GET /api/v1/appointments", records, func(w http.ResponseWriter, r *http.Request, p api.Principal) {
		q := r.URL.Query()
		out, err := s.List(q.Get("date"), q.Get("service"), q.Get("status"))
		reply(w, 200, out, err)
	})
	h("GET /api/v1/appointments/{id}", records, func(w http.ResponseWriter, r *http.Request, p api.Principal) {
		out, err := s.Get(r.PathValue("id"))
		reply(w, 200, out, err)
	})
	h("POST /api/v1/appointments", book, func(w http.ResponseWriter, r *http.Request, p api.Principal) {
		var req hallproto.BookingRequest
		if !readBody(w, r, &req) {
			return
		}
		out, err := s.Create(r.Context(), req, p.Name)
		reply(w, 201, out, err)
	})
	h("POST /api/v1/appointments/{id}/cancel", staff, func(w http.ResponseWriter, r *http.Request, p api.Principal) {
		var req hallproto.BookingAction
		if !readBody(w, r, &req) {
			return
		}
		out, err := s.Cancel(r.PathValue("id"), req.Reason, p.Role == api.RoleAdmin)
		reply(w, 200, out, err)
	})
	h("POST /api/v1/appointments/{id}/no-show", staff, func(w http.ResponseWriter, r *http.Request, p api.Principal) {
		var req hallproto.BookingAction
		if !readBody(w, r, &req) {
			return
		}
		out, err := s.NoShow(r.PathValue("id"), req.Reason)
		reply(w, 200, out, err)
	})
	h("POST /api/v1/appointments/checkin", book, func(w http.ResponseWriter, r *http.Request, p api.Principal) {
		var req hallproto.CheckinRequest
		if !readBody(w, r, &req) {
			return
		}
		rep, err := s.Checkin(r.Context(), req, p.Name)
		if err != nil {
			writeErr(w, err)
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(rep.Status)
		w.Write(rep.Body)
	})
	h("POST /api/v1/appointments/lookup", book, func(w http.ResponseWriter, r *http.Request, p api.Principal) {
		var req hallproto.CheckinRequest
		if !readBody(w, r, &req) {
			return
		}
		out, err := s.Lookup(req.IDCard.Number)
		reply(w, 200, out, err)
	})
	mux.HandleFunc("/api/v1/appointments/", func(w http.ResponseWriter, r *http.Request) {
		writeErr(w, &Error{404, "not_found", "没有该接口", "no such endpoint: " + r.Method + " " + r.URL.Path})
	})
	return mux
}

func reply(w http.ResponseWriter, status int, v any, err error) {
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, status, v)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeErr(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// writeErr answers with a booking error, or a 500 that names no personal data.
func writeErr(w http.ResponseWriter, err error) {
	var be *Error
	if !errors.As(err, &be) {
		be = &Error{500, "internal", "内部错误", "internal error"}
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(be.Status)
	w.Write(errorBody(be.Code, be.Message, be.MessageEN))
}

func readBody(w http.ResponseWriter, r *http.Request, v any) bool {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		writeErr(w, &Error{413, "body_too_large", "请求内容过大", "body too large or unreadable"})
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil || dec.More() {
		writeErr(w, &Error{400, "bad_json", "请求格式错误", "malformed JSON"})
		return false
	}
	return true
}
