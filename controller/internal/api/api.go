package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"hallq/controller/hallproto"
	"hallq/controller/internal/engine"
	"hallq/controller/internal/queue"
)

// MaxBody bounds request bodies; a ticket request is a few hundred bytes.
const MaxBody = 64 << 10

// Options configure the API.
type Options struct {
	Tokens *Tokens
	Logger *slog.Logger
	// Metrics may be nil.
	Metrics *Metrics
	// Authenticators are tried after the bearer tokens (console sessions).
	Authenticators []Authenticator
	// Extra routes mounted on the same mux (e.g. the fleet API), by pattern.
	Extra map[string]http.Handler
	// KeepAlive is the event stream's comment interval.
	KeepAlive time.Duration
	// WriteTimeout cuts off an event-stream client that does not read.
	WriteTimeout time.Duration
}

// Server is the HTTP API.
type Server struct {
	eng *engine.Engine
	o   Options
	mux *http.ServeMux
}

// New builds the handler.
func New(eng *engine.Engine, o Options) *Server {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.KeepAlive == 0 {
		o.KeepAlive = 15 * time.Second
	}
	if o.WriteTimeout == 0 {
		o.WriteTimeout = 10 * time.Second
	}
	s := &Server{eng: eng, o: o, mux: http.NewServeMux()}
	loc := eng.Location()
	eng.Hub().SetRenderer(func(e *queue.Event) []byte { return appendEvent(nil, e, loc) })
	s.route("POST /api/v1/tickets", s.issue)
	s.route("GET /api/v1/tickets/{id}", s.getTicket)
	s.route("POST /api/v1/tickets/replay", s.replay) // lease.go
	s.route("POST /api/v1/leases", s.lease)
	s.route("POST /api/v1/windows/{window}/{action}", s.windowAction)
	s.route("GET /api/v1/windows", s.listWindows)
	s.route("GET /api/v1/services", s.listServices)
	s.route("GET /api/v1/queues", s.queues)
	s.route("GET /api/v1/events", s.events)
	s.mux.HandleFunc("GET /healthz", s.healthz)
	if o.Metrics != nil {
		s.mux.Handle("GET /metrics", o.Metrics.Handler())
	}
	for pattern, h := range o.Extra {
		s.mux.Handle(pattern, h)
	}
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "没有该接口", "no such endpoint")
	})
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Hallq-Protocol", strconv.Itoa(hallproto.ProtocolVersion))
	s.mux.ServeHTTP(w, r)
}

// Authenticate resolves a request to a caller: bearer token, then the
// configured authenticators.
func (s *Server) Authenticate(r *http.Request) (Principal, bool) {
	if p, ok := s.o.Tokens.authenticate(r); ok {
		return p, true
	}
	return Chain(s.o.Authenticators...)(r)
}

type handler func(w http.ResponseWriter, r *http.Request, p Principal)

// route wraps a handler with authentication and metrics.
func (s *Server) route(pattern string, h handler) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: 200}
		// Browsers' EventSource cannot send headers: the event stream also
		// takes the token as ?access_token=.
		if r.Header.Get("Authorization") == "" && strings.HasSuffix(pattern, "/events") {
			if tok := r.URL.Query().Get("access_token"); tok != "" {
				r.Header.Set("Authorization", "Bearer "+tok)
			}
		}
		p, ok := s.Authenticate(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="hallq"`)
			writeError(sw, http.StatusUnauthorized, "unauthorized", "未授权：缺少或无效的令牌", "missing or invalid bearer token")
		} else {
			h(sw, r, p)
		}
		if s.o.Metrics != nil && !strings.HasSuffix(pattern, "/events") {
			s.o.Metrics.observeRequest(pattern, sw.status, time.Since(start))
		}
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int)        { w.status = code; w.ResponseWriter.WriteHeader(code) }
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func errorBody(code, zh, en string) []byte {
	b, _ := json.Marshal(hallproto.Error{Error: hallproto.ErrorBody{Code: code, Message: zh, MessageEN: en}})
	return append(b, '\n')
}

func writeError(w http.ResponseWriter, status int, code, zh, en string) {
	writeRaw(w, status, errorBody(code, zh, en))
}

func writeRaw(w http.ResponseWriter, status int, body []byte) {
	if status == http.StatusNoContent {
		w.WriteHeader(status)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, 500, "internal", "内部错误", "internal error")
		return
	}
	writeRaw(w, status, append(b, '\n'))
}

// domainReply renders a queue error as the stored answer of a command.
func domainReply(err error) engine.Reply {
	var qe *queue.Error
	if !errors.As(err, &qe) {
		return engine.Reply{Status: 500, Body: errorBody("internal", "内部错误", err.Error())}
	}
	status := map[queue.Kind]int{queue.KindInvalid: 400, queue.KindNotFound: 404, queue.KindConflict: 409}[qe.Kind]
	if status == 0 {
		status = 500
	}
	return engine.Reply{Status: status, Body: errorBody(qe.Code, qe.Message, qe.MessageEN)}
}

func okReply(status int, v any) engine.Reply {
	b, err := json.Marshal(v)
	if err != nil {
		return engine.Reply{Status: 500, Body: errorBody("internal", "内部错误", err.Error())}
	}
	return engine.Reply{Status: status, Body: append(b, '\n')}
}

// readBody reads a bounded body and decodes it strictly into v.
func readBody(w http.ResponseWriter, r *http.Request, v any) ([]byte, bool) {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, "body_too_large", "请求内容过大", fmt.Sprintf("body larger than %d bytes", MaxBody))
		} else {
			writeError(w, 400, "bad_body", "请求内容读取失败", "could not read the body")
		}
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeError(w, 400, "bad_json", "请求格式错误："+err.Error(), "malformed JSON: "+err.Error())
		return nil, false
	}
	if dec.More() {
		writeError(w, 400, "bad_json", "请求格式错误：多余内容", "malformed JSON: trailing data")
		return nil, false
	}
	return raw, true
}

func fingerprint(r *http.Request, body []byte) [32]byte {
	h := sha256.New()
	io.WriteString(h, r.Method+" "+r.URL.Path+"\n")
	h.Write(body)
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

func checkRequestID(w http.ResponseWriter, id string) bool {
	if id == "" || len(id) > 128 || strings.ContainsAny(id, "\x00\r\n") {
		writeError(w, 400, "bad_request_id", "缺少或无效的 request_id", "request_id missing or invalid (1-128 characters)")
		return false
	}
	return true
}

// do hands a command to the engine and writes its answer.
func (s *Server) do(w http.ResponseWriter, r *http.Request, c *engine.Command) {
	rep, err := s.eng.Do(r.Context(), c)
	switch {
	case err == nil:
		writeRaw(w, rep.Status, rep.Body)
	case errors.Is(err, engine.ErrRequestReused):
		writeError(w, 409, "request_id_reused", "request_id 已用于其他请求", "request_id was used for a different request")
	case errors.Is(err, engine.ErrUnavailable), errors.Is(err, engine.ErrStopped):
		w.Header().Set("Retry-After", "1")
		writeError(w, 503, "store_unavailable", "系统暂时无法保存，请稍后重试", "the store cannot write now; retry")
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		writeError(w, 503, "timeout", "请求超时，请重试", "request timed out")
	default:
		writeError(w, 500, "internal", "内部错误", err.Error())
	}
}

func (s *Server) issue(w http.ResponseWriter, r *http.Request, p Principal) {
	if !p.mayIssue() {
		writeError(w, 403, "forbidden", "无权取号", "this token may not issue tickets")
		return
	}
	var req hallproto.IssueRequest
	body, ok := readBody(w, r, &req)
	if !ok || !checkRequestID(w, req.RequestID) {
		return
	}
	args := queue.IssueArgs{Service: req.Service, Category: req.Category, AppointmentID: req.AppointmentID,
		Source: req.Source, ByStaff: p.staffPower()}
	if args.Source == "" {
		args.Source = p.Name
	}
	if args.Channel, ok = parseChannel(w, req.Channel); !ok {
		return
	}
	if req.AppointmentAt != nil {
		args.AppointmentAt = *req.AppointmentAt
	}
	idc := req.IDCard
	s.do(w, r, &engine.Command{RequestID: req.RequestID, Fingerprint: fingerprint(r, body),
		Run: func(h *queue.Hall, now time.Time) engine.Reply {
			var err error
			if args.Identity, err = identity(h, idc); err != nil {
				return domainReply(err)
			}
			t, err := h.Issue(now, args)
			if err != nil {
				return domainReply(err)
			}
			if m := s.o.Metrics; m != nil {
				m.issued.WithLabelValues(t.Service, t.Channel.String()).Inc()
			}
			return okReply(http.StatusCreated, renderTicket(h, t, now))
		}})
}

func (s *Server) getTicket(w http.ResponseWriter, r *http.Request, p Principal) {
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	if err != nil || id == 0 {
		writeError(w, 400, "bad_ticket_id", "号票编号无效", "ticket id must be a positive integer")
		return
	}
	var out *hallproto.Ticket
	if err := s.eng.Read(r.Context(), func(h *queue.Hall, now time.Time) {
		if t := h.Ticket(id); t != nil {
			v := renderTicket(h, t, now)
			out = &v
		}
	}); err != nil {
		writeError(w, 503, "unavailable", "系统暂时不可用", err.Error())
		return
	}
	if out == nil {
		writeError(w, 404, "unknown_ticket", "没有该号票（或已不是今日号票）", "unknown ticket (or not of today)")
		return
	}
	writeJSON(w, 200, out)
}

func (s *Server) windowAction(w http.ResponseWriter, r *http.Request, p Principal) {
	win, act := r.PathValue("window"), hallproto.WindowAction(r.PathValue("action"))
	if !slices.Contains(hallproto.WindowActions, act) {
		writeError(w, 404, "unknown_action", "未知操作 "+string(act), "unknown window action "+string(act))
		return
	}
	if !p.mayAct(win) {
		writeError(w, 403, "forbidden", "无权操作该窗口", "this token may not act at window "+win)
		return
	}
	var req hallproto.ActionRequest
	body, ok := readBody(w, r, &req)
	if !ok || !checkRequestID(w, req.RequestID) {
		return
	}
	m := s.o.Metrics
	s.do(w, r, &engine.Command{RequestID: req.RequestID, Fingerprint: fingerprint(r, body),
		Run: func(h *queue.Hall, now time.Time) engine.Reply {
			t, err := runAction(h, now, win, act, &req)
			if err != nil {
				return domainReply(err)
			}
			if act == hallproto.ActCall {
				if t == nil {
					return engine.Reply{Status: http.StatusNoContent}
				}
				if m != nil {
					m.waits.WithLabelValues(t.Channel.String()).Observe(now.Sub(t.ArrivedAt).Seconds())
				}
			}
			if t != nil {
				return okReply(200, renderTicket(h, h.Ticket(t.ID), now))
			}
			wd, _ := h.WindowByID(win)
			return okReply(200, renderWindow(h, wd, now))
		}})
}

// runAction maps a wire action to the domain.
func runAction(h *queue.Hall, now time.Time, win string, act hallproto.WindowAction, q *hallproto.ActionRequest) (*queue.Ticket, error) {
	switch act {
	case hallproto.ActCall:
		return h.Call(now, win, queue.CallArgs{Ticket: q.Ticket, Service: q.Service})
	case hallproto.ActRecall:
		return h.Recall(now, win)
	case hallproto.ActNoShow:
		return h.NoShow(now, win)
	case hallproto.ActRequeue:
		return h.Requeue(now, win, q.Ticket, q.Behind)
	case hallproto.ActStart:
		return h.Start(now, win)
	case hallproto.ActFinish:
		return h.Finish(now, win, q.Outcome, q.CaseNumber)
	case hallproto.ActTransfer:
		return h.Transfer(now, win, q.Service, q.ToWindow)
	case hallproto.ActPark:
		return h.Park(now, win)
	case hallproto.ActTakeBack:
		return h.TakeBack(now, win, q.Ticket)
	case hallproto.ActPause:
		return nil, h.Pause(now, win, q.Reason)
	case hallproto.ActResume:
		return nil, h.Resume(now, win)
	case hallproto.ActLogin:
		return nil, h.Login(now, win, q.Staff)
	case hallproto.ActLogout:
		return nil, h.Logout(now, win)
	case hallproto.ActHandOver:
		return nil, h.HandOver(now, win, q.Staff)
	case hallproto.ActCancel:
		return h.Cancel(now, win, q.Ticket, q.Reason)
	case hallproto.ActConfirm:
		return h.Confirm(now, win, q.Ticket)
	case hallproto.ActRevoke:
		return h.Revoke(now, win, q.Ticket, q.Reason)
	case hallproto.ActGrantGreen:
		return h.GrantGreen(now, win, q.Ticket, q.Reason)
	}
	return nil, fmt.Errorf("api: action %s not mapped", act)
}

func (s *Server) listWindows(w http.ResponseWriter, r *http.Request, p Principal) {
	var out []hallproto.Window
	if err := s.eng.Read(r.Context(), func(h *queue.Hall, now time.Time) {
		for _, wd := range h.Windows() {
			out = append(out, renderWindow(h, wd, now))
		}
	}); err != nil {
		writeError(w, 503, "unavailable", "系统暂时不可用", err.Error())
		return
	}
	writeJSON(w, 200, out)
}

func (s *Server) listServices(w http.ResponseWriter, r *http.Request, p Principal) {
	var out []hallproto.Service
	if err := s.eng.Read(r.Context(), func(h *queue.Hall, now time.Time) {
		for _, si := range h.Services(now) {
			out = append(out, renderService(si))
		}
	}); err != nil {
		writeError(w, 503, "unavailable", "系统暂时不可用", err.Error())
		return
	}
	writeJSON(w, 200, out)
}

func (s *Server) queues(w http.ResponseWriter, r *http.Request, p Principal) {
	var out hallproto.Queues
	if err := s.eng.Read(r.Context(), func(h *queue.Hall, now time.Time) {
		out = renderQueues(h.Queues(now), now, h.Location())
	}); err != nil {
		writeError(w, 503, "unavailable", "系统暂时不可用", err.Error())
		return
	}
	writeJSON(w, 200, out)
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	if !s.eng.Healthy() {
		writeError(w, 503, "store_unavailable", "存储不可用", "the store is not writable")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.eng.Read(ctx, func(*queue.Hall, time.Time) {}); err != nil {
		writeError(w, 503, "engine_stalled", "系统无响应", "the engine did not answer")
		return
	}
	writeJSON(w, 200, map[string]any{"status": "ok", "last_seq": s.eng.Hub().Last(), "protocol": hallproto.ProtocolVersion})
}
