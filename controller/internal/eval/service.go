package eval

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"go.etcd.io/bbolt"

	"hallq/controller/hallproto"
	"hallq/controller/internal/api"
	"hallq/controller/internal/engine"
	"hallq/controller/internal/queue"
)

// Options configure a Service.
type Options struct {
	Config Config
	// Clock is for tests; nil means time.Now.
	Clock  func() time.Time
	Logger *slog.Logger
	// Authn resolves callers (bearer tokens and console sessions).
	Authn api.Authenticator
	// Location is the hall's zone (defaults to the engine's).
	Location *time.Location
}

// Lookup finds a ticket in the live hall; nil when unknown.
type Lookup func(ctx context.Context, id uint64) (*TicketFacts, error)

// Service stores evaluations and follow-ups and serves their API.
type Service struct {
	db     *bbolt.DB
	rules  *rules
	now    func() time.Time
	lg     *slog.Logger
	authn  api.Authenticator
	lookup Lookup
}

// New opens the evaluation service on the controller's database and
// engine, creating its buckets.
func New(db *bbolt.DB, eng *engine.Engine, o Options) (*Service, error) {
	if o.Location == nil && eng != nil {
		o.Location = eng.Location()
	}
	return NewWithLookup(db, EngineLookup(eng), o)
}

// EngineLookup reads tickets from the engine's live hall.
func EngineLookup(eng *engine.Engine) Lookup {
	return func(ctx context.Context, id uint64) (*TicketFacts, error) {
		var out *TicketFacts
		err := eng.Read(ctx, func(h *queue.Hall, now time.Time) {
			t := h.Ticket(id)
			if t == nil {
				return
			}
			name := t.Service
			for _, s := range h.Config().Services {
				if s.ID == t.Service {
					name = s.Name
				}
			}
			out = &TicketFacts{ID: t.ID, Number: t.Number, Service: t.Service, ServiceName: name, Window: t.Window,
				Staff: t.Staff, CaseNumber: t.CaseNumber, MaskedName: t.MaskedName, Done: t.Status == queue.Done,
				FinishedAt: t.FinishedAt}
		})
		return out, err
	}
}

// Open opens the service for reading only (Ratings, Summary, Followups,
// Export), for other controller packages such as reports: they get the
// same data without a second HTTP mount. Rate refuses on such a Service.
func Open(db *bbolt.DB, o Options) (*Service, error) { return NewWithLookup(db, nil, o) }

// NewWithLookup is New with another source of tickets (tests, tools).
func NewWithLookup(db *bbolt.DB, lookup Lookup, o Options) (*Service, error) {
	r, err := newRules(o.Config, o.Location)
	if err != nil {
		return nil, err
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		for _, b := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		m := tx.Bucket(bucketMeta)
		if v := m.Get([]byte("schema")); v != nil {
			n, _ := strconv.Atoi(string(v))
			if n > SchemaVersion {
				return fmt.Errorf("eval: database schema %d is newer than this controller's %d", n, SchemaVersion)
			}
		}
		return m.Put([]byte("schema"), []byte(strconv.Itoa(SchemaVersion)))
	})
	if err != nil {
		return nil, fmt.Errorf("eval: open: %w", err)
	}
	return &Service{db: db, rules: r, now: o.Clock, lg: o.Logger, authn: o.Authn, lookup: lookup}, nil
}

// Config is the configuration in use, defaults filled in.
func (s *Service) Config() Config { return s.rules.cfg }

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

func fingerprint(body []byte) string {
	h := sha256.Sum256(body)
	return hex.EncodeToString(h[:16])
}

// Rate takes a citizen's rating. body is the request's exact bytes (for
// the request-id replay); device names the caller. It returns the status
// and answer body to send; a refusal is an *Error.
func (s *Service) Rate(ctx context.Context, q *hallproto.EvaluationRequest, body []byte, device string) (int, []byte, error) {
	if q.RequestID == "" || len(q.RequestID) > 128 || !okText(q.RequestID, 128) {
		return 0, nil, withDetail(ErrBadRequest, "request_id missing or invalid")
	}
	fp := fingerprint(body)
	if st, b, ok, err := s.replay(q.RequestID, fp); ok || err != nil {
		return st, b, err
	}
	if err := s.rules.checkRequest(q); err != nil {
		return 0, nil, err
	}
	if s.lookup == nil {
		return 0, nil, errors.New("eval: opened read-only (Open): cannot rate")
	}
	t, err := s.lookup(ctx, q.Ticket)
	if err != nil {
		return 0, nil, fmt.Errorf("eval: read ticket: %w", err)
	}
	var status int
	var answer []byte
	err = s.db.Update(func(tx *bbolt.Tx) error {
		// Checked again inside the transaction: two evaluators racing on
		// one ticket get one rating and one refusal.
		if rec := tx.Bucket(bucketRequests).Get([]byte(q.RequestID)); rec != nil {
			var r requestRecord
			if err := json.Unmarshal(rec, &r); err != nil {
				return err
			}
			if r.Fingerprint != fp {
				return ErrRequestReused
			}
			status, answer = r.Status, r.Body
			return nil
		}
		rated := tx.Bucket(bucketByTicket).Get(u64(q.Ticket)) != nil
		now := s.now()
		ev, fu, err := s.rules.decide(q, t, rated, device, now)
		if err != nil {
			return err
		}
		rb := tx.Bucket(bucketRatings)
		id, _ := rb.NextSequence()
		ev.ID = id
		if fu != nil {
			fb := tx.Bucket(bucketFollowups)
			fid, _ := fb.NextSequence()
			fu.ID, fu.Evaluation, ev.Followup = fid, id, fid
			b, err := json.Marshal(fu)
			if err != nil {
				return err
			}
			if err := fb.Put(u64(fid), b); err != nil {
				return err
			}
		}
		b, err := json.Marshal(&ev)
		if err != nil {
			return err
		}
		if err := rb.Put(u64(id), b); err != nil {
			return err
		}
		if err := tx.Bucket(bucketByTicket).Put(u64(q.Ticket), u64(id)); err != nil {
			return err
		}
		tk := binary.BigEndian.AppendUint64(u64(uint64(ev.RatedAt.UnixNano())), id)
		if err := tx.Bucket(bucketByTime).Put(tk, nil); err != nil {
			return err
		}
		status, answer = 201, append(b, '\n')
		rec, _ := json.Marshal(requestRecord{Fingerprint: fp, Status: status, Body: answer, At: now.Unix()})
		if err := tx.Bucket(bucketRequests).Put([]byte(q.RequestID), rec); err != nil {
			return err
		}
		return pruneRequests(tx, now)
	})
	if err != nil {
		var e *Error
		if errors.As(err, &e) && (e == ErrAlreadyRated || e == ErrExpired || e == ErrNotFinishedHere) {
			// A second or late press is normal at an evaluator; it is
			// refused and logged (ticket number and window only).
			s.lg.Info("evaluation refused", "code", e.Code, "window", q.Window, "ticket", q.Ticket, "device", device, "why", err.Error())
		}
		return 0, nil, err
	}
	return status, answer, nil
}

func (s *Service) replay(id, fp string) (int, []byte, bool, error) {
	var r requestRecord
	found := false
	err := s.db.View(func(tx *bbolt.Tx) error {
		v := tx.Bucket(bucketRequests).Get([]byte(id))
		if v == nil {
			return nil
		}
		found = true
		return json.Unmarshal(v, &r)
	})
	if err != nil || !found {
		return 0, nil, false, err
	}
	if r.Fingerprint != fp {
		return 0, nil, false, ErrRequestReused
	}
	return r.Status, r.Body, true, nil
}

// pruneRequests drops a few expired request ids per write, so the bucket
// stays bounded without a timer.
func pruneRequests(tx *bbolt.Tx, now time.Time) error {
	b := tx.Bucket(bucketRequests)
	c := b.Cursor()
	var old [][]byte
	n := 0
	for k, v := c.First(); k != nil && n < 64; k, v = c.Next() {
		n++
		var r requestRecord
		if json.Unmarshal(v, &r) == nil && now.Unix()-r.At > requestTTL {
			old = append(old, bytes.Clone(k))
		}
	}
	for _, k := range old {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// Ratings lists the evaluations matching f, oldest first.
func (s *Service) Ratings(f Filter) ([]hallproto.Evaluation, error) {
	var out []hallproto.Evaluation
	err := s.db.View(func(tx *bbolt.Tx) error {
		rb := tx.Bucket(bucketRatings)
		c := tx.Bucket(bucketByTime).Cursor()
		var k []byte
		if f.From.IsZero() {
			k, _ = c.First()
		} else {
			k, _ = c.Seek(u64(uint64(max(f.From.UnixNano(), 0))))
		}
		for ; k != nil; k, _ = c.Next() {
			if len(k) != 16 {
				continue
			}
			if !f.To.IsZero() && int64(binary.BigEndian.Uint64(k[:8])) >= f.To.UnixNano() {
				break
			}
			v := rb.Get(k[8:])
			if v == nil {
				continue
			}
			var e hallproto.Evaluation
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("eval: rating %x: %w", k[8:], err)
			}
			if f.match(&e) {
				out = append(out, e)
			}
		}
		return nil
	})
	if out == nil {
		out = []hallproto.Evaluation{}
	}
	return out, err
}

// Summary is Ratings with the counts per level and the satisfaction share.
func (s *Service) Summary(f Filter) (hallproto.EvaluationList, error) {
	evs, err := s.Ratings(f)
	if err != nil {
		return hallproto.EvaluationList{}, err
	}
	return summarize(evs), nil
}

// Rating returns one evaluation by ticket id, if rated.
func (s *Service) Rating(ticket uint64) (hallproto.Evaluation, bool, error) {
	var e hallproto.Evaluation
	found := false
	err := s.db.View(func(tx *bbolt.Tx) error {
		id := tx.Bucket(bucketByTicket).Get(u64(ticket))
		if id == nil {
			return nil
		}
		v := tx.Bucket(bucketRatings).Get(id)
		if v == nil {
			return nil
		}
		found = true
		return json.Unmarshal(v, &e)
	})
	return e, found, err
}

// Followups lists the follow-ups matching f, oldest first, with Overdue
// computed for now.
func (s *Service) Followups(f FollowupFilter) ([]hallproto.Followup, error) {
	now := s.now()
	out := []hallproto.Followup{}
	err := s.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketFollowups).ForEach(func(k, v []byte) error {
			var fu hallproto.Followup
			if err := json.Unmarshal(v, &fu); err != nil {
				return fmt.Errorf("eval: follow-up %x: %w", k, err)
			}
			fu.Overdue = overdue(&fu, now)
			if f.match(&fu) {
				out = append(out, fu)
			}
			return nil
		})
	})
	return out, err
}

// Followup returns one follow-up.
func (s *Service) Followup(id uint64) (hallproto.Followup, error) {
	var fu hallproto.Followup
	err := s.db.View(func(tx *bbolt.Tx) error {
		v := tx.Bucket(bucketFollowups).Get(u64(id))
		if v == nil {
			return ErrUnknownFollowup
		}
		return json.Unmarshal(v, &fu)
	})
	fu.Overdue = err == nil && overdue(&fu, s.now())
	return fu, err
}

// UpdateFollowup applies a patch by staff member by.
func (s *Service) UpdateFollowup(id uint64, p *hallproto.FollowupPatch, by string) (hallproto.Followup, error) {
	var out hallproto.Followup
	now := s.now()
	err := s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketFollowups)
		v := b.Get(u64(id))
		if v == nil {
			return ErrUnknownFollowup
		}
		var fu hallproto.Followup
		if err := json.Unmarshal(v, &fu); err != nil {
			return err
		}
		nf, err := s.rules.patch(fu, p, by, now)
		if err != nil {
			return err
		}
		nb, err := json.Marshal(&nf)
		if err != nil {
			return err
		}
		out = nf
		return b.Put(u64(id), nb)
	})
	out.Overdue = err == nil && overdue(&out, now)
	return out, err
}
