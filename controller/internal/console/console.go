package console

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.etcd.io/bbolt"
	"golang.org/x/crypto/bcrypt"

	"hallq/controller/hallproto"
	"hallq/controller/internal/api"
	"hallq/controller/internal/engine"
	"hallq/controller/internal/queue"
)

//go:embed web
var webFS embed.FS

// Options configure the console.
type Options struct {
	DB     *bbolt.DB
	Engine *engine.Engine
	Clock  func() time.Time
	Logger *slog.Logger
	// Hall is the configuration file's hall section.
	Hall     queue.Config
	Settings Settings
	// API returns the controller's API handler; window actions from the
	// console are forwarded to it so they follow exactly the API's rules.
	API func() http.Handler
	// Authn resolves callers of GET /api/v1/hall (the API's Authenticate).
	Authn api.Authenticator
	// LoginLimit failed sign-ins per LoginWindow, per address and per user
	// (defaults 5 per 10 minutes).
	LoginLimit  int
	LoginWindow time.Duration
}

// Console is the management console.
type Console struct {
	db       *bbolt.DB
	eng      *engine.Engine
	now      func() time.Time
	lg       *slog.Logger
	set      Settings
	users    map[string]User
	fileHall queue.Config
	base     string
	api      func() http.Handler
	authn    api.Authenticator
	limit    *limiter
	dummy    []byte // a hash to compare against for unknown users

	mu  sync.Mutex
	cur Version
}

// New opens the console on the controller's database and decides which
// configuration is in force (see the package doc).
func New(ctx context.Context, o Options) (*Console, error) {
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.LoginLimit == 0 {
		o.LoginLimit = 5
	}
	if o.LoginWindow == 0 {
		o.LoginWindow = 10 * time.Minute
	}
	o.Settings.Defaults()
	if err := o.Settings.Validate(); err != nil {
		return nil, err
	}
	o.Hall.Defaults()
	c := &Console{db: o.DB, eng: o.Engine, now: o.Clock, lg: o.Logger, set: o.Settings, users: map[string]User{},
		fileHall: o.Hall, base: fileBase(o.Hall, o.Settings.Texts), api: o.API, authn: o.Authn, limit: newLimiter(o.LoginLimit, o.LoginWindow)}
	for _, u := range o.Settings.Users {
		c.users[u.Name] = u
	}
	c.dummy, _ = bcrypt.GenerateFromPassword([]byte("no such user"), bcrypt.MinCost)
	if len(o.Settings.Users) > 0 {
		// Same cost as a real user, so timing does not tell names apart.
		if cost, err := bcrypt.Cost([]byte(o.Settings.Users[0].PasswordHash)); err == nil {
			c.dummy, _ = bcrypt.GenerateFromPassword([]byte("no such user"), cost)
		}
	}
	err := c.db.Update(func(tx *bbolt.Tx) error {
		for _, b := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bucketMeta)
		if v := meta.Get([]byte("schema")); v != nil {
			if n, _ := strconv.Atoi(string(v)); n > SchemaVersion {
				return fmt.Errorf("console: database schema %d is newer than this controller (%d)", n, SchemaVersion)
			}
		}
		return meta.Put([]byte("schema"), []byte(strconv.Itoa(SchemaVersion)))
	})
	if err != nil {
		return nil, fmt.Errorf("console: init: %w", err)
	}
	if err := c.loadCurrent(ctx); err != nil {
		return nil, err
	}
	if len(c.users) == 0 {
		c.lg.Warn("console: no users configured (console.users in the hall configuration): nobody can sign in")
	}
	return c, nil
}

// Handler serves the pages under /console/, the console's own JSON under
// /console/api/, and GET /api/v1/hall.
func (c *Console) Handler() http.Handler {
	mux := http.NewServeMux()
	sub, _ := fs.Sub(webFS, "web")
	static := http.StripPrefix("/console/", http.FileServerFS(sub))
	mux.Handle("GET /console/", securityHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/console/api/") {
			writeError(w, 404, "not_found", "没有该接口", "no such endpoint")
			return
		}
		static.ServeHTTP(w, r)
	})))
	mux.HandleFunc("GET /console", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/console/", http.StatusMovedPermanently)
	})
	mux.HandleFunc("POST /console/api/login", c.login)
	mux.HandleFunc("POST /console/api/logout", c.withSession(anyRole, c.logout))
	mux.HandleFunc("GET /console/api/me", c.withSession(anyRole, c.me))
	mux.HandleFunc("GET /console/api/config", c.withSession(anyRole, c.getConfig))
	mux.HandleFunc("PUT /console/api/config", c.withSession(managerOnly, c.putConfig))
	mux.HandleFunc("GET /console/api/config/versions", c.withSession(anyRole, c.listVersions))
	mux.HandleFunc("GET /console/api/config/versions/{n}", c.withSession(anyRole, c.getVersionH))
	mux.HandleFunc("GET /console/api/audit", c.withSession(auditors, c.listAudit))
	mux.HandleFunc("GET /console/api/tickets", c.withSession(anyRole, c.listTickets))
	mux.HandleFunc("POST /console/api/act", c.withSession(supervisors, c.act))
	mux.HandleFunc("GET /api/v1/hall", c.hall)
	return mux
}

func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("Cache-Control", "no-cache")
		h.ServeHTTP(w, r)
	})
}

func writeError(w http.ResponseWriter, status int, code, zh, en string) {
	writeJSON(w, status, hallproto.Error{Error: hallproto.ErrorBody{Code: code, Message: zh, MessageEN: en}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = 500, []byte(`{"error":{"code":"internal","message":"内部错误"}}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 256<<10))
	if err != nil {
		writeError(w, 413, "body_too_large", "请求内容过大", "body too large")
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeError(w, 400, "bad_json", "请求格式错误："+err.Error(), "malformed JSON: "+err.Error())
		return false
	}
	return true
}

type roleCheck func(Role) bool

func anyRole(Role) bool       { return true }
func managerOnly(r Role) bool { return r == RoleManager }
func supervisors(r Role) bool { return r == RoleManager || r == RoleSupervisor }
func auditors(r Role) bool    { return r == RoleManager || r == RoleAuditor }

type sessionHandler func(w http.ResponseWriter, r *http.Request, s sessionRecord, id string)

// withSession requires a session, the CSRF header on mutations, and a role.
func (c *Console) withSession(ok roleCheck, h sessionHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, id, found := c.session(r)
		if !found {
			writeError(w, 401, "no_session", "请先登录（或登录已过期）", "sign in first (or the session expired)")
			return
		}
		if mutating(r) && !csrfOK(r, s) {
			writeError(w, 403, "csrf", "页面已过期，请刷新后重试", "missing or wrong CSRF token")
			return
		}
		if !ok(s.Role) {
			writeError(w, 403, "forbidden", "您的角色（"+s.Role.Label()+"）无权执行此操作", "your role may not do this")
			return
		}
		h(w, r, s, id)
	}
}

type meReply struct {
	User      string `json:"user"`
	Display   string `json:"display"`
	Role      Role   `json:"role"`
	RoleLabel string `json:"role_label"`
	CSRF      string `json:"csrf"`
	Hall      string `json:"hall"`
}

func (c *Console) meOf(s sessionRecord) meReply {
	u := c.users[s.User]
	return meReply{User: s.User, Display: u.Display, Role: s.Role, RoleLabel: s.Role.Label(), CSRF: s.CSRF, Hall: c.current().Hall.Name}
}

func (c *Console) login(w http.ResponseWriter, r *http.Request) {
	var req struct {
		User     string `json:"user"`
		Password string `json:"password"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	ip, now := clientIP(r), c.now()
	if len(req.User) > 64 || len(req.Password) > 128 {
		writeError(w, 400, "invalid", "用户名或密码过长", "user or password too long")
		return
	}
	for _, k := range []string{"ip:" + ip, "user:" + req.User} {
		if b, wait := c.limit.blocked(k, now); b {
			w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
			writeError(w, 429, "rate_limited", fmt.Sprintf("登录失败次数过多，请 %d 分钟后再试", int(wait.Minutes())+1), "too many failed sign-ins; try later")
			return
		}
	}
	u, known := c.users[req.User]
	hash := c.dummy
	if known {
		hash = []byte(u.PasswordHash)
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(req.Password)) != nil || !known {
		c.limit.fail("ip:"+ip, now)
		c.limit.fail("user:"+req.User, now)
		c.audit(AuditEntry{User: req.User, Action: "login_failed", IP: ip, Result: "用户名或密码错误"})
		writeError(w, 401, "bad_credentials", "用户名或密码错误", "wrong user name or password")
		return
	}
	c.limit.reset("user:" + req.User)
	c.pruneSessions()
	id, s, err := c.newSession(u, ip)
	if err != nil {
		writeError(w, 503, "store_unavailable", "系统暂时无法保存，请稍后重试", err.Error())
		return
	}
	c.setCookie(w, r, id, int(time.Duration(c.set.SessionMax).Seconds()))
	c.audit(AuditEntry{User: u.Name, Role: u.Role, Action: "login", IP: ip, Result: "ok"})
	writeJSON(w, 200, c.meOf(s))
}

func (c *Console) logout(w http.ResponseWriter, r *http.Request, s sessionRecord, id string) {
	c.endSession(id)
	c.setCookie(w, r, "", -1)
	c.audit(AuditEntry{User: s.User, Role: s.Role, Action: "logout", IP: clientIP(r), Result: "ok"})
	w.WriteHeader(http.StatusNoContent)
}

func (c *Console) me(w http.ResponseWriter, r *http.Request, s sessionRecord, _ string) {
	writeJSON(w, 200, c.meOf(s))
}

// hall serves GET /api/v1/hall to any authenticated caller (devices with
// their tokens, console sessions).
func (c *Console) hall(w http.ResponseWriter, r *http.Request) {
	if c.authn != nil {
		if _, ok := c.authn(r); !ok {
			writeError(w, 401, "unauthorized", "未授权：缺少或无效的令牌", "missing or invalid bearer token")
			return
		}
	}
	writeJSON(w, 200, c.HallInfo())
}

type configReply struct {
	Version Version            `json:"current"`
	Info    hallproto.HallInfo `json:"info"`
	// Editable says whether this user may change it.
	Editable bool `json:"editable"`
}

func (c *Console) getConfig(w http.ResponseWriter, r *http.Request, s sessionRecord, _ string) {
	writeJSON(w, 200, configReply{Version: c.current(), Info: c.HallInfo(), Editable: s.Role == RoleManager})
}

func (c *Console) putConfig(w http.ResponseWriter, r *http.Request, s sessionRecord, _ string) {
	var req struct {
		BaseVersion int          `json:"base_version"`
		Hall        queue.Config `json:"hall"`
		Texts       Texts        `json:"texts"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	v, err := c.apply(ctx, change{By: s.User, Role: s.Role, IP: clientIP(r), Source: "console", Hall: req.Hall, Texts: req.Texts, BaseVersion: req.BaseVersion})
	if err != nil {
		e := queueError(err)
		writeError(w, e.Status, e.Code, e.Message, e.MessageEN)
		return
	}
	writeJSON(w, 200, v)
}

func (c *Console) listVersions(w http.ResponseWriter, r *http.Request, s sessionRecord, _ string) {
	vs, err := c.Versions(100)
	if err != nil {
		writeError(w, 503, "unavailable", "系统暂时不可用", err.Error())
		return
	}
	writeJSON(w, 200, vs)
}

func (c *Console) getVersionH(w http.ResponseWriter, r *http.Request, s sessionRecord, _ string) {
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n <= 0 {
		writeError(w, 400, "bad_version", "版本号无效", "version must be a positive integer")
		return
	}
	v, err := c.getVersion(n)
	if err != nil || v == nil {
		writeError(w, 404, "unknown_version", "没有该版本", "unknown version")
		return
	}
	writeJSON(w, 200, v)
}

func (c *Console) listAudit(w http.ResponseWriter, r *http.Request, s sessionRecord, _ string) {
	q := r.URL.Query()
	f := AuditFilter{User: q.Get("user"), Action: q.Get("action"), Text: q.Get("q")}
	var bad bool
	parse := func(name string) time.Time {
		v := q.Get(name)
		if v == "" {
			return time.Time{}
		}
		t, err := time.ParseInLocation("2006-01-02", v, c.eng.Location())
		if err != nil {
			bad = true
		}
		return t
	}
	f.From, f.To = parse("from"), parse("to")
	if !f.To.IsZero() {
		f.To = f.To.AddDate(0, 0, 1)
	}
	if bad {
		writeError(w, 400, "bad_date", "日期格式应为 YYYY-MM-DD", "dates are YYYY-MM-DD")
		return
	}
	if l := q.Get("limit"); l != "" {
		f.Limit, _ = strconv.Atoi(l)
	}
	out, err := c.Audit(f)
	if err != nil {
		writeError(w, 503, "unavailable", "系统暂时不可用", err.Error())
		return
	}
	writeJSON(w, 200, out)
}

// TicketRow is a live ticket as the console lists it. Personal data is
// limited to the masked name.
type TicketRow struct {
	ID            uint64    `json:"id"`
	Number        string    `json:"number"`
	Service       string    `json:"service"`
	ServiceName   string    `json:"service_name"`
	Channel       string    `json:"channel"`
	Status        string    `json:"status"`
	Category      string    `json:"category,omitempty"`
	Verified      bool      `json:"verified,omitempty"`
	Window        string    `json:"window,omitempty"`
	ForWindow     string    `json:"for_window,omitempty"`
	MaskedName    string    `json:"masked_name,omitempty"`
	ArrivedAt     time.Time `json:"arrived_at"`
	WaitedSeconds int       `json:"waited_seconds"`
}

func (c *Console) listTickets(w http.ResponseWriter, r *http.Request, s sessionRecord, _ string) {
	out := []TicketRow{}
	err := c.eng.Read(r.Context(), func(h *queue.Hall, now time.Time) {
		for _, t := range h.LiveTickets() {
			out = append(out, TicketRow{ID: t.ID, Number: t.Number, Service: t.Service, ServiceName: h.ServiceName(t.Service),
				Channel: t.Channel.String(), Status: t.Status.String(), Category: t.Category, Verified: t.Verified,
				Window: t.Window, ForWindow: t.ForWindow, MaskedName: t.MaskedName, ArrivedAt: t.ArrivedAt.In(h.Location()),
				WaitedSeconds: int(now.Sub(t.ArrivedAt) / time.Second)})
		}
	})
	if err != nil {
		writeError(w, 503, "unavailable", "系统暂时不可用", err.Error())
		return
	}
	writeJSON(w, 200, out)
}

// actRequest is a supervisor action from the browser.
type actRequest struct {
	Window   string `json:"window"`
	Action   string `json:"action"`
	Ticket   uint64 `json:"ticket,omitempty"`
	Service  string `json:"service,omitempty"`
	ToWindow string `json:"to_window,omitempty"`
	Reason   string `json:"reason,omitempty"`
	Behind   *int   `json:"behind,omitempty"`
}

// supervisorActions are the window actions the console offers.
var supervisorActions = map[hallproto.WindowAction]string{
	hallproto.ActTransfer: "转办", hallproto.ActRequeue: "过号重排", hallproto.ActConfirm: "确认优先类别",
	hallproto.ActRevoke: "撤销优先", hallproto.ActGrantGreen: "开通绿色通道", hallproto.ActCancel: "取消号票",
	hallproto.ActPause: "暂停窗口", hallproto.ActResume: "恢复窗口",
}

// act forwards a supervisor action to the API's window-action endpoint
// (same rules, same idempotency) and audits it with a before/after summary.
func (c *Console) act(w http.ResponseWriter, r *http.Request, s sessionRecord, _ string) {
	var req actRequest
	if !readJSON(w, r, &req) {
		return
	}
	label, ok := supervisorActions[hallproto.WindowAction(req.Action)]
	if !ok {
		writeError(w, 400, "unknown_action", "未知操作 "+req.Action, "unknown supervisor action")
		return
	}
	if req.Window == "" || strings.ContainsAny(req.Window, "/?#") {
		// Ticket actions need some window for the record: the ticket's, or the first.
		if req.Window == "" && req.Ticket != 0 {
			c.eng.Read(r.Context(), func(h *queue.Hall, _ time.Time) {
				if t := h.Ticket(req.Ticket); t != nil && t.Window != "" {
					req.Window = t.Window
				} else if ws := h.Windows(); len(ws) > 0 {
					req.Window = ws[0].ID
				}
			})
		}
		if req.Window == "" {
			writeError(w, 400, "bad_window", "请选择窗口", "window missing")
			return
		}
	}
	before := c.summary(r.Context(), req.Window, req.Ticket)
	body, _ := json.Marshal(hallproto.ActionRequest{RequestID: "console-" + randomToken()[:20], Ticket: req.Ticket,
		Service: req.Service, ToWindow: req.ToWindow, Reason: req.Reason, Behind: req.Behind})
	fr, _ := http.NewRequestWithContext(r.Context(), http.MethodPost, "/api/v1/windows/"+req.Window+"/"+req.Action, bytes.NewReader(body))
	fr.Header = r.Header.Clone()
	fr.Header.Set("Content-Type", "application/json")
	fr.Header.Set(auditedHeader, "1")
	fr.RemoteAddr = r.RemoteAddr
	rec := &recorder{h: http.Header{}, status: 200}
	if c.api == nil || c.api() == nil {
		writeError(w, 503, "unavailable", "系统暂时不可用", "api not mounted")
		return
	}
	c.api().ServeHTTP(rec, fr)
	result := "ok"
	if rec.status >= 300 {
		var e hallproto.Error
		json.Unmarshal(rec.body.Bytes(), &e)
		result = e.Error.Message
		if result == "" {
			result = strconv.Itoa(rec.status)
		}
	}
	target := "窗口 " + req.Window
	if req.Ticket != 0 {
		target += fmt.Sprintf(" 号票 #%d", req.Ticket)
	}
	c.audit(AuditEntry{User: s.User, Role: s.Role, Action: "window." + req.Action, Target: label + "：" + target,
		Before: before, After: c.summary(r.Context(), req.Window, req.Ticket), Result: result, IP: clientIP(r)})
	for k, v := range rec.h {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.status)
	w.Write(rec.body.Bytes())
}

// summary describes a window and a ticket for the audit log, without
// personal data.
func (c *Console) summary(ctx context.Context, window string, ticket uint64) string {
	var parts []string
	c.eng.Read(ctx, func(h *queue.Hall, _ time.Time) {
		if wd, ok := h.WindowByID(window); ok {
			st := "开放"
			switch {
			case wd.Staff == "":
				st = "未登录"
			case wd.Paused:
				st = "暂停（" + wd.PauseReason + "）"
			}
			parts = append(parts, "窗口"+window+" "+st)
			if wd.Current != 0 {
				if t := h.Ticket(wd.Current); t != nil {
					parts = append(parts, "当前 "+t.Number)
				}
			}
		}
		if t := h.Ticket(ticket); t != nil {
			parts = append(parts, fmt.Sprintf("%s %s/%s", t.Number, t.Status, t.Channel))
		}
	})
	return strings.Join(parts, "；")
}

type recorder struct {
	h      http.Header
	status int
	body   bytes.Buffer
	wrote  bool
}

func (r *recorder) Header() http.Header { return r.h }
func (r *recorder) WriteHeader(s int) {
	if !r.wrote {
		r.status, r.wrote = s, true
	}
}
func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.body.Write(b)
}
