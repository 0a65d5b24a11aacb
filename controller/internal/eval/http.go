package eval

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"hallq/controller/hallproto"
	"hallq/controller/internal/api"
)

// maxBody bounds request bodies, as the API does.
const maxBody = 64 << 10

// Routes returns the handlers to mount beside the API, by pattern.
func (s *Service) Routes() map[string]http.Handler {
	return map[string]http.Handler{
		"POST /api/v1/evaluations":         s.auth(s.postEvaluation),
		"GET /api/v1/evaluations":          s.auth(s.listEvaluations),
		"GET /api/v1/evaluations/export":   s.auth(s.export),
		"GET /api/v1/evaluations/config":   s.auth(s.config),
		"GET /api/v1/followups":            s.auth(s.listFollowups),
		"PATCH /api/v1/followups/{id}":     s.auth(s.patchFollowup),
		"GET /api/v1/followups/{id}":       s.auth(s.getFollowup),
		"/api/v1/evaluations/{rest...}":    http.HandlerFunc(notFound),
		"/api/v1/followups/{id}/{rest...}": http.HandlerFunc(notFound),
	}
}

func notFound(w http.ResponseWriter, r *http.Request) {
	writeError(w, &Error{Status: 404, Code: "not_found", Message: "没有该接口", MessageEn: "no such endpoint"})
}

type handler func(w http.ResponseWriter, r *http.Request, p api.Principal)

func (s *Service) auth(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Hallq-Protocol", strconv.Itoa(hallproto.ProtocolVersion))
		var p api.Principal
		ok := false
		if s.authn != nil {
			p, ok = s.authn(r)
		}
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="hallq"`)
			writeError(w, &Error{Status: 401, Code: "unauthorized", Message: "未授权：缺少或无效的令牌", MessageEn: "missing or invalid bearer token"})
			return
		}
		h(w, r, p)
	})
}

// supervisor reports whether p may manage follow-ups (and rate at any
// window): window supervisors and managers.
func supervisor(p api.Principal) bool { return p.MaySupervise() }

// reader reports whether p may read ratings and follow-ups: supervisors
// and the console's auditors.
func reader(p api.Principal) bool { return p.MaySupervise() || p.Role == api.RoleAuditor }

func writeError(w http.ResponseWriter, err error) {
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{Status: 500, Code: "internal", Message: "内部错误", MessageEn: err.Error()}
	}
	en := e.MessageEn
	if err.Error() != e.Error() {
		// Keep the detail wrapped around the sentinel, without the prefix.
		en = err.Error()[len("eval: "):]
	}
	b, _ := json.Marshal(hallproto.Error{Error: hallproto.ErrorBody{Code: e.Code, Message: e.Message, MessageEN: en}})
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(e.Status)
	w.Write(append(b, '\n'))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// DecodeRequest decodes a POST body strictly (unknown fields, trailing
// data and oversize bodies are errors). It is what the fuzz test drives.
func DecodeRequest(body []byte) (*hallproto.EvaluationRequest, error) {
	if len(body) > maxBody {
		return nil, &Error{Status: 413, Code: "body_too_large", Message: "请求内容过大", MessageEn: "body too large"}
	}
	var q hallproto.EvaluationRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&q); err != nil {
		return nil, &Error{Status: 400, Code: "bad_json", Message: "请求格式错误", MessageEn: "malformed JSON: " + err.Error()}
	}
	if dec.More() {
		return nil, &Error{Status: 400, Code: "bad_json", Message: "请求格式错误：多余内容", MessageEn: "malformed JSON: trailing data"}
	}
	return &q, nil
}

func readAll(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, &Error{Status: 413, Code: "body_too_large", Message: "请求内容过大", MessageEn: "body too large"})
		} else {
			writeError(w, &Error{Status: 400, Code: "bad_body", Message: "请求内容读取失败", MessageEn: "could not read the body"})
		}
		return nil, false
	}
	return b, true
}

func (s *Service) postEvaluation(w http.ResponseWriter, r *http.Request, p api.Principal) {
	body, ok := readAll(w, r)
	if !ok {
		return
	}
	q, err := DecodeRequest(body)
	if err != nil {
		writeError(w, err)
		return
	}
	switch {
	case p.Role == api.RoleWindow && p.Window == q.Window, supervisor(p):
	default:
		writeError(w, withDetail(ErrForbidden, "role %s may not rate at window %s", p.Role, q.Window))
		return
	}
	st, answer, err := s.Rate(r.Context(), q, body, p.Name)
	if err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(st)
	w.Write(answer)
}

// parseTime takes RFC 3339 or a date in the hall's zone; a date as the end
// of a range means the end of that day.
func (s *Service) parseTime(v string, end bool) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	t, err := time.ParseInLocation(time.DateOnly, v, s.rules.loc)
	if err != nil {
		return time.Time{}, withDetail(ErrBadQuery, "time %q: want RFC 3339 or YYYY-MM-DD", v)
	}
	if end {
		t = t.AddDate(0, 0, 1)
	}
	return t, nil
}

// ParseFilter reads ?from&to&window&service&staff&rating.
func (s *Service) ParseFilter(r *http.Request) (Filter, error) {
	q := r.URL.Query()
	var f Filter
	var err error
	if f.From, err = s.parseTime(q.Get("from"), false); err != nil {
		return f, err
	}
	if f.To, err = s.parseTime(q.Get("to"), true); err != nil {
		return f, err
	}
	f.Window, f.Service, f.Staff = q.Get("window"), q.Get("service"), q.Get("staff")
	if v := q.Get("rating"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 5 {
			return f, withDetail(ErrBadQuery, "rating %q", v)
		}
		f.Rating = n
	}
	return f, nil
}

// readFilter checks that p may read evaluations and parses the filter of
// r; false means the error was written.
func (s *Service) readFilter(w http.ResponseWriter, r *http.Request, p api.Principal) (Filter, bool) {
	if !reader(p) {
		writeError(w, ErrForbidden)
		return Filter{}, false
	}
	f, err := s.ParseFilter(r)
	if err != nil {
		writeError(w, err)
		return Filter{}, false
	}
	return f, true
}

func (s *Service) listEvaluations(w http.ResponseWriter, r *http.Request, p api.Principal) {
	f, ok := s.readFilter(w, r, p)
	if !ok {
		return
	}
	l, err := s.Summary(f)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, 200, l)
}

func (s *Service) config(w http.ResponseWriter, r *http.Request, p api.Principal) {
	c := s.rules.cfg
	writeJSON(w, 200, hallproto.EvaluationConfig{Reasons: c.Reasons, AcceptSeconds: c.AcceptMinutes * 60, FollowupDays: c.FollowupDays})
}

func (s *Service) listFollowups(w http.ResponseWriter, r *http.Request, p api.Principal) {
	if !reader(p) {
		writeError(w, ErrForbidden)
		return
	}
	var f FollowupFilter
	q := r.URL.Query()
	switch st := hallproto.FollowupStatus(q.Get("status")); st {
	case "", hallproto.FollowupOpen, hallproto.FollowupCalledBack, hallproto.FollowupClosed:
		f.Status = st
	default:
		writeError(w, withDetail(ErrBadQuery, "status %q", st))
		return
	}
	switch q.Get("overdue") {
	case "", "0", "false":
	case "1", "true":
		f.Overdue = true
	default:
		writeError(w, withDetail(ErrBadQuery, "overdue %q", q.Get("overdue")))
		return
	}
	l, err := s.Followups(f)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, 200, hallproto.FollowupList{Followups: l})
}

func followupID(r *http.Request) (uint64, error) {
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	if err != nil || id == 0 {
		return 0, withDetail(ErrUnknownFollowup, "id %q", r.PathValue("id"))
	}
	return id, nil
}

func (s *Service) getFollowup(w http.ResponseWriter, r *http.Request, p api.Principal) {
	if !reader(p) {
		writeError(w, ErrForbidden)
		return
	}
	id, err := followupID(r)
	if err == nil {
		var fu hallproto.Followup
		if fu, err = s.Followup(id); err == nil {
			writeJSON(w, 200, fu)
			return
		}
	}
	writeError(w, err)
}

func (s *Service) patchFollowup(w http.ResponseWriter, r *http.Request, p api.Principal) {
	if !supervisor(p) {
		writeError(w, ErrForbidden)
		return
	}
	id, err := followupID(r)
	if err != nil {
		writeError(w, err)
		return
	}
	body, ok := readAll(w, r)
	if !ok {
		return
	}
	var patch hallproto.FollowupPatch
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&patch); err != nil || dec.More() {
		writeError(w, &Error{Status: 400, Code: "bad_json", Message: "请求格式错误", MessageEn: fmt.Sprintf("malformed JSON: %v", err)})
		return
	}
	by := p.Name
	if by == "" {
		by = string(p.Role)
	}
	fu, err := s.UpdateFollowup(id, &patch, by)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, 200, fu)
}
