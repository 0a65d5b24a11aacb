package idcard_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"hallq/drivers/idcard"
	"hallq/drivers/idcard/idcardtest"
	"hallq/drivers/serialport"
	"hallq/internal/pty"
)

type rig struct {
	dev    *idcard.Dev
	port   *serialport.Dev
	em     *idcardtest.Emulator
	pair   *pty.Pair
	link   string
	wg     sync.WaitGroup
	ctx    context.Context
	runErr chan error
}

// newRig starts an emulator on a pty and opens the driver on a stable
// symlink to the slave, as /dev/serial/by-id would be.
func newRig(t testing.TB, eo *idcardtest.Opts, do *idcard.Opts) *rig {
	t.Helper()
	p, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{pair: p, link: filepath.Join(t.TempDir(), "usb-SAM_reader-if00"), runErr: make(chan error, 4)}
	if err := os.Symlink(p.SlavePath, r.link); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.ctx = ctx
	r.em = idcardtest.NewEmulator(p.Master, eo)
	r.start()
	r.port, err = serialport.New(r.link, &serialport.Opts{BackoffMin: 20 * time.Millisecond, BackoffMax: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if do == nil {
		do = &idcard.Opts{}
	}
	o := *do
	if o.Now == nil {
		o.Now = func() time.Time { return refNow }
	}
	if o.PollInterval == 0 {
		o.PollInterval = 20 * time.Millisecond
	}
	if o.CmdTimeout == 0 {
		// Far above the emulator's answer time: the shared CI machine is
		// CPU-throttled and a tight timeout would report a healthy reader lost.
		o.CmdTimeout = time.Second
	}
	r.dev, err = idcard.New(r.port, &o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		r.wg.Wait()
		r.port.Close()
		r.pair.Close()
	})
	return r
}

func (r *rig) start() {
	r.wg.Add(1)
	go func() { defer r.wg.Done(); r.runErr <- r.em.Run(r.ctx) }()
}

// replug simulates unplugging the reader and plugging it back in: a new pty
// behind the same stable name.
func (r *rig) replug(t testing.TB) {
	t.Helper()
	r.pair.Close()
	p, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	r.pair = p
	os.Remove(r.link)
	if err := os.Symlink(p.SlavePath, r.link); err != nil {
		t.Fatal(err)
	}
	r.em.SetPort(p.Master)
	r.start()
}

func ctxT(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func TestReadEverySample(t *testing.T) {
	r := newRig(t, nil, nil)
	ctx := ctxT(t, 10*time.Second)
	if _, err := r.dev.Probe(ctx); err != nil {
		t.Fatal(err)
	}
	if id, err := r.dev.ModuleID(ctx); err != nil || len(id) != 16 {
		t.Fatalf("module id: %v", err)
	}
	for _, name := range idcardtest.SampleNames {
		c := idcardtest.Sample(name, refNow)
		r.em.PlaceCard(c)
		id, err := r.dev.ReadCard(ctx)
		switch name {
		case idcardtest.Expired:
			if !errors.Is(err, idcard.ErrExpired) || id == nil {
				t.Fatalf("%s: %v", name, err)
			}
		case idcardtest.BadNumber:
			if !errors.Is(err, idcard.ErrInvalidNumber) || id == nil {
				t.Fatalf("%s: %v", name, err)
			}
		default:
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		want := *c.Identity
		want.Photo = nil
		if !sameIdentity(id, &want) || string(id.Photo) != string(c.Identity.Photo) || string(id.ChipSerial) != string(c.ChipSerial[:]) {
			t.Fatalf("%s: got %s", name, dump(id))
		}
		// The card halts after a read: find answers "no card".
		if err := r.dev.FindCard(ctx); !errors.Is(err, idcard.ErrNoCard) {
			t.Fatalf("%s: find after read: %v", name, err)
		}
	}
	addr, err := func() (string, error) {
		r.em.PlaceCard(idcardtest.Sample(idcardtest.Adult, refNow))
		return r.dev.ReadAddress(ctx)
	}()
	if err != nil || addr != idcardtest.Sample(idcardtest.Adult, refNow).Address {
		t.Fatalf("appended address: %v", err)
	}
	r.em.PlaceCard(idcardtest.Sample(idcardtest.Elder, refNow))
	if _, err := r.dev.ReadAddress(ctx); !errors.Is(err, idcard.ErrNoContent) {
		t.Fatalf("no appended address: %v", err)
	}
	r.em.RemoveCard()
	if _, err := r.dev.ReadCard(ctx); !errors.Is(err, idcard.ErrNoCard) {
		t.Fatalf("no card: %v", err)
	}
}

func TestFaults(t *testing.T) {
	for _, tc := range []struct {
		name    string
		fault   idcardtest.Fault
		want    error // nil: the driver recovers (resync or retry)
		retries int
	}{
		{"garbage", idcardtest.Fault{Kind: idcardtest.Garbage}, nil, 0},
		{"split", idcardtest.Fault{Kind: idcardtest.Split}, nil, 0},
		{"duplicate", idcardtest.Fault{Kind: idcardtest.Duplicate}, nil, 0},
		{"slow within timeout", idcardtest.Fault{Kind: idcardtest.Slow, Delay: 100 * time.Millisecond}, nil, 0},
		{"one bad checksum", idcardtest.Fault{Kind: idcardtest.BadChecksum, Count: 1}, nil, 0},
		{"one silence", idcardtest.Fault{Kind: idcardtest.Silent, Count: 1}, nil, 0},
		{"bad checksums", idcardtest.Fault{Kind: idcardtest.BadChecksum}, idcard.ErrChecksum, 0},
		{"silent", idcardtest.Fault{Kind: idcardtest.Silent}, idcard.ErrTimeout, 0},
		{"too slow", idcardtest.Fault{Kind: idcardtest.Slow, Delay: 1500 * time.Millisecond}, idcard.ErrTimeout, -1},
		{"truncated", idcardtest.Fault{Kind: idcardtest.Truncate}, idcard.ErrTimeout, 0},
		{"card moved", idcardtest.Fault{Kind: idcardtest.ReadFails}, idcard.ErrReadFailed, 0},
		{"fake card", idcardtest.Fault{Kind: idcardtest.AuthFails}, idcard.ErrCardAuth, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel() // each case has its own pty; most of the time is waiting
			retries := 1
			if tc.retries < 0 {
				retries = 0
			}
			r := newRig(t, nil, &idcard.Opts{Retries: retries, ReadTimeout: time.Second})
			r.em.PlaceCard(idcardtest.Sample(idcardtest.Adult, refNow))
			r.em.SetFault(tc.fault)
			start := time.Now()
			id, err := r.dev.ReadCard(ctxT(t, 15*time.Second))
			if el := time.Since(start); el > 8*time.Second { // generous: the CI machine is shared
				t.Errorf("took %v", el)
			}
			if tc.want == nil {
				if err != nil || id == nil || id.Name != "李明华" {
					t.Fatalf("not recovered: %v", err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v want %v", err, tc.want)
			}
			if idcard.Message(err) == "" {
				t.Fatal("no message for the UI")
			}
		})
	}
}

func TestProbeBaud(t *testing.T) {
	r := newRig(t, &idcardtest.Opts{ModuleBaud: 9600}, &idcard.Opts{CmdTimeout: 600 * time.Millisecond, Retries: 0})
	b, err := r.dev.Probe(ctxT(t, 5*time.Second))
	if err != nil || b != 9600 {
		t.Fatalf("probe: %d %v", b, err)
	}
	r2 := newRig(t, &idcardtest.Opts{ModuleBaud: 4800}, &idcard.Opts{CmdTimeout: 600 * time.Millisecond, Retries: 0})
	if _, err := r2.dev.Probe(ctxT(t, 5*time.Second)); !errors.Is(err, idcard.ErrNoBaud) {
		t.Fatalf("deaf module: %v", err)
	}
}

type recorder struct {
	mu sync.Mutex
	ev []idcard.Event
	ch chan idcard.Event
}

func (r *recorder) emit(e idcard.Event) {
	r.mu.Lock()
	r.ev = append(r.ev, e)
	r.mu.Unlock()
	r.ch <- e
}

func (r *recorder) want(t *testing.T, k idcard.EventKind) idcard.Event {
	t.Helper()
	select {
	case e := <-r.ch:
		if e.Kind != k {
			t.Fatalf("event %v (%v), want %v", e.Kind, e.Err, k)
		}
		return e
	case <-time.After(5 * time.Second):
		t.Fatalf("no %v event", k)
	}
	return idcard.Event{}
}

func (r *recorder) none(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case e := <-r.ch:
		t.Fatalf("unexpected event %v (%v)", e.Kind, e.Err)
	case <-time.After(d):
	}
}

func TestStateMachine(t *testing.T) {
	r := newRig(t, nil, &idcard.Opts{Retries: 0, ReadTimeout: time.Second})
	rec := &recorder{ch: make(chan idcard.Event, 16)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.dev.Run(ctx, rec.emit) }()
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(3 * time.Second):
			t.Error("Run did not stop")
		}
	}()

	rec.none(t, 100*time.Millisecond)
	r.em.PlaceCard(idcardtest.Sample(idcardtest.Elder, refNow))
	e := rec.want(t, idcard.CardRead)
	if e.Err != nil || e.Identity.Age(refNow) != 72 {
		t.Fatalf("elder: %v", e.Err)
	}
	// The card stays on the reader: no second read.
	rec.none(t, 200*time.Millisecond)
	r.em.RemoveCard()
	rec.want(t, idcard.CardRemoved)

	r.em.PlaceCard(idcardtest.Sample(idcardtest.Expired, refNow))
	e = rec.want(t, idcard.CardRead)
	if !errors.Is(e.Err, idcard.ErrExpired) || idcard.Message(e.Err) != "身份证已过期，请使用有效证件" {
		t.Fatalf("expired: %v", e.Err)
	}
	// Swapping cards without a pause is seen as removal then a new card.
	r.em.PlaceCard(idcardtest.Sample(idcardtest.HongKong, refNow))
	rec.want(t, idcard.CardRemoved)
	if e = rec.want(t, idcard.CardRead); e.Identity.Type != idcard.ResidencePermit {
		t.Fatalf("permit: %v", e.Identity)
	}
	r.em.RemoveCard()
	rec.want(t, idcard.CardRemoved)

	// Card pulled away mid-read: reported, then read again once it is steady.
	r.em.SetFault(idcardtest.Fault{Kind: idcardtest.ReadFails, Count: 1})
	r.em.PlaceCard(idcardtest.Sample(idcardtest.Child, refNow))
	e = rec.want(t, idcard.CardFailed)
	if idcard.Message(e.Err) != "请重新放置身份证" {
		t.Fatalf("message %q", idcard.Message(e.Err))
	}
	r.em.PlaceCard(idcardtest.Sample(idcardtest.Child, refNow))
	rec.want(t, idcard.CardRead)
	r.em.RemoveCard()
	rec.want(t, idcard.CardRemoved)

	// The module goes silent, then answers again.
	r.em.SetFault(idcardtest.Fault{Kind: idcardtest.Silent})
	rec.want(t, idcard.ReaderLost)
	r.em.SetFault(idcardtest.Fault{})
	rec.want(t, idcard.ReaderBack)

	// Unplugged mid-frame and plugged back in under the same name.
	r.em.SetFault(idcardtest.Fault{Kind: idcardtest.Hangup, Count: 1})
	e = rec.want(t, idcard.ReaderLost)
	if err := <-r.runErr; !errors.Is(err, idcardtest.ErrHungUp) {
		t.Fatalf("emulator: %v", err)
	}
	r.replug(t)
	rec.want(t, idcard.ReaderBack)
	r.em.PlaceCard(idcardtest.Sample(idcardtest.Foreign, refNow))
	if e = rec.want(t, idcard.CardRead); e.Identity.EnglishName != "SMITH, JOHN" {
		t.Fatalf("after replug: %v", e.Identity)
	}
}
