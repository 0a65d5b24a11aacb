package store

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"hallq/controller/internal/queue"
)

var t0 = time.Date(2026, 11, 17, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))

func cfg() queue.Config {
	return queue.Config{Services: []queue.ServiceConfig{{ID: "s", Name: "一", Prefix: "A"}},
		Windows: []queue.WindowConfig{{ID: "1", Services: []string{"s"}}},
		Hours:   queue.Hours{IssueFrom: "00:00", IssueUntil: "24:00", Close: "24:00"}}
}

// open returns a store that is checked for consistency when the test ends.
func open(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Check(); err != nil && !errors.Is(err, bolt.ErrDatabaseNotOpen) {
			t.Errorf("consistency check: %v", err)
		}
		s.Close()
	})
	return s
}

func fill(t *testing.T, s *Store, h *queue.Hall, n int, snapAt int) {
	t.Helper()
	for i := 0; i < n; i++ {
		h.Issue(t0.Add(time.Duration(i)*time.Second), queue.IssueArgs{Service: "s"})
		b := &Batch{Events: h.TakeEvents()}
		if i == snapAt {
			b.Snapshot, _ = h.Snapshot()
			b.SnapshotSeq = h.LastSeq()
		}
		if err := s.Commit(b); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCommitLoadWithSnapshots(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	s := open(t, path)
	h, _ := queue.New(cfg(), s.PersonKey())
	fill(t, s, h, 30, 10)
	fill(t, s, h, 5, 2) // a second snapshot
	want, _ := h.Snapshot()
	s.Close()

	s = open(t, path)
	r, _ := queue.New(cfg(), s.PersonKey())
	n, err := s.Load(r)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 { // replayed only the events after the newest snapshot
		t.Fatalf("replayed %d events, want 2", n)
	}
	got, _ := r.Snapshot()
	if len(got) != len(want) || r.LastSeq() != h.LastSeq() {
		t.Fatalf("loaded state differs: seq %d vs %d", r.LastSeq(), h.LastSeq())
	}
	st, _ := s.Stats()
	if st.Snapshots != 2 || st.LastSeq != h.LastSeq() {
		t.Fatalf("stats %+v", st)
	}
}

func TestPersonKeyIsStable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	s := open(t, path)
	k := append([]byte(nil), s.PersonKey()...)
	s.Close()
	s2 := open(t, path)
	if string(s2.PersonKey()) != string(k) || len(k) != 32 {
		t.Fatal("person key changed across opens")
	}
}

func TestFaultLeavesNothing(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "db"))
	h, _ := queue.New(cfg(), s.PersonKey())
	fill(t, s, h, 3, -1)
	h.Issue(t0, queue.IssueArgs{Service: "s"})
	ArmFault(FaultInCommit, 1)
	defer DisarmFaults()
	if err := s.Commit(&Batch{Events: h.TakeEvents(), Requests: []Request{{ID: "r", At: t0, Status: 201}}}); !errors.Is(err, ErrFault) {
		t.Fatalf("commit with fault: %v", err)
	}
	st, _ := s.Stats()
	if st.LastSeq != 4 || st.Requests != 0 { // day roll + 3 issues
		t.Fatalf("a failed commit left data: %+v", st)
	}
	if _, found, _ := s.Request("r"); found {
		t.Fatal("request of a failed commit stored")
	}
}

func TestLoadRefusesAGap(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "db"))
	h, _ := queue.New(cfg(), s.PersonKey())
	fill(t, s, h, 5, -1)
	s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketEvents).Delete(u64(3)) })
	r, _ := queue.New(cfg(), s.PersonKey())
	if _, err := s.Load(r); !errors.Is(err, ErrGap) {
		t.Fatalf("load over a gap: %v", err)
	}
	if err := s.Check(); !errors.Is(err, ErrGap) {
		t.Fatalf("check over a gap: %v", err)
	}
	// Put it back so the cleanup check passes.
	h2, _ := queue.New(cfg(), s.PersonKey())
	for _, e := range mustEvents(t, s) {
		h2.Apply(e)
	}
}

func mustEvents(t *testing.T, s *Store) []queue.Event {
	evs, err := s.Events(0, 100)
	if err != nil {
		t.Fatal(err)
	}
	// Recreate the missing record from its neighbours' hall.
	h, _ := queue.New(cfg(), s.PersonKey())
	h.Tick(t0)
	for i := 0; i < 5; i++ {
		h.Issue(t0.Add(time.Duration(i)*time.Second), queue.IssueArgs{Service: "s"})
	}
	for _, e := range h.TakeEvents() {
		if e.Seq == 3 {
			rec, _ := queue.EncodeRecord(&e)
			s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketEvents).Put(u64(3), rec) })
		}
	}
	return evs
}

func TestRequestsRoundTripAndPrune(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "db"))
	r := Request{ID: "k-1", Fingerprint: [32]byte{1, 2, 3}, At: t0, Status: 201, Body: []byte(`{"id":1}`)}
	if err := s.Commit(&Batch{Requests: []Request{r}}); err != nil {
		t.Fatal(err)
	}
	got, found, err := s.Request("k-1")
	if err != nil || !found || got.Status != 201 || string(got.Body) != string(r.Body) || got.Fingerprint != r.Fingerprint || !got.At.Equal(t0) {
		t.Fatalf("request round trip: %+v %v %v", got, found, err)
	}
	m, _ := s.Requests(t0.Add(-time.Hour))
	if _, ok := m["k-1"]; !ok {
		t.Fatal("Requests misses a recent id")
	}
	if n, _ := s.PruneRequests(t0.Add(time.Hour)); n != 1 {
		t.Fatalf("pruned %d", n)
	}
	if _, found, _ := s.Request("k-1"); found {
		t.Fatal("pruned request still there")
	}
}

func TestCompact(t *testing.T) {
	dir := t.TempDir()
	s := open(t, filepath.Join(dir, "db"))
	h, _ := queue.New(cfg(), s.PersonKey())
	fill(t, s, h, 20, 5)
	if err := s.Compact(filepath.Join(dir, "db2")); err != nil {
		t.Fatal(err)
	}
	c := open(t, filepath.Join(dir, "db2"))
	st, _ := c.Stats()
	if st.LastSeq != h.LastSeq() {
		t.Fatalf("compacted copy ends at %d, want %d", st.LastSeq, h.LastSeq())
	}
}
