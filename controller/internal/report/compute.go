package report

import (
	"fmt"
	"math"
	"slices"
	"time"

	"go.etcd.io/bbolt"

	"hallq/controller/hallproto"
	"hallq/controller/internal/queue"
)

// Periods and groupings.
var (
	Periods   = []string{"day", "week", "month"}
	Groupings = []string{"service", "window", "staff"}
)

// Query selects a report.
type Query struct {
	Period string    // day, week, month
	From   time.Time // any day of the period, hall time
	By     string    // service, window, staff
}

// Range is the period's first day and the day after its last, in loc.
func (q Query) Range(loc *time.Location) (from, to time.Time, err error) {
	d := q.From.In(loc)
	d = time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
	switch q.Period {
	case "day":
		return d, d.AddDate(0, 0, 1), nil
	case "week":
		back := (int(d.Weekday()) + 6) % 7 // days since Monday
		d = d.AddDate(0, 0, -back)
		return d, d.AddDate(0, 0, 7), nil
	case "month":
		d = time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, loc)
		return d, d.AddDate(0, 1, 0), nil
	}
	return d, d, fmt.Errorf("%w: period %q (day, week or month)", ErrBadQuery, q.Period)
}

// RatingsFunc lists the evaluations rated in [from, to): the evaluation
// service's Ratings with a time filter.
type RatingsFunc func(from, to time.Time) ([]hallproto.Evaluation, error)

// Source is what a report is computed from.
type Source struct {
	DB      *bbolt.DB
	Hall    queue.Config // names of services and windows, the closing time
	Loc     *time.Location
	Ratings RatingsFunc // nil: ratings unknown
	Now     time.Time   // open sessions end here at the latest
}

type acc struct {
	row      hallproto.ReportRow
	waits    []float64
	services []float64
}

type ticketState struct {
	service  string
	since    time.Time // issue or transfer
	called   bool
	calledAt time.Time
	started  time.Time
}

type session struct {
	staff string
	from  time.Time
}

// Generate computes a report.
func Generate(src Source, q Query) (hallproto.Report, error) {
	loc := src.Loc
	if !slices.Contains(Groupings, q.By) {
		return hallproto.Report{}, fmt.Errorf("%w: by %q (service, window or staff)", ErrBadQuery, q.By)
	}
	from, to, err := q.Range(loc)
	if err != nil {
		return hallproto.Report{}, err
	}
	now := src.Now
	if now.IsZero() {
		now = time.Now()
	}
	closeMin := 17 * 60
	if t, err := time.Parse("15:04", src.Hall.Hours.Close); err == nil {
		closeMin = t.Hour()*60 + t.Minute()
	}
	if src.Hall.Hours.Close == "24:00" {
		closeMin = 24 * 60
	}
	groups := map[string]*acc{}
	days := map[string]*acc{}
	total := &acc{}
	get := func(m map[string]*acc, k string) *acc {
		a := m[k]
		if a == nil {
			a = &acc{row: hallproto.ReportRow{Key: k}}
			m[k] = a
		}
		return a
	}
	key := func(service, window, staff string) string {
		switch q.By {
		case "service":
			return service
		case "window":
			return window
		}
		return staff
	}
	dayOf := func(t time.Time) string { return t.In(loc).Format(time.DateOnly) }
	tickets := map[uint64]*ticketState{}
	sessions := map[string]*session{} // by window
	// endSession books logged-in time to the window and staff groups, the
	// day and the total. A session left open over night ends at closing time.
	endSession := func(window string, at time.Time) {
		s := sessions[window]
		if s == nil {
			return
		}
		delete(sessions, window)
		st := s.from.In(loc)
		closing := time.Date(st.Year(), st.Month(), st.Day(), 0, 0, 0, 0, loc).Add(time.Duration(closeMin) * time.Minute)
		if at.After(closing) && closing.After(s.from) {
			at = closing
		}
		d := at.Sub(s.from).Seconds()
		if d <= 0 {
			return
		}
		if q.By != "service" {
			get(groups, key("", window, s.staff)).row.LoggedInSeconds += d
		}
		get(days, dayOf(s.from)).row.LoggedInSeconds += d
		total.row.LoggedInSeconds += d
	}
	each := func(service, window, staff string, at time.Time, f func(*acc)) {
		if k := key(service, window, staff); k != "" {
			f(get(groups, k))
		}
		f(get(days, dayOf(at)))
		f(total)
	}
	err = Scan(src.DB, from, to, func(e *queue.Event) {
		switch e.Type {
		case queue.EvIssued:
			since := e.At
			if !e.IssuedAt.IsZero() { // replayed from an offline kiosk
				since = e.IssuedAt
			}
			tickets[e.Ticket] = &ticketState{service: e.Service, since: since}
			if q.By == "service" {
				get(groups, e.Service).row.Issued++
			}
			get(days, dayOf(e.At)).row.Issued++
			total.row.Issued++
		case queue.EvTransferred:
			tickets[e.NewTicket] = &ticketState{service: e.ToService, since: e.At}
			delete(tickets, e.Ticket)
		case queue.EvCalled:
			t := tickets[e.Ticket]
			if t == nil || t.called {
				return
			}
			t.called, t.calledAt = true, e.At
			w := e.At.Sub(t.since).Seconds()
			each(t.service, e.Window, e.Staff, e.At, func(a *acc) {
				a.row.Called++
				a.waits = append(a.waits, w)
			})
			if q.By != "service" {
				if k := key("", e.Window, e.Staff); k != "" {
					get(groups, k).row.Issued++
				}
			}
		case queue.EvStarted:
			if t := tickets[e.Ticket]; t != nil {
				t.started = e.At
			}
		case queue.EvFinished:
			t := tickets[e.Ticket]
			if t == nil {
				return
			}
			begin := t.started
			if begin.IsZero() {
				begin = t.calledAt
			}
			s := 0.0
			if !begin.IsZero() {
				s = e.At.Sub(begin).Seconds()
			}
			each(t.service, e.Window, e.Staff, e.At, func(a *acc) {
				a.row.Served++
				a.services = append(a.services, s)
				a.row.ServingSeconds += s
			})
			delete(tickets, e.Ticket)
		case queue.EvNoShow:
			if t := tickets[e.Ticket]; t != nil {
				each(t.service, e.Window, e.Staff, e.At, func(a *acc) { a.row.NoShows++ })
			}
		case queue.EvCancelled:
			if t := tickets[e.Ticket]; t != nil {
				each(t.service, e.Window, e.Staff, e.At, func(a *acc) { a.row.Cancelled++ })
				delete(tickets, e.Ticket)
			}
		case queue.EvLoggedIn:
			endSession(e.Window, e.At)
			sessions[e.Window] = &session{staff: e.Staff, from: e.At}
		case queue.EvHandedOver:
			endSession(e.Window, e.At)
			sessions[e.Window] = &session{staff: e.Staff, from: e.At}
		case queue.EvLoggedOut:
			endSession(e.Window, e.At)
		case queue.EvDayRolled:
			for w := range sessions {
				endSession(w, e.At)
			}
		}
	})
	if err != nil {
		return hallproto.Report{}, err
	}
	end := to
	if now.Before(end) {
		end = now
	}
	for w := range sessions {
		endSession(w, end)
	}
	rep := hallproto.Report{Period: q.Period, By: q.By, From: from.Format(time.DateOnly),
		Until: to.AddDate(0, 0, -1).Format(time.DateOnly), GeneratedAt: now.In(loc), Rows: []hallproto.ReportRow{}, Days: []hallproto.ReportRow{}}
	if src.Ratings != nil {
		evs, err := src.Ratings(from, to)
		if err != nil {
			return hallproto.Report{}, fmt.Errorf("report: ratings: %w", err)
		}
		rep.RatingsKnown = true
		for _, ev := range evs {
			if ev.Rating < 1 || ev.Rating > 5 {
				continue
			}
			each(ev.Service, ev.Window, ev.Staff, ev.RatedAt, func(a *acc) { a.row.Ratings[ev.Rating]++ })
		}
	}
	names := map[string]string{}
	var order []string
	switch q.By {
	case "service":
		for _, s := range src.Hall.Services {
			names[s.ID] = s.Name
			order = append(order, s.ID)
		}
	case "window":
		for _, w := range src.Hall.Windows {
			names[w.ID] = w.Name
			order = append(order, w.ID)
		}
	}
	for k := range groups {
		if !slices.Contains(order, k) {
			order = append(order, k)
		}
	}
	if q.By == "staff" {
		slices.Sort(order)
	}
	for _, k := range order {
		a := groups[k]
		if a == nil {
			a = &acc{row: hallproto.ReportRow{Key: k}}
		}
		a.row.Name = names[k]
		if a.row.Name == "" {
			a.row.Name = k
		}
		rep.Rows = append(rep.Rows, finish(a))
	}
	for d := from; d.Before(to); d = d.AddDate(0, 0, 1) {
		k := d.Format(time.DateOnly)
		a := days[k]
		if a == nil {
			a = &acc{row: hallproto.ReportRow{Key: k}}
		}
		a.row.Name = k
		rep.Days = append(rep.Days, finish(a))
	}
	total.row.Name = "合计"
	rep.Total = finish(total)
	return rep, nil
}

// finish turns the collected samples into the row's figures.
func finish(a *acc) hallproto.ReportRow {
	r := a.row
	r.WaitMean, r.WaitP90, r.WaitMax = stats(a.waits)
	r.ServiceMean, r.ServiceP90, r.ServiceMax = stats(a.services)
	if n := len(a.waits); n > 0 {
		in := 0
		for _, w := range a.waits {
			if w <= 30*60 {
				in++
			}
		}
		r.Within30 = round(float64(in)/float64(n), 4)
	}
	if r.LoggedInSeconds > 0 {
		r.Utilisation = round(math.Min(r.ServingSeconds/r.LoggedInSeconds, 1), 4)
	}
	r.ServingSeconds, r.LoggedInSeconds = math.Round(r.ServingSeconds), math.Round(r.LoggedInSeconds)
	for _, c := range r.Ratings[1:] {
		r.RatingCount += c
	}
	if r.RatingCount > 0 {
		r.Satisfaction = round(float64(r.Ratings[3]+r.Ratings[4]+r.Ratings[5])/float64(r.RatingCount), 4)
	}
	return r
}

// stats: mean, 90th percentile (nearest rank) and maximum, in whole seconds.
func stats(xs []float64) (mean, p90, mx float64) {
	if len(xs) == 0 {
		return 0, 0, 0
	}
	slices.Sort(xs)
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	idx := int(math.Ceil(0.9*float64(len(xs)))) - 1
	return math.Round(sum / float64(len(xs))), math.Round(xs[max(idx, 0)]), math.Round(xs[len(xs)-1])
}

func round(x float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(x*p) / p
}
