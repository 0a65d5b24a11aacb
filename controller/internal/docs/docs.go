// Package docs stores the pages citizens capture at a kiosk's document
// camera (高拍仪) on the hall controller, bound to a ticket (the window that
// calls it lists and views them) or to a person (a keyed hash of the ID
// number, the same the queue uses, so that a later ticket taken with the
// same card finds them; the number itself is never stored), and purges them
// after the configured retention. It keeps its own buckets in the
// controller's bbolt database (schema.go) and is mounted beside the API:
//
//	POST /api/v1/documents                  kiosk, staff, admin
//	GET  /api/v1/tickets/{id}/documents     window (its own tickets), staff, admin
//	GET  /api/v1/documents/{id}/pages/{n}   window (?ticket=), staff, admin
package docs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"time"

	"go.etcd.io/bbolt"

	"hallq/controller/hallproto"
	"hallq/controller/internal/api"
	"hallq/controller/internal/queue"
)

// Config is the documents section of the hall configuration.
type Config struct {
	// RetentionDays: documents are removed this many days after upload.
	RetentionDays int `yaml:"retention_days"`
	MaxPages      int `yaml:"max_pages"`
	MaxPageKB     int `yaml:"max_page_kb"`
	MaxUploadMB   int `yaml:"max_upload_mb"`
}

// DefaultConfig is used for zero fields: a month is long enough for a
// citizen to come back with the missing paper, short enough to keep little.
var DefaultConfig = Config{RetentionDays: 30, MaxPages: 20, MaxPageKB: 4096, MaxUploadMB: 24}

// maxPixels bounds one page: 25 MP covers an A3 page from a 16 MP camera
// and bounds the decoder's memory.
const maxPixels = 25_000_000

// purgeEvery: uploads trigger a purge at most this often, so no goroutine
// outlives the controller's store.
const purgeEvery = time.Hour

// Hall is the engine's read access (engine.Engine has it).
type Hall interface {
	Read(ctx context.Context, f func(h *queue.Hall, now time.Time)) error
}

// Options configure the service.
type Options struct {
	Config Config
	Clock  func() time.Time // nil: time.Now
	Logger *slog.Logger
	// Authn resolves callers (bearer tokens, console sessions).
	Authn api.Authenticator
}

// Service is the document store.
type Service struct {
	db     *bbolt.DB
	hall   Hall
	o      Options
	lim    Limits
	maxReq int64
	mux    *http.ServeMux
}

type record struct {
	ID        uint64    `json:"id"`
	TicketID  uint64    `json:"ticket_id,omitempty"`
	Person    string    `json:"person,omitempty"` // keyed hash, never the number
	Material  string    `json:"material"`
	Sizes     []int     `json:"sizes"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	Source    string    `json:"source,omitempty"`
}

type requestRecord struct {
	Fingerprint string    `json:"fp"`
	Doc         uint64    `json:"doc"`
	At          time.Time `json:"at"`
}

// New opens (and creates) the buckets and returns the service.
func New(db *bbolt.DB, hall Hall, o Options) (*Service, error) {
	c, d := o.Config, DefaultConfig
	if c.RetentionDays <= 0 {
		c.RetentionDays = d.RetentionDays
	}
	if c.MaxPages <= 0 {
		c.MaxPages = d.MaxPages
	}
	if c.MaxPageKB <= 0 {
		c.MaxPageKB = d.MaxPageKB
	}
	if c.MaxUploadMB <= 0 {
		c.MaxUploadMB = d.MaxUploadMB
	}
	o.Config = c
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Authn == nil {
		return nil, errors.New("docs: no authenticator")
	}
	s := &Service{db: db, hall: hall, o: o, lim: Limits{MaxPages: c.MaxPages, MaxPageBytes: c.MaxPageKB << 10,
		MaxBytes: c.MaxUploadMB << 20, MaxPixels: maxPixels}}
	// base64 grows the pages by 4/3; the JSON around them is small.
	s.maxReq = int64(s.lim.MaxBytes)/3*4 + 64<<10
	err := db.Update(func(tx *bbolt.Tx) error {
		for _, b := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		m := tx.Bucket(bucketMeta)
		if v := m.Get([]byte("schema")); v != nil && string(v) != strconv.Itoa(SchemaVersion) {
			return fmt.Errorf("schema version %s, this controller knows %d", v, SchemaVersion)
		}
		return m.Put([]byte("schema"), []byte(strconv.Itoa(SchemaVersion)))
	})
	if err != nil {
		return nil, fmt.Errorf("docs: open: %w", err)
	}
	if _, err := s.Purge(o.Clock()); err != nil {
		return nil, err
	}
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("POST /api/v1/documents", s.upload)
	s.mux.HandleFunc("GET /api/v1/tickets/{id}/documents", s.list)
	s.mux.HandleFunc("GET /api/v1/documents/{id}/pages/{n}", s.page)
	return s, nil
}

// Routes are the patterns to mount, each served by Handler.
var Routes = []string{"POST /api/v1/documents", "GET /api/v1/tickets/{id}/documents", "GET /api/v1/documents/{id}/pages/{n}"}

// Handler serves Routes.
func (s *Service) Handler() http.Handler { return s.mux }

// Config is the configuration in use, defaults filled in.
func (s *Service) Config() Config { return s.o.Config }

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

func writeErr(w http.ResponseWriter, err error) {
	var e *Error
	if !errors.As(err, &e) {
		writeJSON(w, 500, hallproto.Error{Error: hallproto.ErrorBody{Code: "internal", Message: "内部错误", MessageEN: err.Error()}})
		return
	}
	writeJSON(w, e.Status(), hallproto.Error{Error: hallproto.ErrorBody{Code: e.Code(), Message: e.Message, MessageEN: e.MessageEN}})
}

func (s *Service) caller(w http.ResponseWriter, r *http.Request, roles ...api.Role) (api.Principal, bool) {
	p, ok := s.o.Authn(r)
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="hallq"`)
		writeJSON(w, 401, hallproto.Error{Error: hallproto.ErrorBody{Code: "unauthorized", Message: "未授权：缺少或无效的令牌",
			MessageEN: "missing or invalid bearer token"}})
		return p, false
	}
	if !slices.Contains(roles, p.Role) {
		writeErr(w, fail(ErrForbidden, "无权访问材料", "role %s may not do this", p.Role))
		return p, false
	}
	return p, true
}

func key8(id uint64) []byte { return binary.BigEndian.AppendUint64(nil, id) }

func pageKey(id uint64, n int) []byte { return binary.BigEndian.AppendUint16(key8(id), uint16(n)) }

func (s *Service) upload(w http.ResponseWriter, r *http.Request) {
	p, ok := s.caller(w, r, api.RoleKiosk, api.RoleStaff, api.RoleAdmin)
	if !ok {
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.maxReq))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeErr(w, fail(ErrTooLarge, "材料总大小超出限制", "body larger than %d bytes", s.maxReq))
		} else {
			writeErr(w, fail(ErrBadJSON, "请求内容读取失败", "could not read the body"))
		}
		return
	}
	u, err := DecodeUpload(body, s.lim)
	if err != nil {
		writeErr(w, err)
		return
	}
	if u.Source == "" {
		u.Source = p.Name
	}
	sum := sha256.Sum256(body)
	fp := hex.EncodeToString(sum[:])
	rec, err := s.store(r.Context(), u, fp)
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, public(rec))
}

// store binds and saves an upload; a retry of a stored request answers
// the stored document.
func (s *Service) store(ctx context.Context, u *Upload, fp string) (*record, error) {
	if rec, err := s.replay(u.RequestID, fp); rec != nil || err != nil {
		return rec, err
	}
	now := s.o.Clock()
	rec := &record{TicketID: u.TicketID, Material: u.Material, CreatedAt: now.UTC(),
		ExpiresAt: now.UTC().AddDate(0, 0, s.o.Config.RetentionDays), Source: u.Source}
	var bindErr error
	if err := s.hall.Read(ctx, func(h *queue.Hall, _ time.Time) {
		if u.TicketID != 0 {
			if h.Ticket(u.TicketID) == nil {
				bindErr = fail(ErrUnknownTicket, "没有该号票（或已不是今日号票）", "unknown ticket %d", u.TicketID)
			}
			return
		}
		id, err := queue.NewIdentity(h.PersonKey(), u.IDNumber, "", "", h.Location())
		if err != nil {
			bindErr = fail(ErrBadIDCard, "身份证号码无效，请重新放置身份证", "the ID number is not valid")
			return
		}
		rec.Person = id.Person
	}); err != nil {
		return nil, fmt.Errorf("docs: hall: %w", err)
	}
	if bindErr != nil {
		return nil, bindErr
	}
	for _, pg := range u.Pages {
		rec.Sizes = append(rec.Sizes, len(pg))
	}
	u.IDNumber = ""
	var replayed *record
	err := s.db.Update(func(tx *bbolt.Tx) error {
		// Checked again inside the write: two retries may race.
		if prev, found, err := storedAnswer(tx, u.RequestID, fp); found || err != nil {
			replayed = prev
			return err
		}
		docs := tx.Bucket(bucketDocs)
		id, err := docs.NextSequence()
		if err != nil {
			return err
		}
		rec.ID = id
		b, _ := json.Marshal(rec)
		if err := docs.Put(key8(id), b); err != nil {
			return err
		}
		pages := tx.Bucket(bucketPages)
		for i, pg := range u.Pages {
			if err := pages.Put(pageKey(id, i+1), pg); err != nil {
				return err
			}
		}
		if rec.TicketID != 0 {
			err = tx.Bucket(bucketByTicket).Put(append(key8(rec.TicketID), key8(id)...), nil)
		} else {
			err = tx.Bucket(bucketByPerson).Put(append([]byte(rec.Person), key8(id)...), nil)
		}
		if err != nil {
			return err
		}
		rr, _ := json.Marshal(requestRecord{Fingerprint: fp, Doc: id, At: rec.CreatedAt})
		return tx.Bucket(bucketRequests).Put([]byte(u.RequestID), rr)
	})
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			return nil, e
		}
		return nil, fmt.Errorf("docs: store: %w", err)
	}
	if replayed != nil {
		return replayed, nil
	}
	// Ticket id and sizes only: nothing that identifies the citizen.
	s.o.Logger.Info("document stored", "doc", rec.ID, "ticket", rec.TicketID, "bound_to_person", rec.Person != "",
		"pages", len(rec.Sizes), "source", rec.Source)
	s.maybePurge(now)
	return rec, nil
}

// replay answers a retried request from the stored answer.
func (s *Service) replay(requestID, fp string) (*record, error) {
	var rec *record
	err := s.db.View(func(tx *bbolt.Tx) error {
		var err error
		rec, _, err = storedAnswer(tx, requestID, fp)
		return err
	})
	return rec, err
}

// storedAnswer is the document stored for requestID, if any; the same id
// with another body is refused.
func storedAnswer(tx *bbolt.Tx, requestID, fp string) (rec *record, found bool, err error) {
	v := tx.Bucket(bucketRequests).Get([]byte(requestID))
	if v == nil {
		return nil, false, nil
	}
	var rr requestRecord
	if err := json.Unmarshal(v, &rr); err != nil {
		return nil, true, err
	}
	if rr.Fingerprint != fp {
		return nil, true, fail(ErrRequestReused, "request_id 已用于其他请求", "request_id was used for a different upload")
	}
	rec, err = getRecord(tx, rr.Doc)
	return rec, true, err
}

func getRecord(tx *bbolt.Tx, id uint64) (*record, error) {
	v := tx.Bucket(bucketDocs).Get(key8(id))
	if v == nil {
		return nil, fail(ErrNotFound, "材料已删除或不存在", "document %d does not exist (purged?)", id)
	}
	var rec record
	if err := json.Unmarshal(v, &rec); err != nil {
		return nil, fmt.Errorf("docs: record %d: %w", id, err)
	}
	return &rec, nil
}

func public(r *record) hallproto.Document {
	total := 0
	for _, n := range r.Sizes {
		total += n
	}
	return hallproto.Document{ID: r.ID, TicketID: r.TicketID, BoundToPerson: r.Person != "", Material: r.Material,
		Pages: len(r.Sizes), Bytes: total, CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt, Source: r.Source}
}

// ticketAccess looks a ticket up and checks that the caller may see its
// documents: staff and admins any, a window only tickets called at it.
func (s *Service) ticketAccess(ctx context.Context, p api.Principal, ticket uint64) (person string, err error) {
	found := false
	window := ""
	if err := s.hall.Read(ctx, func(h *queue.Hall, _ time.Time) {
		if t := h.Ticket(ticket); t != nil {
			found, person, window = true, t.Person, t.Window
		}
	}); err != nil {
		return "", fmt.Errorf("docs: hall: %w", err)
	}
	if !found {
		return "", fail(ErrUnknownTicket, "没有该号票（或已不是今日号票）", "unknown ticket %d", ticket)
	}
	if p.Role == api.RoleWindow && window != p.Window {
		return "", fail(ErrForbidden, "该号票不在本窗口办理", "ticket %d was not called at window %s", ticket, p.Window)
	}
	return person, nil
}

func parseID(s string) (uint64, bool) {
	v, err := strconv.ParseUint(s, 10, 64)
	return v, err == nil && v > 0
}

func (s *Service) list(w http.ResponseWriter, r *http.Request) {
	p, ok := s.caller(w, r, api.RoleWindow, api.RoleStaff, api.RoleAdmin)
	if !ok {
		return
	}
	ticket, ok := parseID(r.PathValue("id"))
	if !ok {
		writeErr(w, fail(ErrNotFound, "号票编号无效", "ticket id must be a positive integer"))
		return
	}
	person, err := s.ticketAccess(r.Context(), p, ticket)
	if err != nil {
		writeErr(w, err)
		return
	}
	out, err := s.List(ticket, person)
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, 200, out)
}

// List returns a ticket's documents and its holder's (person hash, may be
// empty), newest first, without expired ones.
func (s *Service) List(ticket uint64, person string) (hallproto.DocumentList, error) {
	out := hallproto.DocumentList{TicketID: ticket, Documents: []hallproto.Document{}}
	now := s.o.Clock()
	err := s.db.View(func(tx *bbolt.Tx) error {
		var ids []uint64
		collect := func(b []byte, prefix []byte) {
			c := tx.Bucket(b).Cursor()
			for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
				if len(k) == len(prefix)+8 {
					ids = append(ids, binary.BigEndian.Uint64(k[len(prefix):]))
				}
			}
		}
		collect(bucketByTicket, key8(ticket))
		if person != "" {
			collect(bucketByPerson, []byte(person))
		}
		slices.Sort(ids)
		for _, id := range slices.Backward(slices.Compact(ids)) {
			rec, err := getRecord(tx, id)
			if errors.Is(err, ErrNotFound) {
				continue // an index entry left by a damaged record
			}
			if err != nil {
				return err
			}
			if now.Before(rec.ExpiresAt) {
				out.Documents = append(out.Documents, public(rec))
			}
		}
		return nil
	})
	return out, err
}

func (s *Service) page(w http.ResponseWriter, r *http.Request) {
	p, ok := s.caller(w, r, api.RoleWindow, api.RoleStaff, api.RoleAdmin)
	if !ok {
		return
	}
	id, ok1 := parseID(r.PathValue("id"))
	n, err := strconv.Atoi(r.PathValue("n"))
	if !ok1 || err != nil || n < 1 || n > 65535 {
		writeErr(w, fail(ErrNotFound, "材料或页码无效", "document id and page number must be positive integers"))
		return
	}
	var rec *record
	var img []byte
	err = s.db.View(func(tx *bbolt.Tx) error {
		var err error
		if rec, err = getRecord(tx, id); err != nil {
			return err
		}
		if v := tx.Bucket(bucketPages).Get(pageKey(id, n)); v != nil {
			img = bytes.Clone(v)
		}
		return nil
	})
	if err == nil && (img == nil || !s.o.Clock().Before(rec.ExpiresAt)) {
		err = fail(ErrNotFound, "材料已删除或不存在", "document %d has no page %d", id, n)
	}
	if err != nil {
		writeErr(w, err)
		return
	}
	if p.Role == api.RoleWindow {
		// A window sees pages only through a ticket called at it that the
		// document belongs to.
		ticket, ok := parseID(r.URL.Query().Get("ticket"))
		if !ok {
			writeErr(w, fail(ErrForbidden, "请从号票打开材料", "a window token needs ?ticket= of a ticket called at it"))
			return
		}
		person, err := s.ticketAccess(r.Context(), p, ticket)
		if err != nil {
			writeErr(w, err)
			return
		}
		if rec.TicketID != ticket && (rec.Person == "" || rec.Person != person) {
			writeErr(w, fail(ErrForbidden, "该材料不属于此号票", "document %d does not belong to ticket %d", id, ticket))
			return
		}
	}
	h := w.Header()
	h.Set("Content-Type", "image/jpeg")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(len(img)))
	w.WriteHeader(200)
	w.Write(img)
}

func (s *Service) maybePurge(now time.Time) {
	var last time.Time
	s.db.View(func(tx *bbolt.Tx) error {
		last, _ = time.Parse(time.RFC3339, string(tx.Bucket(bucketMeta).Get([]byte("purged"))))
		return nil
	})
	if now.Sub(last) < purgeEvery {
		return
	}
	if _, err := s.Purge(now); err != nil {
		s.o.Logger.Warn("documents purge", "err", err)
	}
}

// Purge removes the documents whose retention ended and the request
// records older than the retention; it returns how many documents went.
func (s *Service) Purge(now time.Time) (int, error) {
	n := 0
	err := s.db.Update(func(tx *bbolt.Tx) error {
		docs := tx.Bucket(bucketDocs)
		var gone []*record
		err := docs.ForEach(func(k, v []byte) error {
			var rec record
			if err := json.Unmarshal(v, &rec); err != nil || !now.Before(rec.ExpiresAt) {
				if err != nil {
					// A damaged record cannot be shown; drop it with its pages.
					rec = record{ID: binary.BigEndian.Uint64(k)}
				}
				gone = append(gone, &rec)
			}
			return nil
		})
		if err != nil {
			return err
		}
		pages := tx.Bucket(bucketPages)
		for _, rec := range gone {
			if err := docs.Delete(key8(rec.ID)); err != nil {
				return err
			}
			c := pages.Cursor()
			for k, _ := c.Seek(key8(rec.ID)); k != nil && bytes.HasPrefix(k, key8(rec.ID)); k, _ = c.Seek(key8(rec.ID)) {
				if err := pages.Delete(k); err != nil {
					return err
				}
			}
			if rec.TicketID != 0 {
				tx.Bucket(bucketByTicket).Delete(append(key8(rec.TicketID), key8(rec.ID)...))
			}
			if rec.Person != "" {
				tx.Bucket(bucketByPerson).Delete(append([]byte(rec.Person), key8(rec.ID)...))
			}
		}
		n = len(gone)
		reqs := tx.Bucket(bucketRequests)
		var old [][]byte
		cut := now.AddDate(0, 0, -s.o.Config.RetentionDays)
		reqs.ForEach(func(k, v []byte) error {
			var rr requestRecord
			if json.Unmarshal(v, &rr) != nil || rr.At.Before(cut) {
				old = append(old, bytes.Clone(k))
			}
			return nil
		})
		for _, k := range old {
			if err := reqs.Delete(k); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put([]byte("purged"), []byte(now.UTC().Format(time.RFC3339)))
	})
	if err != nil {
		return 0, fmt.Errorf("docs: purge: %w", err)
	}
	if n > 0 {
		s.o.Logger.Info("documents purged", "count", n)
	}
	return n, nil
}
