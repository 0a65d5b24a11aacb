package queue

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

func mustLease(t *testing.T, h *Hall, at time.Time, a LeaseArgs) *Lease {
	t.Helper()
	if a.TTL == 0 {
		a.TTL = 2 * time.Hour
	}
	l, err := h.GrantLease(at, a)
	if err != nil {
		t.Fatalf("lease %+v: %v", a, err)
	}
	return l
}

// rebuilt replays every event the hall emitted into a fresh hall, as the
// controller does after a restart, and compares the snapshots.
func checkRebuild(t *testing.T, h *Hall, log []Event) {
	t.Helper()
	h2, err := New(testConfig(), []byte("k"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range log {
		b, err := EncodeRecord(&e)
		if err != nil {
			t.Fatal(err)
		}
		d, err := DecodeRecord(b)
		if err != nil {
			t.Fatalf("event %d (%s) does not decode: %v", e.Seq, e.Type, err)
		}
		if err := h2.Apply(d); err != nil {
			t.Fatalf("replay: %v", err)
		}
	}
	s1, _ := h.Snapshot()
	s2, _ := h2.Snapshot()
	if !bytes.Equal(normSnap(t, s1), normSnap(t, s2)) {
		t.Fatalf("state rebuilt from the log differs:\n%s\n%s", s1, s2)
	}
	h3, _ := New(testConfig(), []byte("k"))
	if err := h3.Restore(s1); err != nil {
		t.Fatal(err)
	}
	s3, _ := h3.Snapshot()
	if !bytes.Equal(normSnap(t, s1), normSnap(t, s3)) {
		t.Fatalf("state restored from a snapshot differs:\n%s\n%s", s1, s3)
	}
}

// normSnap sorts the tickets of a snapshot (kept in map order).
func normSnap(t *testing.T, b []byte) []byte {
	t.Helper()
	h, _ := New(testConfig(), []byte("k"))
	if err := h.Restore(b); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	for id := uint64(0); id < h.nextID+1; id++ {
		if tk := h.tickets[id]; tk != nil {
			out.WriteString(tk.Number + tk.Status.String() + tk.Since.UTC().String() + tk.Flag + "\n")
		}
	}
	for _, l := range h.Leases() {
		out.WriteString(l.Device + l.Service + l.Ended.UTC().String())
		for _, n := range l.Used {
			out.WriteByte(byte(n))
		}
	}
	for num := range h.numbers {
		if h.leases.holds(num) {
			out.WriteString("both " + num)
		}
	}
	out.WriteString(h.day)
	return out.Bytes()
}

func TestLeaseReservesNumbers(t *testing.T) {
	h := newHall(t)
	var log []Event
	take := func() { log = append(log, h.TakeEvents()...) }
	take()
	a := mustIssue(t, h, t0, IssueArgs{Service: "social"})
	l := mustLease(t, h, t0, LeaseArgs{Device: "kiosk-1", Service: "social", Count: 10})
	if l.First != 2 || l.Last != 11 || l.ID == 0 || !l.Active() {
		t.Fatalf("lease %+v, want 2..11", l)
	}
	b := mustIssue(t, h, t0.Add(time.Minute), IssueArgs{Service: "social"})
	if a.Number != "A001" || b.Number != "A012" {
		t.Fatalf("online numbers %s %s: the lease's A002-A011 must be skipped", a.Number, b.Number)
	}
	l2 := mustLease(t, h, t0, LeaseArgs{Device: "kiosk-1", Service: "social", Count: 5})
	if l2.First != 13 || l2.Last != 17 {
		t.Fatalf("second lease %d..%d, want 13..17", l2.First, l2.Last)
	}
	if _, err := h.GrantLease(t0, LeaseArgs{Device: "kiosk-1", Service: "social", Count: 5, TTL: time.Hour}); !errors.Is(err, ErrLeaseLimit) {
		t.Fatalf("third live lease: %v", err)
	}
	// Another kiosk leases from the same service without overlap.
	l3 := mustLease(t, h, t0, LeaseArgs{Device: "kiosk-2", Service: "social", Count: 3})
	if l3.First != 18 {
		t.Fatalf("kiosk-2 lease starts at %d", l3.First)
	}
	take()
	checkRebuild(t, h, log)
}

func TestLeaseArgsRefused(t *testing.T) {
	tests := []struct {
		name string
		a    LeaseArgs
		want *Error
	}{
		{"unknown service", LeaseArgs{Device: "k", Service: "nope", Count: 5, TTL: time.Hour}, ErrUnknownService},
		{"no device", LeaseArgs{Service: "social", Count: 5, TTL: time.Hour}, ErrInvalid},
		{"zero count", LeaseArgs{Device: "k", Service: "social", Count: 0, TTL: time.Hour}, ErrInvalid},
		{"too many", LeaseArgs{Device: "k", Service: "social", Count: MaxLeaseCount + 1, TTL: time.Hour}, ErrInvalid},
		{"no ttl", LeaseArgs{Device: "k", Service: "social", Count: 5}, ErrInvalid},
		{"bad device", LeaseArgs{Device: "k\n", Service: "social", Count: 5, TTL: time.Hour}, ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHall(t)
			h.TakeEvents()
			_, err := h.GrantLease(t0, tc.a)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
			var qe *Error
			if !errors.As(err, &qe) || qe.Message == "" {
				t.Errorf("no Chinese message: %v", err)
			}
			if evs := h.TakeEvents(); len(evs) != 0 {
				t.Errorf("a refused lease emitted %v", evs)
			}
		})
	}
}

func TestReplay(t *testing.T) {
	love := Love
	green := Green
	type step struct {
		name     string
		a        ReplayArgs // Lease 0 means the test's lease
		want     *Error
		number   string
		channel  Channel
		dup      bool
		position int // 0-based place in the social normal line after the step; -1: skip
	}
	elder := ident(t, "1940-01-02")
	steps := []step{
		{"first offline ticket", ReplayArgs{Number: "A003", IssuedAt: t0.Add(2 * time.Minute)}, nil, "A003", Normal, false, 1},
		{"issued before an online ticket", ReplayArgs{Number: "A004", IssuedAt: t0.Add(4 * time.Minute)}, nil, "A004", Normal, false, 3},
		{"twice", ReplayArgs{Number: "A003", IssuedAt: t0.Add(2 * time.Minute)}, ErrLeaseNumberUsed, "", 0, false, -1},
		{"out of range", ReplayArgs{Number: "A013", IssuedAt: t0.Add(5 * time.Minute)}, ErrLeaseRange, "", 0, false, -1},
		{"malformed", ReplayArgs{Number: "A5", IssuedAt: t0.Add(5 * time.Minute)}, ErrLeaseRange, "", 0, false, -1},
		{"other prefix", ReplayArgs{Number: "B005", IssuedAt: t0.Add(5 * time.Minute)}, ErrLeaseRange, "", 0, false, -1},
		{"other service", ReplayArgs{Number: "A005", Service: "tax", IssuedAt: t0.Add(5 * time.Minute)}, ErrInvalid, "", 0, false, -1},
		{"other device", ReplayArgs{Number: "A005", Device: "kiosk-9", IssuedAt: t0.Add(5 * time.Minute)}, ErrInvalid, "", 0, false, -1},
		{"unknown lease", ReplayArgs{Lease: 99, Number: "A005", IssuedAt: t0.Add(5 * time.Minute)}, ErrLeaseUnknown, "", 0, false, -1},
		{"no issue time", ReplayArgs{Number: "A005"}, ErrInvalid, "", 0, false, -1},
		{"issued in the future", ReplayArgs{Number: "A005", IssuedAt: t0.Add(time.Hour)}, ErrInvalid, "", 0, false, -1},
		{"issued before the lease", ReplayArgs{Number: "A005", IssuedAt: t0.Add(-time.Hour)}, ErrInvalid, "", 0, false, -1},
		{"elderly: love by age", ReplayArgs{Number: "A005", Identity: elder, IssuedAt: t0.Add(6 * time.Minute)}, nil, "A005", Love, false, -1},
		{"same person again: accepted, flagged", ReplayArgs{Number: "A006", Identity: elder, IssuedAt: t0.Add(7 * time.Minute)}, nil, "A006", Love, true, -1},
		{"love without grounds: normal", ReplayArgs{Number: "A007", Channel: &love, IssuedAt: t0.Add(8 * time.Minute)}, nil, "A007", Normal, false, -1},
		{"declared category: love", ReplayArgs{Number: "A008", Category: "pregnant", IssuedAt: t0.Add(8 * time.Minute)}, nil, "A008", Love, false, -1},
		{"green offline: normal", ReplayArgs{Number: "A009", Channel: &green, IssuedAt: t0.Add(8 * time.Minute)}, nil, "A009", Normal, false, -1},
	}
	h := newHall(t)
	var log []Event
	log = append(log, h.TakeEvents()...)
	first := mustIssue(t, h, t0, IssueArgs{Service: "social"}) // A001
	l := mustLease(t, h, t0, LeaseArgs{Device: "kiosk-1", Service: "social", Count: 10})
	if l.First != 2 {
		t.Fatalf("lease from %d", l.First)
	}
	online := mustIssue(t, h, t0.Add(3*time.Minute), IssueArgs{Service: "social"}) // A012
	now := t0.Add(10 * time.Minute)
	for _, s := range steps {
		a := s.a
		if a.Lease == 0 {
			a.Lease = l.ID
		}
		tk, dup, err := h.Replay(now, a)
		log = append(log, h.TakeEvents()...)
		if s.want != nil {
			if !errors.Is(err, s.want) {
				t.Fatalf("%s: err %v, want %v", s.name, err, s.want)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if tk.Number != s.number || tk.Channel != s.channel || dup != s.dup || tk.Lease != l.ID {
			t.Fatalf("%s: got %s %s dup=%v lease=%d", s.name, tk.Number, tk.Channel, dup, tk.Lease)
		}
		if !tk.IssuedAt.Equal(a.IssuedAt) || !tk.Since.Equal(a.IssuedAt) || tk.Source != "kiosk-1" {
			t.Fatalf("%s: issued %v since %v, want %v", s.name, tk.IssuedAt, tk.Since, a.IssuedAt)
		}
		if s.dup != (tk.Flag == FlagOfflineDuplicate) {
			t.Fatalf("%s: flag %q", s.name, tk.Flag)
		}
		if s.position >= 0 {
			line := h.Line("social", Normal)
			if s.position >= len(line) || line[s.position] != tk {
				t.Fatalf("%s: %s not at place %d of the line", s.name, tk.Number, s.position)
			}
		}
	}
	// The line: A001 (09:00), A003 (09:02), online A012 (09:03), A004 (09:04), ...
	line := h.Line("social", Normal)
	want := []string{"A001", "A003", "A012", "A004", "A007", "A009"}
	if len(line) != len(want) {
		t.Fatalf("line length %d, want %d", len(line), len(want))
	}
	for i, tk := range line {
		if tk.Number != want[i] {
			t.Fatalf("line[%d] = %s, want %s", i, tk.Number, want[i])
		}
	}
	_, _ = first, online
	checkRebuild(t, h, log)
}

func TestLeaseExpiry(t *testing.T) {
	h := newHall(t)
	var log []Event
	log = append(log, h.TakeEvents()...)
	l := mustLease(t, h, t0, LeaseArgs{Device: "kiosk-1", Service: "social", Count: 5, TTL: time.Hour})
	if _, _, err := h.Replay(t0.Add(30*time.Minute), ReplayArgs{Lease: l.ID, Number: "A001", IssuedAt: t0.Add(10 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	h.Tick(t0.Add(time.Hour))
	log = append(log, h.TakeEvents()...)
	got, _ := h.LeaseByID(l.ID)
	if got.Active() {
		t.Fatal("lease still active after its TTL")
	}
	if h.leases.holds("A002") {
		t.Fatal("an ended lease still holds its unused numbers")
	}
	// A ticket issued before the expiry, replayed after it, is accepted.
	if _, _, err := h.Replay(t0.Add(2*time.Hour), ReplayArgs{Lease: l.ID, Number: "A002", IssuedAt: t0.Add(50 * time.Minute)}); err != nil {
		t.Fatalf("late replay of a ticket issued in time: %v", err)
	}
	// One issued after the expiry is not.
	if _, _, err := h.Replay(t0.Add(2*time.Hour), ReplayArgs{Lease: l.ID, Number: "A003", IssuedAt: t0.Add(90 * time.Minute)}); !errors.Is(err, ErrLeaseExpired) {
		t.Fatalf("issued after expiry: %v", err)
	}
	log = append(log, h.TakeEvents()...)
	checkRebuild(t, h, log)
	// The day rolls over: the lease is gone, and so is the block.
	next := t0.Add(24 * time.Hour)
	if _, _, err := h.Replay(next, ReplayArgs{Lease: l.ID, Number: "A004", IssuedAt: t0.Add(50 * time.Minute)}); !errors.Is(err, ErrLeaseUnknown) {
		t.Fatalf("yesterday's lease: %v", err)
	}
	l2 := mustLease(t, h, next, LeaseArgs{Device: "kiosk-1", Service: "social", Count: 5, TTL: 48 * time.Hour})
	if l2.ID == l.ID || l2.First != 3 { // A001, A002 wait on (carried over)
		t.Fatalf("new day's lease %+v", l2)
	}
	if day := l2.Expires.In(cst); day.Day() != next.Day()+1 || day.Hour() != 0 {
		t.Fatalf("a lease outlives its day: expires %v", l2.Expires)
	}
}

// The controller's own issuing and leases share the range: when it is
// nearly full, a lease takes only a block of free numbers.
func TestLeaseNeedsConsecutiveFreeNumbers(t *testing.T) {
	cfg := testConfig()
	cfg.Services[0].First, cfg.Services[0].Last = 1, 12
	h, err := New(cfg, []byte("k"))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		mustIssue(t, h, t0, IssueArgs{Service: "social"})
	}
	l := mustLease(t, h, t0, LeaseArgs{Device: "k", Service: "social", Count: 6})
	if l.First != 4 || l.Last != 9 {
		t.Fatalf("lease %d..%d", l.First, l.Last)
	}
	if _, err := h.GrantLease(t0, LeaseArgs{Device: "k2", Service: "social", Count: 4, TTL: time.Hour}); !errors.Is(err, ErrNumbersExhausted) {
		t.Fatalf("no block of 4 left: %v", err)
	}
	for _, want := range []string{"A010", "A011", "A012"} {
		if tk := mustIssue(t, h, t0, IssueArgs{Service: "social"}); tk.Number != want {
			t.Fatalf("issued %s, want %s", tk.Number, want)
		}
	}
	if _, err := h.Issue(t0, IssueArgs{Service: "social"}); !errors.Is(err, ErrNumbersExhausted) {
		t.Fatalf("the leased numbers were issued online: %v", err)
	}
}
