package store

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/klauspost/compress/zstd"
	bolt "go.etcd.io/bbolt"

	"hallq/controller/internal/queue"
)

// Store is the controller's bbolt database.
type Store struct {
	db        *bolt.DB
	path      string
	personKey []byte
	enc       *zstd.Encoder
	dec       *zstd.Decoder
}

// Options tune Open.
type Options struct {
	// Timeout waits this long for another process's lock on the file.
	Timeout time.Duration
	// NoSync skips fsync: for benchmarks that compare, never in production.
	NoSync bool
}

// Open opens or creates the database at path and migrates it.
func Open(path string, o *Options) (*Store, error) {
	if o == nil {
		o = &Options{}
	}
	if o.Timeout == 0 {
		o.Timeout = 2 * time.Second
	}
	// The freelist is synced: with NoFreelistSync bbolt rebuilds it on open
	// by walking the tree in a goroutine of its own, where a damaged page
	// panics beyond recovery and the controller would crash-loop.
	// A large initial mmap (address space, not memory) avoids remapping
	// as the file grows, which stalls every transaction.
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: o.Timeout, FreelistType: bolt.FreelistMapType, InitialMmapSize: 1 << 30})
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	db.NoSync = o.NoSync
	s := &Store{db: db, path: path}
	if err := db.Update(s.migrate); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: migrate %s: %w", path, err)
	}
	s.enc, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest))
	s.dec, _ = zstd.NewReader(nil)
	return s, nil
}

func (s *Store) migrate(tx *bolt.Tx) error {
	for _, b := range allBuckets {
		if _, err := tx.CreateBucketIfNotExists(b); err != nil {
			return err
		}
	}
	meta := tx.Bucket(bucketMeta)
	v := meta.Get(keySchema)
	switch {
	case v == nil:
		if err := meta.Put(keySchema, u64(SchemaVersion)); err != nil {
			return err
		}
	case len(v) != 8 || binary.BigEndian.Uint64(v) > SchemaVersion:
		return fmt.Errorf("%w: %x", ErrSchema, v)
	}
	// Migrations from older versions go here, in order.
	k := meta.Get(keyPersonKey)
	if len(k) != 32 {
		k = make([]byte, 32)
		if _, err := rand.Read(k); err != nil {
			return err
		}
		if err := meta.Put(keyPersonKey, k); err != nil {
			return err
		}
	}
	s.personKey = append([]byte(nil), k...)
	return nil
}

// PersonKey keys the hash that replaces ID numbers; it never leaves the box.
func (s *Store) PersonKey() []byte { return s.personKey }

// DB exposes the database to packages that keep their own buckets (fleet).
func (s *Store) DB() *bolt.DB { return s.db }

// Path is the database file.
func (s *Store) Path() string { return s.path }

// Close closes the database; later writes fail with ErrClosed.
func (s *Store) Close() error { return s.db.Close() }

func u64(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}

// Batch is what one group commit writes.
type Batch struct {
	Events   []queue.Event
	Requests []Request
	// Snapshot, when set, is the hall state as of the last event of Events
	// (or of the log when Events is empty).
	Snapshot    []byte
	SnapshotSeq uint64
}

// Commit writes a batch in one transaction: all of it is durable when it
// returns nil, none of it otherwise.
func (s *Store) Commit(b *Batch) error {
	if err := fault(FaultBeforeCommit); err != nil {
		return err
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		ev := tx.Bucket(bucketEvents)
		for i := range b.Events {
			rec, err := queue.EncodeRecord(&b.Events[i])
			if err != nil {
				return err
			}
			if err := ev.Put(u64(b.Events[i].Seq), rec); err != nil {
				return err
			}
		}
		rq := tx.Bucket(bucketRequests)
		for i := range b.Requests {
			if err := rq.Put([]byte(b.Requests[i].ID), b.Requests[i].encode()); err != nil {
				return err
			}
		}
		if b.Snapshot != nil {
			sn := tx.Bucket(bucketSnapshots)
			if err := sn.Put(u64(b.SnapshotSeq), s.enc.EncodeAll(b.Snapshot, nil)); err != nil {
				return err
			}
			// Keep the newest two.
			c := sn.Cursor()
			n := sn.Stats().KeyN
			for k, _ := c.First(); k != nil && n > 2; k, _ = c.Next() {
				if err := c.Delete(); err != nil {
					return err
				}
				n--
			}
		}
		return fault(FaultInCommit)
	})
	if errors.Is(err, bolt.ErrDatabaseNotOpen) {
		return ErrClosed
	}
	if err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// Load rebuilds a hall fresh from queue.New: the newest snapshot that
// decodes, then every event after it. It returns how many events it replayed.
func (s *Store) Load(h *queue.Hall) (int, error) {
	n := 0
	err := s.db.View(func(tx *bolt.Tx) error {
		from := uint64(1)
		c := tx.Bucket(bucketSnapshots).Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			raw, err := s.dec.DecodeAll(v, nil)
			if err == nil {
				err = h.Restore(raw)
			}
			if err != nil {
				// A damaged snapshot is skipped: the log still holds everything.
				continue
			}
			from = binary.BigEndian.Uint64(k) + 1
			break
		}
		if h.LastSeq() == 0 {
			from = 1
		}
		ec := tx.Bucket(bucketEvents).Cursor()
		for k, v := ec.Seek(u64(from)); k != nil; k, v = ec.Next() {
			e, err := queue.DecodeRecord(v)
			if err != nil {
				return fmt.Errorf("event %d: %w", binary.BigEndian.Uint64(k), err)
			}
			if e.Seq != h.LastSeq()+1 {
				return fmt.Errorf("%w: %d after %d", ErrGap, e.Seq, h.LastSeq())
			}
			if err := h.Apply(e); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return n, fmt.Errorf("store: load: %w", err)
	}
	return n, nil
}

// Events returns up to limit events with Seq > since, in order.
func (s *Store) Events(since uint64, limit int) ([]queue.Event, error) {
	var out []queue.Event
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketEvents).Cursor()
		for k, v := c.Seek(u64(since + 1)); k != nil && len(out) < limit; k, v = c.Next() {
			e, err := queue.DecodeRecord(v)
			if err != nil {
				return err
			}
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: events since %d: %w", since, err)
	}
	return out, nil
}

// Check runs bbolt's own consistency check and ours: the schema version is
// known, events are contiguous and decode, snapshots decompress.
func (s *Store) Check() error {
	return s.db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			return fmt.Errorf("store: check: %w", err)
		}
		for _, b := range allBuckets {
			if tx.Bucket(b) == nil {
				return fmt.Errorf("store: check: bucket %s missing", b)
			}
		}
		var prev uint64
		err := tx.Bucket(bucketEvents).ForEach(func(k, v []byte) error {
			seq := binary.BigEndian.Uint64(k)
			if prev != 0 && seq != prev+1 {
				return fmt.Errorf("%w: %d after %d", ErrGap, seq, prev)
			}
			prev = seq
			e, err := queue.DecodeRecord(v)
			if err != nil {
				return err
			}
			if e.Seq != seq {
				return fmt.Errorf("store: check: key %d holds event %d", seq, e.Seq)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("store: check: %w", err)
		}
		return tx.Bucket(bucketSnapshots).ForEach(func(k, v []byte) error {
			if _, err := s.dec.DecodeAll(v, nil); err != nil {
				return fmt.Errorf("store: check: snapshot %d: %w", binary.BigEndian.Uint64(k), err)
			}
			return nil
		})
	})
}

// Stats are figures for hallctl and metrics.
type Stats struct {
	Events, Snapshots, Requests int
	FirstSeq, LastSeq           uint64
	FileBytes                   int64
}

// Stats counts what the database holds.
func (s *Store) Stats() (Stats, error) {
	var st Stats
	err := s.db.View(func(tx *bolt.Tx) error {
		st.Events = tx.Bucket(bucketEvents).Stats().KeyN
		st.Snapshots = tx.Bucket(bucketSnapshots).Stats().KeyN
		st.Requests = tx.Bucket(bucketRequests).Stats().KeyN
		c := tx.Bucket(bucketEvents).Cursor()
		if k, _ := c.First(); k != nil {
			st.FirstSeq = binary.BigEndian.Uint64(k)
		}
		if k, _ := c.Last(); k != nil {
			st.LastSeq = binary.BigEndian.Uint64(k)
		}
		return nil
	})
	if fi, err := os.Stat(s.path); err == nil {
		st.FileBytes = fi.Size()
	}
	return st, err
}

// Compact copies the live data into a new file at dst (bbolt never shrinks
// a file in place). The controller must be stopped.
func (s *Store) Compact(dst string) error {
	out, err := bolt.Open(dst, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return fmt.Errorf("store: compact: %w", err)
	}
	defer out.Close()
	if err := bolt.Compact(out, s.db, 64<<20); err != nil {
		return fmt.Errorf("store: compact: %w", err)
	}
	return nil
}
