package booking

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"go.etcd.io/bbolt"

	"hallq/controller/hallproto"
	"hallq/controller/internal/engine"
	"hallq/controller/internal/pii"
	"hallq/controller/internal/queue"
)

// requestRecord remembers a create request, so a retry returns the same
// booking instead of a second one.
type requestRecord struct {
	Fingerprint string    `json:"fp"`
	ID          string    `json:"id"`
	At          time.Time `json:"at"`
}

// requestTTL is how long request ids are remembered, as the engine does.
const requestTTL = 24 * time.Hour

func checkRequestID(id string) error {
	if id == "" || len(id) > 128 || strings.ContainsAny(id, "\x00\r\n") {
		return ErrInvalid.with("缺少或无效的 request_id", "request_id missing or invalid (1-128 characters)")
	}
	return nil
}

// validIdentity checks the card data a citizen, kiosk or staff member sent.
func validIdentity(c hallproto.IDCard, today time.Time) error {
	if err := pii.ValidateID(c.Number, today); err != nil {
		var pe *pii.Error
		errors.As(err, &pe)
		return ErrBadIDCard.with("%s", "%s", pe.Message)
	}
	if err := pii.ValidateName(c.Name); err != nil {
		var pe *pii.Error
		errors.As(err, &pe)
		return ErrBadIDCard.with("%s", "%s", pe.Message)
	}
	if c.BirthDate != "" && c.BirthDate != pii.BirthDate(c.Number) {
		return ErrBadIDCard.with("出生日期与证件号码不符", "birth date does not match the ID number")
	}
	return nil
}

// Create books a slot. source names the caller (kiosk id, "citizen-web",
// staff name) for the list.
func (s *Service) Create(ctx context.Context, req hallproto.BookingRequest, source string) (hallproto.Booking, error) {
	var zero hallproto.Booking
	if err := checkRequestID(req.RequestID); err != nil {
		return zero, err
	}
	s.refresh(ctx)
	now := s.now()
	today := dayOf(now, s.loc)
	r, ok := s.cfg.ruleFor(req.Service)
	if _, known := s.view().names[req.Service]; !ok || !known {
		return zero, ErrUnknownService.with("业务 %q 不可预约", "service %q cannot be booked", req.Service)
	}
	d, err := s.parseDate(req.Date)
	if err != nil {
		return zero, err
	}
	if !s.cal.IsWorkingDay(d) {
		return zero, ErrNotWorkday.with("%s 不是工作日", "%s is not a working day", req.Date)
	}
	dates := s.BookableDates()
	if !slices.Contains(dates, req.Date) {
		return zero, ErrOutOfWindow.with("可预约 %d 至 %d 个工作日后的时段（%s）", "bookable: %d to %d working days ahead (%s)",
			s.cfg.MinDaysAhead, s.cfg.MaxDaysAhead, strings.Join(dates, ", "))
	}
	m, err := parseHM(req.Slot)
	if err != nil || !slices.Contains(r.slotStarts(), m) {
		return zero, ErrBadSlot.with("没有 %s 开始的预约时段", "no slot starts at %q", req.Slot)
	}
	slotAt := d.Add(time.Duration(m) * time.Minute)
	if !slotAt.After(now) {
		return zero, ErrBadSlot.with("该时段已过", "the slot has passed")
	}
	req.IDCard.Number = pii.NormalizeID(req.IDCard.Number)
	req.IDCard.Name = strings.TrimSpace(req.IDCard.Name)
	if err := validIdentity(req.IDCard, today); err != nil {
		return zero, err
	}
	if err := pii.ValidatePhone(req.Phone); err != nil {
		return zero, ErrInvalid.with("手机号码应为11位数字", "phone must be 11 digits starting with 1")
	}
	fpb, _ := json.Marshal(req)
	// Keyed, so the stored fingerprint cannot be searched for ID numbers.
	mac := hmac.New(sha256.New, s.personKey)
	mac.Write(fpb)
	fp := hex.EncodeToString(mac.Sum(nil))
	rec := &record{ID: newID(req.Date), Service: req.Service, Date: req.Date, Slot: req.Slot, SlotAt: slotAt,
		Status: StatusBooked, Person: pii.Person(s.personKey, req.IDCard.Number),
		MaskedName: pii.MaskName(req.IDCard.Name), MaskedID: pii.MaskID(req.IDCard.Number),
		MaskedPhone: maskPhone(req.Phone), Source: source, CreatedAt: now}
	ad := []byte(rec.ID)
	if rec.Number, err = s.sealer.Seal(req.IDCard.Number, ad); err == nil {
		if rec.Name, err = s.sealer.Seal(req.IDCard.Name, ad); err == nil {
			rec.Phone, err = s.sealer.Seal(req.Phone, ad)
		}
	}
	if err != nil {
		return zero, err
	}
	var out *record
	err = s.db.Update(func(tx *bbolt.Tx) error {
		if v := tx.Bucket(bucketRequests).Get([]byte(req.RequestID)); v != nil {
			var rr requestRecord
			if json.Unmarshal(v, &rr) == nil {
				if rr.Fingerprint != fp {
					return ErrRequestReused
				}
				prev, err := getRecord(tx, rr.ID)
				if err != nil {
					return err
				}
				out = prev
				return nil
			}
		}
		used := 0
		if err := eachOfDay(tx, req.Date, func(o *record) error {
			if o.Service == req.Service && o.Slot == req.Slot && countsAgainstCapacity(o.Status) {
				used++
			}
			return nil
		}); err != nil {
			return err
		}
		if used >= r.capacity {
			return ErrSlotFull
		}
		from := today.AddDate(0, 0, -s.cfg.NoShowWindowDays)
		mine, err := personRecords(tx, rec.Person, dayKey(from.Format(time.DateOnly)))
		if err != nil {
			return err
		}
		if err := s.checkPerson(mine, req.Date, today); err != nil {
			return err
		}
		if err := putRecord(tx, rec); err != nil {
			return err
		}
		if err := tx.Bucket(bucketPersons).Put(personKey(rec), nil); err != nil {
			return err
		}
		rb, _ := json.Marshal(requestRecord{Fingerprint: fp, ID: rec.ID, At: now})
		out = rec
		return tx.Bucket(bucketRequests).Put([]byte(req.RequestID), rb)
	})
	if err != nil {
		return zero, storeErr(err)
	}
	return s.render(out), nil
}

// checkPerson applies the per-person rules to the person's bookings since
// the start of the no-show window.
func (s *Service) checkPerson(mine []*record, date string, today time.Time) error {
	var noShows []time.Time
	for _, o := range mine {
		if o.Status == StatusNoShow {
			noShows = append(noShows, o.SlotAt)
		}
		if !s.cfg.AllowSeveralPerDay && o.Date == date && (o.Status == StatusBooked || o.Status == StatusCheckedIn) {
			return ErrOnePerDay.with("您在 %s 已有预约（%s），每人每天限约一次", "already booked on %s (%s)", date, o.ID)
		}
	}
	if len(noShows) >= s.cfg.NoShowLimit {
		slices.SortFunc(noShows, func(a, b time.Time) int { return a.Compare(b) })
		until := dayOf(noShows[len(noShows)-1], s.loc).AddDate(0, 0, s.cfg.BlockDays+1)
		if today.Before(until) {
			u := until.Format(time.DateOnly)
			return ErrBlocked.with("%d 天内预约未到 %d 次，%s 起可再预约", "%d no-shows within %d days: booking blocked until %s",
				s.cfg.NoShowWindowDays, len(noShows), u, len(noShows), s.cfg.NoShowWindowDays, u)
		}
	}
	return nil
}

func maskPhone(p string) string {
	if p == "" {
		return ""
	}
	return pii.MaskPhone(p)
}

// storeErr keeps booking errors and wraps store failures.
func storeErr(err error) error {
	var be *Error
	if errors.As(err, &be) {
		return be
	}
	return fmt.Errorf("%w: %v", ErrUnavailable, err)
}

// Get returns one booking.
func (s *Service) Get(id string) (hallproto.Booking, error) {
	var rec *record
	err := s.db.View(func(tx *bbolt.Tx) (err error) { rec, err = getRecord(tx, id); return })
	if err != nil {
		return hallproto.Booking{}, storeErr(err)
	}
	return s.render(rec), nil
}

// List returns the bookings of a date (default today), optionally of one
// service and status, in slot order.
func (s *Service) List(date, service, status string) ([]hallproto.Booking, error) {
	if date == "" {
		date = s.now().In(s.loc).Format(time.DateOnly)
	}
	if _, err := s.parseDate(date); err != nil {
		return nil, err
	}
	if status != "" && !slices.Contains([]string{StatusBooked, StatusCheckedIn, StatusCancelled, StatusNoShow}, status) {
		return nil, ErrInvalid.with("未知状态 %q", "unknown status %q", status)
	}
	out := []hallproto.Booking{}
	err := s.db.View(func(tx *bbolt.Tx) error {
		return eachOfDay(tx, date, func(rec *record) error {
			if (service == "" || rec.Service == service) && (status == "" || rec.Status == status) {
				out = append(out, s.render(rec))
			}
			return nil
		})
	})
	if err != nil {
		return nil, storeErr(err)
	}
	slices.SortStableFunc(out, func(a, b hallproto.Booking) int { return a.SlotAt.Compare(b.SlotAt) })
	return out, nil
}

// Cancel cancels a booking. The deadline (CancelBeforeMinutes before the
// slot) binds everybody but administrators (override).
func (s *Service) Cancel(id, reason string, override bool) (hallproto.Booking, error) {
	if err := checkReason(reason); err != nil {
		return hallproto.Booking{}, err
	}
	return s.change(id, func(rec *record, now time.Time) error {
		if rec.Status == StatusCancelled {
			return nil // a retried cancel is not an error
		}
		if rec.Status != StatusBooked {
			return ErrWrongState.with("预约状态为 %s，不能取消", "cannot cancel a booking that is %s", rec.Status)
		}
		limit := rec.SlotAt.Add(-time.Duration(s.cfg.CancelBeforeMinutes) * time.Minute)
		if !override && now.After(limit) {
			return ErrCancelTooLate.with("预约须在 %d 分钟前取消（截止 %s）", "cancel at least %d minutes before (by %s)",
				s.cfg.CancelBeforeMinutes, limit.In(s.loc).Format("01-02 15:04"))
		}
		rec.Status, rec.CancelledAt, rec.Reason = StatusCancelled, now, reason
		return nil
	})
}

// NoShow marks a booking whose slot has begun as not attended.
func (s *Service) NoShow(id, reason string) (hallproto.Booking, error) {
	if err := checkReason(reason); err != nil {
		return hallproto.Booking{}, err
	}
	return s.change(id, func(rec *record, now time.Time) error {
		if rec.Status == StatusNoShow {
			return nil
		}
		if rec.Status != StatusBooked {
			return ErrWrongState.with("预约状态为 %s，不能标记未到", "cannot mark a booking that is %s as no-show", rec.Status)
		}
		if now.Before(rec.SlotAt) {
			return ErrWrongState.with("预约时间未到，不能标记未到", "the slot has not begun")
		}
		rec.Status, rec.NoShowAt, rec.Reason = StatusNoShow, now, reason
		return nil
	})
}

func checkReason(r string) error {
	if len([]rune(r)) > 200 || strings.ContainsAny(r, "\x00") {
		return ErrInvalid.with("原因过长", "reason longer than 200 characters")
	}
	return nil
}

func (s *Service) change(id string, f func(*record, time.Time) error) (hallproto.Booking, error) {
	var out *record
	err := s.db.Update(func(tx *bbolt.Tx) error {
		rec, err := getRecord(tx, id)
		if err != nil {
			return err
		}
		if err := f(rec, s.now()); err != nil {
			return err
		}
		out = rec
		return putRecord(tx, rec)
	})
	if err != nil {
		return hallproto.Booking{}, storeErr(err)
	}
	return s.render(out), nil
}

// Sweep turns bookings more than the lapse late into no-shows, deletes
// bookings older than the retention period with their sealed data, and
// forgets old request ids. The controller runs it every SweepSeconds.
func (s *Service) Sweep() (noShows, purged int, err error) {
	s.refresh(context.Background())
	now := s.now()
	cut := now.Add(-s.lapse()).In(s.loc).Format("200601021504")
	keep := dayKey(dayOf(now, s.loc).AddDate(0, 0, -s.cfg.RetentionDays).Format(time.DateOnly))
	err = s.db.Update(func(tx *bbolt.Tx) error {
		pc := tx.Bucket(bucketPending).Cursor()
		var lapsed [][]byte
		for k, _ := pc.First(); k != nil && len(k) > 12 && string(k[:12]) < cut; k, _ = pc.Next() {
			lapsed = append(lapsed, bytes.Clone(k))
		}
		for _, k := range lapsed {
			_, id, _ := strings.Cut(string(k), "|")
			rec, err := getRecord(tx, id)
			if errors.Is(err, ErrNotFound) {
				tx.Bucket(bucketPending).Delete(k)
				continue
			}
			if err != nil {
				return err
			}
			rec.Status, rec.NoShowAt, rec.Reason = StatusNoShow, now, "逾期未签到"
			if err := putRecord(tx, rec); err != nil {
				return err
			}
			noShows++
		}
		ac := tx.Bucket(bucketAppts).Cursor()
		var old []*record
		for k, v := ac.First(); k != nil && len(k) > 8 && string(k[:8]) < keep; k, v = ac.Next() {
			var rec record
			if json.Unmarshal(v, &rec) != nil {
				rec = record{ID: string(k)}
			}
			old = append(old, &rec)
		}
		for _, rec := range old {
			tx.Bucket(bucketAppts).Delete([]byte(rec.ID))
			if rec.Person != "" {
				tx.Bucket(bucketPersons).Delete(personKey(rec))
				tx.Bucket(bucketPending).Delete(pendingKey(rec))
			}
			purged++
		}
		rc := tx.Bucket(bucketRequests).Cursor()
		var stale [][]byte
		for k, v := rc.First(); k != nil; k, v = rc.Next() {
			var rr requestRecord
			if json.Unmarshal(v, &rr) != nil || now.Sub(rr.At) > requestTTL {
				stale = append(stale, bytes.Clone(k))
			}
		}
		for _, k := range stale {
			tx.Bucket(bucketRequests).Delete(k)
		}
		n, err := s.reseal(tx, 500)
		if err != nil {
			s.lg.Warn("booking: reseal", "err", err) // a record under a removed key; it opens nowhere anyway
			return nil
		}
		if n > 0 {
			s.lg.Info("booking: resealed with the newest key", "records", n, "key", s.sealer.NewestKey())
		}
		return nil
	})
	if err == nil && (noShows > 0 || purged > 0) {
		s.lg.Info("booking: sweep", "no_shows", noShows, "purged", purged)
	}
	return noShows, purged, err
}

// Checkin finds today's booking of the person on the card and issues the
// ticket through the engine in the appointment channel. The answer is the
// engine's reply: 201 with a hallproto.Ticket, or a JSON error (the queue's
// own codes, such as not_issuing). A retry with the same request id gets the
// same ticket.
func (s *Service) Checkin(ctx context.Context, req hallproto.CheckinRequest, source string) (engine.Reply, error) {
	if err := checkRequestID(req.RequestID); err != nil {
		return engine.Reply{}, err
	}
	now := s.now()
	today := dayOf(now, s.loc)
	req.IDCard.Number = pii.NormalizeID(req.IDCard.Number)
	if err := pii.ValidateID(req.IDCard.Number, today); err != nil {
		var pe *pii.Error
		errors.As(err, &pe)
		return engine.Reply{}, ErrBadIDCard.with("%s，请重新放置身份证", "%s", pe.Message, pe.MessageEN)
	}
	person := pii.Person(s.personKey, req.IDCard.Number)
	date := today.Format(time.DateOnly)
	// One check-in at a time: two kiosks reading the same card must not
	// both issue a ticket for one booking.
	s.mu.Lock()
	defer s.mu.Unlock()
	var mine []*record
	err := s.db.View(func(tx *bbolt.Tx) (err error) {
		mine, err = personRecords(tx, person, dayKey(date))
		return
	})
	if err != nil {
		return engine.Reply{}, storeErr(err)
	}
	rec, err := s.pick(mine, date, now, req.RequestID)
	if err != nil {
		return engine.Reply{}, err
	}
	fp := sha256.Sum256([]byte("POST /api/v1/appointments/checkin\n" + rec.ID + "\n" + person))
	idc := req.IDCard
	args := queue.IssueArgs{Service: rec.Service, AppointmentID: rec.ID, AppointmentAt: rec.SlotAt, Source: source}
	rep, err := s.hall.Do(ctx, &engine.Command{RequestID: req.RequestID, Fingerprint: fp,
		Run: func(h *queue.Hall, now time.Time) engine.Reply {
			id, err := queue.NewIdentity(h.PersonKey(), idc.Number, idc.Name, idc.BirthDate, h.Location())
			if err != nil {
				return domainReply(err)
			}
			args.Identity = &id
			t, err := h.Issue(now, args)
			if err != nil {
				return domainReply(err)
			}
			return jsonReply(http.StatusCreated, RenderTicket(h, t, now))
		}})
	switch {
	case errors.Is(err, engine.ErrRequestReused):
		return engine.Reply{}, ErrRequestReused
	case err != nil:
		return engine.Reply{}, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	if rep.Status != http.StatusCreated {
		return rep, nil
	}
	var t hallproto.Ticket
	if err := json.Unmarshal(rep.Body, &t); err != nil {
		return rep, nil
	}
	_, err = s.change(rec.ID, func(r *record, now time.Time) error {
		r.Status, r.CheckedInAt, r.TicketID, r.TicketNumber = StatusCheckedIn, now, t.ID, t.Number
		r.CheckinRequest = req.RequestID
		return nil
	})
	if err != nil {
		// The ticket exists; the booking still says booked. A retry with
		// the same request id gets the same ticket and tries again.
		s.lg.Error("booking: ticket issued but check-in not recorded", "appointment", rec.ID, "ticket", t.ID, "err", err)
	}
	return rep, nil
}

// Lookup lists the person's bookings of today (masked), so a kiosk can say
// "您预约了 09:30 社保医保" and ask before checking in.
func (s *Service) Lookup(number string) ([]hallproto.Booking, error) {
	now := s.now()
	today := dayOf(now, s.loc)
	number = pii.NormalizeID(number)
	if err := pii.ValidateID(number, today); err != nil {
		var pe *pii.Error
		errors.As(err, &pe)
		return nil, ErrBadIDCard.with("%s，请重新放置身份证", "%s", pe.Message, pe.MessageEN)
	}
	date := today.Format(time.DateOnly)
	var mine []*record
	err := s.db.View(func(tx *bbolt.Tx) (err error) {
		mine, err = personRecords(tx, pii.Person(s.personKey, number), dayKey(date))
		return
	})
	if err != nil {
		return nil, storeErr(err)
	}
	out := []hallproto.Booking{}
	for _, r := range mine {
		if r.Date == date {
			out = append(out, s.render(r))
		}
	}
	slices.SortFunc(out, func(a, b hallproto.Booking) int { return a.SlotAt.Compare(b.SlotAt) })
	return out, nil
}

// reseal moves up to max records sealed with an older key to the newest,
// so an old key can be dropped without waiting for the retention period.
func (s *Service) reseal(tx *bbolt.Tx, max int) (int, error) {
	newest := s.sealer.NewestKey()
	meta := tx.Bucket(bucketMeta)
	if string(meta.Get(keySealedWith)) == newest {
		return 0, nil // every record is under the newest key already
	}
	c := tx.Bucket(bucketAppts).Cursor()
	var todo []*record
	for k, v := c.First(); k != nil && len(todo) < max; k, v = c.Next() {
		var rec record
		if json.Unmarshal(v, &rec) != nil {
			continue
		}
		if kid, err := s.sealer.KeyOf(rec.Number); err == nil && kid != "" && kid != newest {
			todo = append(todo, &rec)
		}
	}
	for _, rec := range todo {
		ad := []byte(rec.ID)
		var err error
		for _, f := range []*string{&rec.Number, &rec.Name, &rec.Phone} {
			if *f, err = s.sealer.Reseal(*f, ad); err != nil {
				return 0, fmt.Errorf("booking: reseal %s: %w", rec.ID, err)
			}
		}
		if err := putRecord(tx, rec); err != nil {
			return 0, err
		}
	}
	if len(todo) < max {
		return len(todo), meta.Put(keySealedWith, []byte(newest))
	}
	return len(todo), nil
}

// pick chooses the booking a check-in is for, or says why there is none.
func (s *Service) pick(mine []*record, date string, now time.Time, requestID string) (*record, error) {
	var early, lapsed, done *record
	for _, r := range mine {
		if r.Date != date {
			continue
		}
		switch r.Status {
		case StatusCheckedIn:
			if r.CheckinRequest == requestID {
				return r, nil // a retry: the engine answers with the same ticket
			}
			done = r
		case StatusNoShow:
			lapsed = r
		case StatusBooked:
			switch {
			case now.Before(r.SlotAt.Add(-s.early())):
				if early == nil || r.SlotAt.Before(early.SlotAt) {
					early = r
				}
			case now.After(r.SlotAt.Add(s.lapse())):
				lapsed = r
			default:
				return r, nil
			}
		}
	}
	switch {
	case early != nil:
		at := early.SlotAt.Add(-s.early()).In(s.loc).Format("15:04")
		return nil, ErrEarly.with("您预约的是 %s，请于 %s 后签到", "booked for %s: check in after %s", early.Slot, at)
	case done != nil:
		return nil, ErrAlreadyCheckedIn.with("您今天的预约已签到，号码 %s", "already checked in: ticket %s", done.TicketNumber)
	case lapsed != nil:
		return nil, ErrLapsed.with("您预约的 %s 已超过 %d 分钟，预约失效，可取普通号", "booked for %s, more than %d minutes late: take a normal ticket",
			lapsed.Slot, int(s.lapse()/time.Minute))
	}
	return nil, ErrNoAppointment
}
