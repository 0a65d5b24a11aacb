package booking

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/bbolt"

	"hallq/controller/hallproto"
	"hallq/controller/internal/engine"
	"hallq/controller/internal/pii"
	"hallq/controller/internal/queue"
)

// Appointment states.
const (
	StatusBooked    = "booked"
	StatusCheckedIn = "checked_in"
	StatusCancelled = "cancelled"
	StatusNoShow    = "no_show"
)

// record is a stored booking. Number, Name and Phone are sealed with pii
// (the appointment id as associated data); everything shown is masked.
type record struct {
	ID           string    `json:"id"`
	Service      string    `json:"service"`
	Date         string    `json:"date"` // YYYY-MM-DD
	Slot         string    `json:"slot"` // HH:MM
	SlotAt       time.Time `json:"slot_at"`
	Status       string    `json:"status"`
	Person       string    `json:"person"`
	Number       string    `json:"number"`
	Name         string    `json:"name"`
	Phone        string    `json:"phone,omitempty"`
	MaskedName   string    `json:"masked_name"`
	MaskedID     string    `json:"masked_id"`
	MaskedPhone  string    `json:"masked_phone,omitempty"`
	Source       string    `json:"source,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
	CheckedInAt  time.Time `json:"checked_in_at,omitzero"`
	TicketID     uint64    `json:"ticket_id,omitempty"`
	TicketNumber string    `json:"ticket_number,omitempty"`
	CancelledAt  time.Time `json:"cancelled_at,omitzero"`
	NoShowAt     time.Time `json:"no_show_at,omitzero"`
	Reason       string    `json:"reason,omitempty"`
	// CheckinRequest is the request id of the check-in, so its retry is
	// recognised.
	CheckinRequest string `json:"checkin_request,omitempty"`
}

// Hall is what booking needs of the hall: the engine in the controller, a
// fake in tests of the rules alone.
type Hall interface {
	Do(ctx context.Context, c *engine.Command) (engine.Reply, error)
	Read(ctx context.Context, f func(h *queue.Hall, now time.Time)) error
}

// Options configure a Service.
type Options struct {
	DB       *bbolt.DB
	Hall     Hall
	Config   Config
	PII      pii.Config
	Calendar Calendar // nil: Weekdays
	Clock    func() time.Time
	Logger   *slog.Logger
}

// Service is the booking service.
type Service struct {
	db     *bbolt.DB
	hall   Hall
	cfg    Config
	cal    Calendar
	now    func() time.Time
	lg     *slog.Logger
	sealer *pii.Sealer

	loc       *time.Location
	personKey []byte
	// hv is the hall's configuration in force: the console may change
	// services while the controller runs, so requests refresh it.
	hv atomic.Pointer[hallView]

	mu      sync.Mutex // serialises check-ins per service instance
	stop    chan struct{}
	stopped chan struct{}
	once    sync.Once
}

// New opens the booking buckets, loads the keys and starts the clock-driven
// sweep (lapsed bookings to no-shows, retention purge). Close stops it.
func New(o Options) (*Service, error) {
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Calendar == nil {
		o.Calendar = Weekdays{}
	}
	s := &Service{db: o.DB, hall: o.Hall, cfg: o.Config, cal: o.Calendar, now: o.Clock, lg: o.Logger,
		stop: make(chan struct{}), stopped: make(chan struct{})}
	s.cfg.Defaults()
	if s.cfg.EveryDay {
		s.cal = everyDay{}
	}
	if err := o.Hall.Read(context.Background(), func(h *queue.Hall, _ time.Time) {
		s.loc, s.personKey = h.Location(), bytes.Clone(h.PersonKey())
		s.hv.Store(newHallView(h.Config()))
	}); err != nil {
		return nil, fmt.Errorf("booking: read hall: %w", err)
	}
	var ids []string
	for _, sc := range s.view().cfg.Services {
		ids = append(ids, sc.ID)
	}
	if err := s.cfg.Validate(ids); err != nil {
		return nil, err
	}
	keys, err := o.PII.Load()
	if err != nil {
		return nil, err
	}
	err = s.db.Update(func(tx *bbolt.Tx) error {
		for _, b := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bucketMeta)
		if v := meta.Get(keySchema); v != nil {
			if n, _ := strconv.Atoi(string(v)); n > SchemaVersion {
				return fmt.Errorf("booking: database schema %d is newer than this controller (%d)", n, SchemaVersion)
			}
		}
		if err := meta.Put(keySchema, []byte(strconv.Itoa(SchemaVersion))); err != nil {
			return err
		}
		if len(keys) > 0 {
			return nil
		}
		// No key configured: a key kept beside the data does not protect a
		// stolen disk, but a demo hall still works. Say so loudly.
		if v := meta.Get(keyLocalKey); v != nil {
			sec, err := base64.StdEncoding.DecodeString(string(v))
			if err != nil || len(sec) != 32 {
				return fmt.Errorf("booking: local key corrupt")
			}
			keys = []pii.Key{{ID: "local", Secret: sec}}
			return nil
		}
		k, err := pii.RandomKey("local")
		if err != nil {
			return err
		}
		keys = []pii.Key{k}
		return meta.Put(keyLocalKey, []byte(base64.StdEncoding.EncodeToString(k.Secret)))
	})
	if err != nil {
		return nil, fmt.Errorf("booking: init: %w", err)
	}
	if len(o.PII.Keys) == 0 {
		s.lg.Warn("booking: no pii key configured; personal data is sealed with a key kept in the database (demo only): set pii.keys in the hall configuration")
	}
	if s.sealer, err = pii.NewSealer(keys); err != nil {
		return nil, err
	}
	go s.loop()
	return s, nil
}

type hallView struct {
	cfg   queue.Config
	names map[string]string // service id -> name
}

func newHallView(c queue.Config) *hallView {
	v := &hallView{cfg: c, names: map[string]string{}}
	for _, sc := range c.Services {
		v.names[sc.ID] = sc.Name
	}
	return v
}

func (s *Service) view() *hallView { return s.hv.Load() }

// refresh takes the configuration in force from the engine; on failure the
// last one stays.
func (s *Service) refresh(ctx context.Context) {
	s.hall.Read(ctx, func(h *queue.Hall, _ time.Time) { s.hv.Store(newHallView(h.Config())) })
}

// Close stops the sweep.
func (s *Service) Close() {
	s.once.Do(func() { close(s.stop) })
	<-s.stopped
}

func (s *Service) loop() {
	defer close(s.stopped)
	t := time.NewTicker(time.Duration(s.cfg.SweepSeconds) * time.Second)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			if _, _, err := s.Sweep(); err != nil {
				if errors.Is(err, bbolt.ErrDatabaseNotOpen) {
					return // the controller shut down
				}
				s.lg.Warn("booking: sweep", "err", err)
			}
		}
	}
}

// Config is the effective configuration (defaults filled).
func (s *Service) Config() Config { return s.cfg }

// Location is the hall's time zone.
func (s *Service) Location() *time.Location { return s.loc }

// ServiceName is the display name of a service.
func (s *Service) ServiceName(id string) string { return s.view().names[id] }

// Bookable lists the services that can be booked, in hall order.
func (s *Service) Bookable() []string {
	var out []string
	for _, sc := range s.view().cfg.Services {
		if _, ok := s.cfg.ruleFor(sc.ID); ok {
			out = append(out, sc.ID)
		}
	}
	return out
}

func (s *Service) lapse() time.Duration {
	return time.Duration(s.view().cfg.Channels.AppointmentLateMinutes) * time.Minute
}

func (s *Service) early() time.Duration {
	return time.Duration(s.view().cfg.Channels.AppointmentEarlyMinutes) * time.Minute
}

// BookableDates are the dates that can be booked today.
func (s *Service) BookableDates() []string {
	today := dayOf(s.now(), s.loc)
	var out []string
	for _, d := range workdaysAhead(s.cal, today, s.cfg.MinDaysAhead, s.cfg.MaxDaysAhead) {
		out = append(out, d.Format(time.DateOnly))
	}
	return out
}

// Rules is the wire form of the rules in force.
func (s *Service) Rules() hallproto.BookingRules {
	s.refresh(context.Background())
	c := s.cfg
	return hallproto.BookingRules{SlotMinutes: c.SlotMinutes, CapacityPerSlot: c.CapacityPerSlot,
		MinDaysAhead: c.MinDaysAhead, MaxDaysAhead: c.MaxDaysAhead, CancelBeforeMinutes: c.CancelBeforeMinutes,
		OnePerPersonPerDay: !c.AllowSeveralPerDay, NoShowLimit: c.NoShowLimit, NoShowWindowDays: c.NoShowWindowDays,
		BlockDays: c.BlockDays, LapseMinutes: int(s.lapse() / time.Minute), EarlyMinutes: int(s.early() / time.Minute),
		RetentionDays: c.RetentionDays, Services: s.Bookable(), BookableDates: s.BookableDates()}
}

func (s *Service) parseDate(date string) (time.Time, error) {
	d, err := time.ParseInLocation(time.DateOnly, date, s.loc)
	if err != nil || len(date) != 10 {
		return time.Time{}, ErrBadDate
	}
	return d, nil
}

// Slots lists a service's slots on a date with what is left.
func (s *Service) Slots(service, date string) (hallproto.Slots, error) {
	s.refresh(context.Background())
	r, ok := s.cfg.ruleFor(service)
	if _, known := s.view().names[service]; !ok || !known {
		return hallproto.Slots{}, ErrUnknownService.with("业务 %q 不可预约", "service %q cannot be booked", service)
	}
	d, err := s.parseDate(date)
	if err != nil {
		return hallproto.Slots{}, err
	}
	now := s.now()
	out := hallproto.Slots{Service: service, Date: date, Workday: s.cal.IsWorkingDay(d), Slots: []hallproto.Slot{}}
	out.Bookable = out.Workday && slices.Contains(s.BookableDates(), date)
	if !out.Workday {
		return out, nil
	}
	used := map[string]int{}
	err = s.db.View(func(tx *bbolt.Tx) error {
		return eachOfDay(tx, date, func(rec *record) error {
			if rec.Service == service && countsAgainstCapacity(rec.Status) {
				used[rec.Slot]++
			}
			return nil
		})
	})
	if err != nil {
		return out, fmt.Errorf("booking: slots: %w", err)
	}
	for _, m := range r.slotStarts() {
		at := d.Add(time.Duration(m) * time.Minute)
		left := max(r.capacity-used[hm(m)], 0)
		out.Slots = append(out.Slots, hallproto.Slot{Start: hm(m), End: hm(m + r.slotMinutes), At: at,
			Capacity: r.capacity, Left: left, Open: out.Bookable && at.After(now) && left > 0})
	}
	return out, nil
}

func countsAgainstCapacity(status string) bool { return status != StatusCancelled }

func dayKey(date string) string { return strings.ReplaceAll(date, "-", "") }

// eachOfDay visits the bookings of one date in id order.
func eachOfDay(tx *bbolt.Tx, date string, f func(*record) error) error {
	prefix := []byte(dayKey(date) + "-")
	c := tx.Bucket(bucketAppts).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var rec record
		if err := json.Unmarshal(v, &rec); err != nil {
			return fmt.Errorf("booking: record %s: %w", k, err)
		}
		if err := f(&rec); err != nil {
			return err
		}
	}
	return nil
}

func getRecord(tx *bbolt.Tx, id string) (*record, error) {
	v := tx.Bucket(bucketAppts).Get([]byte(id))
	if v == nil {
		return nil, ErrNotFound
	}
	var rec record
	if err := json.Unmarshal(v, &rec); err != nil {
		return nil, fmt.Errorf("booking: record %s: %w", id, err)
	}
	return &rec, nil
}

func pendingKey(rec *record) []byte {
	return []byte(dayKey(rec.Date) + strings.ReplaceAll(rec.Slot, ":", "") + "|" + rec.ID)
}

func personKey(rec *record) []byte {
	return []byte(rec.Person + "|" + dayKey(rec.Date) + "|" + rec.ID)
}

// putRecord stores a record and keeps the pending index in step with its status.
func putRecord(tx *bbolt.Tx, rec *record) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	if err := tx.Bucket(bucketAppts).Put([]byte(rec.ID), b); err != nil {
		return err
	}
	if rec.Status == StatusBooked {
		return tx.Bucket(bucketPending).Put(pendingKey(rec), nil)
	}
	return tx.Bucket(bucketPending).Delete(pendingKey(rec))
}

// personRecords lists a person's bookings from date from (YYYYMMDD) on.
func personRecords(tx *bbolt.Tx, person, from string) ([]*record, error) {
	prefix := []byte(person + "|")
	c := tx.Bucket(bucketPersons).Cursor()
	var out []*record
	for k, _ := c.Seek(append(bytes.Clone(prefix), from...)); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		parts := strings.SplitN(string(k), "|", 3)
		if len(parts) != 3 {
			continue
		}
		rec, err := getRecord(tx, parts[2])
		if errors.Is(err, ErrNotFound) {
			continue // purged
		}
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	return out, nil
}

// newID is the date, then 8 characters of an alphabet without look-alikes,
// so staff can read an id out over the phone.
func newID(date string) string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	var b [8]byte
	rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return dayKey(date) + "-" + string(b[:])
}

// render is the wire form, masked.
func (s *Service) render(rec *record) hallproto.Booking {
	tp := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		t = t.In(s.loc)
		return &t
	}
	return hallproto.Booking{ID: rec.ID, Service: rec.Service, ServiceName: s.view().names[rec.Service], Date: rec.Date,
		Slot: rec.Slot, SlotAt: rec.SlotAt.In(s.loc), Status: rec.Status, MaskedName: rec.MaskedName,
		MaskedID: rec.MaskedID, MaskedPhone: rec.MaskedPhone, Source: rec.Source, CreatedAt: rec.CreatedAt.In(s.loc),
		CheckedInAt: tp(rec.CheckedInAt), TicketID: rec.TicketID, TicketNumber: rec.TicketNumber,
		CancelledAt: tp(rec.CancelledAt), Reason: rec.Reason}
}
