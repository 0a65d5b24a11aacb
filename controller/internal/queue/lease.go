package queue

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Offline tickets (architecture.md decision 5). A kiosk leases a block of
// numbers of one service in advance; the hall's own issuing skips them. While
// the controller is unreachable the kiosk issues from the block and later
// replays each ticket with the time it was issued, so that the ticket takes
// the place in the line that its issue time earned. Leases and replays are
// events, so they survive restarts like everything else.

// Lease limits.
const (
	// MaxLeaseCount bounds the numbers of one lease.
	MaxLeaseCount = 200
	// MaxLeasesPerDevice bounds the live leases of one device for one
	// service: the one in use and the next one fetched ahead.
	MaxLeasesPerDevice = 2
	// LeaseSkew is the clock difference tolerated between a kiosk and the
	// controller when checking a replayed ticket's issue time.
	LeaseSkew = 5 * time.Minute
)

// Lease is a block of numbers First..Last of a service reserved for one
// device. It is active until Ended is set (at Expires, or when the business
// day rolls over, which drops it altogether); numbers not used by then
// return to the service.
type Lease struct {
	ID      uint64    `json:"id"`
	Device  string    `json:"device"`
	Service string    `json:"service"`
	First   int       `json:"first"`
	Last    int       `json:"last"`
	Granted time.Time `json:"granted"`
	Expires time.Time `json:"expires"`
	Ended   time.Time `json:"ended,omitzero"`
	// Used lists the numbers replayed so far: each is accepted once.
	Used []int `json:"used,omitempty"`
}

// Active reports whether the lease still reserves its unused numbers.
func (l *Lease) Active() bool { return l.Ended.IsZero() }

// leaseBook is the hall's lease state.
type leaseBook struct {
	m      map[uint64]*Lease
	held   map[string]uint64 // unused number of an active lease -> lease
	nextID uint64
}

func (b *leaseBook) init() {
	if b.m == nil {
		b.m, b.held = map[uint64]*Lease{}, map[string]uint64{}
	}
}

// holds reports whether an active lease reserves the number.
func (b *leaseBook) holds(number string) bool {
	_, ok := b.held[number]
	return ok
}

func (b *leaseBook) reset() {
	b.m, b.held = nil, nil
}

// leaseSnapshot is the lease state in a snapshot.
type leaseSnapshot struct {
	NextID uint64   `json:"next_id"`
	Leases []*Lease `json:"leases"`
}

func (h *Hall) leaseSnapshot() *leaseSnapshot {
	if len(h.leases.m) == 0 && h.leases.nextID == 0 {
		return nil
	}
	s := &leaseSnapshot{NextID: h.leases.nextID}
	for _, l := range h.leases.m {
		s.Leases = append(s.Leases, l)
	}
	sort.Slice(s.Leases, func(i, j int) bool { return s.Leases[i].ID < s.Leases[j].ID })
	return s
}

func (h *Hall) restoreLeases(s *leaseSnapshot) {
	if s == nil {
		return
	}
	h.leases.nextID = s.NextID
	for _, l := range s.Leases {
		if l == nil || h.services[l.Service] == nil {
			continue
		}
		h.addLease(l)
	}
}

// addLease records a lease and reserves its unused numbers while active.
func (h *Hall) addLease(l *Lease) {
	h.leases.init()
	h.leases.m[l.ID] = l
	if l.ID >= h.leases.nextID {
		h.leases.nextID = l.ID + 1
	}
	if !l.Active() {
		return
	}
	s := h.services[l.Service]
	for n := l.First; n <= l.Last; n++ {
		if !slices.Contains(l.Used, n) {
			h.leases.held[formatNumber(s.cfg.Prefix, n, s.cfg.Last)] = l.ID
		}
	}
}

// Leases lists today's leases by id. The values are copies.
func (h *Hall) Leases() []Lease {
	out := make([]Lease, 0, len(h.leases.m))
	for _, l := range h.leases.m {
		c := *l
		c.Used = slices.Clone(l.Used)
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// LeaseByID returns a copy of a lease of today.
func (h *Hall) LeaseByID(id uint64) (Lease, bool) {
	l := h.leases.m[id]
	if l == nil {
		return Lease{}, false
	}
	c := *l
	c.Used = slices.Clone(l.Used)
	return c, true
}

// LeaseNumber formats number n of a service as printed ("A023"), and
// reports the digits used.
func (h *Hall) LeaseNumber(service string, n int) (string, int) {
	s := h.services[service]
	if s == nil {
		return "", 0
	}
	num := formatNumber(s.cfg.Prefix, n, s.cfg.Last)
	return num, len(num) - len(s.cfg.Prefix)
}

// LeaseArgs asks for a lease.
type LeaseArgs struct {
	Device  string
	Service string
	Count   int
	// TTL is how long the kiosk may issue from the lease; the lease ends at
	// the end of the business day in any case.
	TTL time.Duration
}

// GrantLease reserves Count consecutive free numbers of the service for a
// device. On error nothing changed.
func (h *Hall) GrantLease(now time.Time, a LeaseArgs) (*Lease, error) {
	h.Tick(now)
	now = h.clock(now)
	s := h.services[a.Service]
	if s == nil {
		return nil, errf(ErrUnknownService, "没有业务 %q", "unknown service %q", a.Service, a.Service)
	}
	if a.Device == "" {
		return nil, errf(ErrInvalid, "缺少设备编号", "device missing")
	}
	if err := checkText("device", a.Device, 64); err != nil {
		return nil, err
	}
	span := s.cfg.Last - s.cfg.First + 1
	if a.Count < 1 || a.Count > MaxLeaseCount || a.Count > span/2 {
		limit := min(MaxLeaseCount, span/2)
		return nil, errf(ErrInvalid, "租用数量须为 1 至 %d", "count must be 1 to %d", limit, limit)
	}
	if a.TTL <= 0 {
		return nil, errf(ErrInvalid, "租约有效期无效", "lease TTL must be positive")
	}
	live := 0
	for _, l := range h.leases.m {
		if l.Active() && l.Device == a.Device && l.Service == a.Service {
			live++
		}
	}
	if live >= MaxLeasesPerDevice {
		return nil, errf(ErrLeaseLimit, "设备 %s 的业务 %s 已有 %d 个有效号段", "device %s holds %d live leases for %s",
			a.Device, a.Service, live, a.Device, live, a.Service)
	}
	first, ok := h.freeBlock(s, a.Count)
	if !ok {
		return nil, errf(ErrNumbersExhausted, "业务 %s 没有 %d 个连续空闲号码", "no %d consecutive free numbers in %s",
			s.cfg.Name, a.Count, a.Count, a.Service)
	}
	expires := now.Add(a.TTL)
	if end := h.dayEnd(now); end.Before(expires) {
		expires = end
	}
	id := h.leases.nextID
	if id == 0 {
		id = 1
	}
	h.emit(Event{Type: EvLeased, At: now, Lease: id, Service: a.Service, Num: first, LastNum: first + a.Count - 1,
		Source: a.Device, Expires: expires})
	l, _ := h.LeaseByID(id)
	return &l, nil
}

// dayEnd is the next local midnight, when the day rolls over.
func (h *Hall) dayEnd(now time.Time) time.Time {
	l := now.In(h.loc)
	return time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, h.loc)
}

// freeBlock finds count consecutive numbers held by no live ticket and no
// lease, from the service's next number on, wrapping once.
func (h *Hall) freeBlock(s *service, count int) (int, bool) {
	span := s.cfg.Last - s.cfg.First + 1
	start := s.next
	if start < s.cfg.First || start > s.cfg.Last {
		start = s.cfg.First
	}
	run, runStart := 0, 0
	for i := 0; i < span+count; i++ {
		n := s.cfg.First + (start-s.cfg.First+i)%span
		if n == s.cfg.First {
			run = 0 // a block does not wrap around the end of the range
		}
		number := formatNumber(s.cfg.Prefix, n, s.cfg.Last)
		_, held := h.numbers[number]
		if held || h.leases.holds(number) {
			run = 0
			continue
		}
		if run == 0 {
			runStart = n
		}
		run++
		if run == count {
			return runStart, true
		}
	}
	return 0, false
}

// expireLeases ends the leases whose time is up; Tick calls it.
func (h *Hall) expireLeases(now time.Time) {
	var due []uint64
	for id, l := range h.leases.m {
		if l.Active() && !now.Before(l.Expires) {
			due = append(due, id)
		}
	}
	slices.Sort(due) // map order must not leak into the log
	for _, id := range due {
		h.emit(Event{Type: EvLeaseEnded, At: now, Lease: id, Service: h.leases.m[id].Service, Reason: "expired"})
	}
}

func (h *Hall) applyLeased(e *Event) error {
	s := h.services[e.Service]
	if s == nil {
		return fmt.Errorf("unknown service %q", e.Service)
	}
	if _, dup := h.leases.m[e.Lease]; dup {
		return fmt.Errorf("lease %d granted twice", e.Lease)
	}
	if e.Num < s.cfg.First || e.LastNum > s.cfg.Last || e.LastNum < e.Num {
		return fmt.Errorf("lease %d: block %d-%d outside the range", e.Lease, e.Num, e.LastNum)
	}
	h.addLease(&Lease{ID: e.Lease, Device: e.Source, Service: e.Service, First: e.Num, Last: e.LastNum,
		Granted: e.At, Expires: e.Expires})
	s.next = e.LastNum + 1
	if s.next > s.cfg.Last {
		s.next = s.cfg.First
	}
	return nil
}

func (h *Hall) applyLeaseEnded(e *Event) error {
	l := h.leases.m[e.Lease]
	if l == nil {
		return fmt.Errorf("unknown lease %d", e.Lease)
	}
	if !l.Active() {
		return fmt.Errorf("lease %d ended twice", e.Lease)
	}
	l.Ended = e.At
	for num, id := range h.leases.held {
		if id == l.ID {
			delete(h.leases.held, num)
		}
	}
	return nil
}

// useLeased marks a replayed number used; applyIssued calls it.
func (h *Hall) useLeased(e *Event) error {
	l := h.leases.m[e.Lease]
	if l == nil {
		return fmt.Errorf("unknown lease %d", e.Lease)
	}
	if e.Num < l.First || e.Num > l.Last || slices.Contains(l.Used, e.Num) {
		return fmt.Errorf("lease %d: number %d outside or used", e.Lease, e.Num)
	}
	l.Used = append(l.Used, e.Num)
	if h.leases.held[e.Number] == l.ID {
		delete(h.leases.held, e.Number)
	}
	return nil
}

// ReplayArgs is a ticket a kiosk issued from a lease while offline.
type ReplayArgs struct {
	Lease    uint64
	Number   string // as printed, "A023"
	Service  string // must be the lease's; empty: the lease's
	Device   string // must be the lease's when given
	Channel  *Channel
	Category string
	Identity *Identity
	IssuedAt time.Time
}

// Replay merges a ticket issued offline from a lease. The ticket arrives
// at IssuedAt, so it takes the place in line its issue time earned. It is
// accepted even when the same person now holds another waiting ticket for
// the service (the citizen holds this one printed): duplicate reports it,
// and the ticket is flagged. Offline a kiosk can verify no appointment and
// grant no green channel: those become normal tickets, as does a love
// channel without an age or a declared category to back it. On error
// nothing changed.
func (h *Hall) Replay(now time.Time, a ReplayArgs) (t *Ticket, duplicate bool, err error) {
	h.Tick(now)
	now = h.clock(now)
	l := h.leases.m[a.Lease]
	if l == nil {
		return nil, false, errf(ErrLeaseUnknown, "没有号段租约 %d（或已不是今日租约）", "unknown lease %d (or not of today)", a.Lease, a.Lease)
	}
	if (a.Service != "" && a.Service != l.Service) || (a.Device != "" && a.Device != l.Device) {
		return nil, false, errf(ErrInvalid, "号段租约 %d 属于设备 %s 的业务 %s", "lease %d belongs to device %s, service %s",
			l.ID, l.Device, l.Service, l.ID, l.Device, l.Service)
	}
	s := h.services[l.Service]
	if s == nil { // the service was removed by a reconfiguration
		return nil, false, errf(ErrLeaseUnknown, "号段租约 %d 的业务已停用", "lease %d: its service is gone", a.Lease, a.Lease)
	}
	n, ok := parseNumber(s, a.Number)
	if !ok || n < l.First || n > l.Last {
		lo, _ := h.LeaseNumber(l.Service, l.First)
		hi, _ := h.LeaseNumber(l.Service, l.Last)
		return nil, false, errf(ErrLeaseRange, "号码 %q 不在号段 %s-%s 内", "number %q is outside the lease %s-%s",
			a.Number, lo, hi, a.Number, lo, hi)
	}
	number := formatNumber(s.cfg.Prefix, n, s.cfg.Last)
	if slices.Contains(l.Used, n) {
		return nil, false, errf(ErrLeaseNumberUsed, "号码 %s 已补录", "number %s was already replayed", number, number)
	}
	if a.IssuedAt.IsZero() || a.IssuedAt.Before(l.Granted.Add(-LeaseSkew)) || a.IssuedAt.After(now.Add(LeaseSkew)) {
		return nil, false, errf(ErrInvalid, "取号时间不在租约期间", "issued_at is outside the lease's time")
	}
	if a.IssuedAt.After(l.Expires.Add(LeaseSkew)) {
		return nil, false, errf(ErrLeaseExpired, "号码 %s 在租约过期后发出", "number %s was issued after the lease expired", number, number)
	}
	if id, held := h.numbers[number]; held {
		// Possible only after the lease ended and its numbers returned.
		return nil, false, errf(ErrLeaseNumberUsed, "号码 %s 已被号票 %d 占用", "number %s is held by ticket %d", number, id, number, id)
	}
	if a.Category != "" && (checkText("category", a.Category, 64) != nil || !slices.Contains(h.cfg.Channels.LoveCategories, a.Category)) {
		a.Category = "" // a printed ticket is not refused for a kiosk's bad category
	}
	ageLove := false
	if a.Identity != nil {
		age := AgeOn(a.Identity.Birth, a.IssuedAt)
		if age < 0 || age > 150 {
			return nil, false, errf(ErrBadIDCard, "出生日期无效", "birth date out of range")
		}
		ageLove = age >= h.cfg.Channels.LoveAgeFrom || (h.cfg.Channels.LoveAgeUnder > 0 && age < h.cfg.Channels.LoveAgeUnder)
	}
	ch, verified, category := Normal, false, ""
	wantLove := a.Channel == nil || *a.Channel == Love
	switch {
	case wantLove && ageLove && s.accepts[Love]:
		ch, verified, category = Love, true, a.Category
	case wantLove && a.Category != "" && s.accepts[Love]:
		ch, category = Love, a.Category
	}
	var person, masked, flag string
	if a.Identity != nil {
		person, masked = a.Identity.Person, a.Identity.MaskedName
		if id, ok := h.persons[person+"|"+s.cfg.ID]; ok && h.cfg.Channels.OnePerPerson {
			if old := h.tickets[id]; old != nil && old.Status.Live() {
				duplicate, flag = true, FlagOfflineDuplicate
			}
		}
	}
	since := a.IssuedAt
	if since.After(now) {
		since = now
	}
	tid := h.nextID
	if tid == 0 {
		tid = 1
	}
	h.emit(Event{Type: EvIssued, At: now, Ticket: tid, Number: number, Num: n, Service: s.cfg.ID, Channel: ch,
		Since: since, Category: category, Verified: verified, Person: person, MaskedName: masked, Source: l.Device,
		Lease: l.ID, IssuedAt: a.IssuedAt, Flag: flag})
	return h.tickets[tid], duplicate, nil
}

// FlagOfflineDuplicate marks a replayed ticket whose holder already had a
// waiting ticket for the service: staff decide which one to serve.
const FlagOfflineDuplicate = "offline_duplicate"

// parseNumber reads a printed number of the service ("A023" -> 23); the
// text must be exactly as the hall prints it.
func parseNumber(s *service, number string) (int, bool) {
	digits, ok := strings.CutPrefix(number, s.cfg.Prefix)
	if !ok || digits == "" {
		return 0, false
	}
	n, err := strconv.Atoi(digits)
	if err != nil || n < s.cfg.First || n > s.cfg.Last || formatNumber(s.cfg.Prefix, n, s.cfg.Last) != number {
		return 0, false
	}
	return n, true
}
