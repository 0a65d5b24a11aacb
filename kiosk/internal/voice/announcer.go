package voice

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Announcement is one call ready to speak.
type Announcement struct {
	ID     int64
	Call   Call
	Text   string   // 请A023号到3号窗口办理
	Spoken string   // 请 A 零二三 号 到 三 号窗口办理
	Words  []string // clip keys
	Queued time.Time
}

// NewAnnouncement derives the texts of a call.
func NewAnnouncement(c Call) (*Announcement, error) {
	a := &Announcement{Call: c}
	var err error
	if a.Text, err = Text(c); err != nil {
		return nil, err
	}
	if a.Spoken, err = Spoken(c); err != nil {
		return nil, err
	}
	if a.Words, err = Words(c); err != nil {
		return nil, err
	}
	return a, nil
}

// Speaker speaks one announcement to the end. Pipeline is the usual one.
type Speaker interface {
	Speak(ctx context.Context, a *Announcement) error
}

// Outcome is what became of an announcement.
type Outcome string

// Outcomes.
const (
	OutcomeSpoken  Outcome = "spoken"
	OutcomeDropped Outcome = "dropped" // waited longer than MaxAge
	OutcomeFailed  Outcome = "failed"
)

// Record is one line of the announcer's history (the demo lists it).
type Record struct {
	Announcement
	Outcome Outcome
	Err     string
	At      time.Time
}

// Opts configure an Announcer.
type Opts struct {
	// MaxAge drops a call not yet spoken this long after it was made: a
	// citizen hearing a minute-old call walks to a window already serving
	// someone else.
	MaxAge time.Duration
	// Times each announcement is said (halls often say it twice); while
	// other calls wait, each is said once.
	Times int
	// Pause between two sayings and two announcements.
	Pause time.Duration
	// MaxQueue bounds the queue; when full the oldest waiting item goes.
	MaxQueue int
	// History is how many records History keeps.
	History int
	Now     func() time.Time
	Logger  *slog.Logger
	// OnDone is called after each announcement, from the speaking goroutine.
	OnDone func(Record)
}

// DefaultOpts are the announcer's defaults.
var DefaultOpts = Opts{MaxAge: 60 * time.Second, Times: 1, Pause: 400 * time.Millisecond, MaxQueue: 64, History: 20}

// Announcer speaks announcements one at a time, in the order they were
// queued. It is safe for concurrent use; Run is its one speaking goroutine,
// so two announcements can never overlap.
type Announcer struct {
	sp Speaker
	o  Opts

	mu      sync.Mutex
	queue   []*Announcement
	history []Record
	nextID  int64
	closed  bool
	wake    chan struct{}
}

// NewAnnouncer returns an announcer speaking through sp; start Run.
func NewAnnouncer(sp Speaker, o *Opts) *Announcer {
	opts := DefaultOpts
	if o != nil {
		opts = *o
	}
	d := DefaultOpts
	if opts.MaxAge <= 0 {
		opts.MaxAge = d.MaxAge
	}
	if opts.Times <= 0 {
		opts.Times = d.Times
	}
	if opts.Pause < 0 {
		opts.Pause = 0
	}
	if opts.MaxQueue <= 0 {
		opts.MaxQueue = d.MaxQueue
	}
	if opts.History <= 0 {
		opts.History = d.History
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Announcer{sp: sp, o: opts, wake: make(chan struct{}, 1)}
}

// String names the announcer for logs.
func (a *Announcer) String() string { return fmt.Sprintf("voice.Announcer(%T)", a.sp) }

// Announce queues a call (a recall is queued again: it is said again). It
// never blocks.
func (a *Announcer) Announce(c Call) (*Announcement, error) {
	an, err := NewAnnouncement(c)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return nil, ErrClosed
	}
	a.nextID++
	an.ID, an.Queued = a.nextID, a.o.Now()
	if an.Call.At.IsZero() {
		an.Call.At = an.Queued
	}
	var dropped *Announcement
	if len(a.queue) >= a.o.MaxQueue {
		dropped, a.queue = a.queue[0], a.queue[1:]
	}
	a.queue = append(a.queue, an)
	a.mu.Unlock()
	if dropped != nil {
		a.done(dropped, OutcomeDropped, fmt.Errorf("voice: queue full (%d waiting)", a.o.MaxQueue))
	}
	select {
	case a.wake <- struct{}{}:
	default:
	}
	return an, nil
}

// Pending is how many announcements wait.
func (a *Announcer) Pending() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.queue)
}

// History returns the latest records, newest last.
func (a *Announcer) History() []Record {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]Record(nil), a.history...)
}

func (a *Announcer) done(an *Announcement, o Outcome, err error) {
	r := Record{Announcement: *an, Outcome: o, At: a.o.Now()}
	if err != nil {
		r.Err = err.Error()
	}
	a.mu.Lock()
	a.history = append(a.history, r)
	if len(a.history) > a.o.History {
		a.history = a.history[len(a.history)-a.o.History:]
	}
	a.mu.Unlock()
	if o != OutcomeSpoken {
		// Only the ticket number and window: no personal data in calls.
		a.o.Logger.Warn("voice: announcement not spoken", "ticket", an.Call.Number, "window", an.Call.Window,
			"outcome", string(o), "err", r.Err)
	}
	if a.o.OnDone != nil {
		a.o.OnDone(r)
	}
}

// next takes the oldest announcement that is still fresh.
func (a *Announcer) next() *Announcement {
	for {
		a.mu.Lock()
		if len(a.queue) == 0 {
			a.mu.Unlock()
			return nil
		}
		an := a.queue[0]
		a.queue[0] = nil
		a.queue = a.queue[1:]
		a.mu.Unlock()
		if a.o.Now().Sub(an.Call.At) > a.o.MaxAge {
			a.done(an, OutcomeDropped, fmt.Errorf("voice: call %s is %s old", an.Call.Number, a.o.Now().Sub(an.Call.At).Round(time.Second)))
			continue
		}
		return an
	}
}

// Run speaks until ctx ends; then the announcer refuses new calls.
func (a *Announcer) Run(ctx context.Context) error {
	defer func() {
		a.mu.Lock()
		a.closed = true
		a.mu.Unlock()
	}()
	for {
		an := a.next()
		if an == nil {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-a.wake:
				continue
			}
		}
		// In a burst, each call is said once so that the last one is not
		// minutes late; a call alone is said Times times.
		times := a.o.Times
		if a.Pending() > 0 {
			times = 1
		}
		var err error
		for i := range times {
			if i > 0 && !sleep(ctx, a.o.Pause) {
				break
			}
			if err = a.sp.Speak(ctx, an); err != nil {
				break
			}
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			a.done(an, OutcomeFailed, err)
		} else {
			a.done(an, OutcomeSpoken, nil)
		}
		if !sleep(ctx, a.o.Pause) {
			return ctx.Err()
		}
	}
}

func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
