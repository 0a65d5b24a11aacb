package link

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"go.etcd.io/bbolt"

	"hallq/controller/hallproto"
)

// Outbox is the kiosk's durable store of leases and of tickets issued
// offline and not yet replayed. Every change is one bbolt transaction,
// synced to disk before it returns, so a ticket that was printed is never
// lost and a number is never handed out twice, even after a power cut.
type Outbox struct {
	db *bbolt.DB
}

// leaseRecord is a lease and the next number to hand out from it.
type leaseRecord struct {
	Lease hallproto.Lease `json:"lease"`
	Next  int             `json:"next"`
}

// Entry is one ticket issued offline, as it will be replayed.
type Entry struct {
	Seq     uint64                  `json:"seq"`
	Request hallproto.ReplayRequest `json:"request"`
	// Rejected holds the controller's code when it refused the ticket.
	Rejected string `json:"rejected,omitempty"`
}

// OpenOutbox opens (or creates) the outbox database at path.
func OpenOutbox(path string) (*Outbox, error) {
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("link: open outbox %s: %w", path, err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		for _, b := range outboxBuckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bucketMeta)
		if v := meta.Get([]byte("schema")); v != nil {
			if n, _ := strconv.Atoi(string(v)); n > outboxSchema {
				return fmt.Errorf("outbox schema %d is newer than this kiosk (%d)", n, outboxSchema)
			}
		}
		return meta.Put([]byte("schema"), []byte(strconv.Itoa(outboxSchema)))
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("link: init outbox %s: %w", path, err)
	}
	return &Outbox{db: db}, nil
}

// Close closes the database.
func (o *Outbox) Close() error { return o.db.Close() }

func key(n uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], n)
	return b[:]
}

// AddLease stores a lease granted by the controller (again: no change).
func (o *Outbox) AddLease(l hallproto.Lease) error {
	if l.ID == 0 || l.Last < l.First {
		return fmt.Errorf("link: outbox: bad lease %d (%d-%d)", l.ID, l.First, l.Last)
	}
	return o.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketLeases)
		if b.Get(key(l.ID)) != nil {
			return nil
		}
		v, err := json.Marshal(leaseRecord{Lease: l, Next: l.First})
		if err != nil {
			return err
		}
		return b.Put(key(l.ID), v)
	})
}

// LeaseState is a stored lease and how many numbers it has left.
type LeaseState struct {
	Lease hallproto.Lease
	Left  int
}

// Leases lists the stored leases by id.
func (o *Outbox) Leases() ([]LeaseState, error) {
	var out []LeaseState
	err := o.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketLeases).ForEach(func(k, v []byte) error {
			var r leaseRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("lease record: %w", err)
			}
			out = append(out, LeaseState{r.Lease, r.Lease.Last - r.Next + 1})
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("link: outbox leases: %w", err)
	}
	return out, nil
}

// Take hands out the next number of the oldest usable lease of the
// service (not expired at now) and appends the ticket to the outbox, in one
// transaction. req's LeaseID, Number and Service are filled in.
func (o *Outbox) Take(service string, now time.Time, req hallproto.ReplayRequest) (Entry, hallproto.Lease, error) {
	var e Entry
	var lease hallproto.Lease
	err := o.db.Update(func(tx *bbolt.Tx) error {
		lb := tx.Bucket(bucketLeases)
		var recs []leaseRecord
		var stale [][]byte
		err := lb.ForEach(func(k, v []byte) error {
			var r leaseRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("lease record: %w", err)
			}
			switch {
			case r.Next > r.Lease.Last || !now.Before(r.Lease.ExpiresAt):
				stale = append(stale, append([]byte(nil), k...))
			case r.Lease.Service == service:
				recs = append(recs, r)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range stale { // used up or expired: of no more use
			if err := lb.Delete(k); err != nil {
				return err
			}
		}
		if len(recs) == 0 {
			return ErrNoLease
		}
		sort.Slice(recs, func(i, j int) bool { return recs[i].Lease.ID < recs[j].Lease.ID })
		r := recs[0]
		lease = r.Lease
		req.LeaseID, req.Service, req.Number = r.Lease.ID, service, r.Lease.Number(r.Next)
		r.Next++
		v, err := json.Marshal(r)
		if err != nil {
			return err
		}
		if err := lb.Put(key(r.Lease.ID), v); err != nil {
			return err
		}
		ob := tx.Bucket(bucketOutbox)
		seq, err := ob.NextSequence()
		if err != nil {
			return err
		}
		e = Entry{Seq: seq, Request: req}
		ev, err := json.Marshal(e)
		if err != nil {
			return err
		}
		return ob.Put(key(seq), ev)
	})
	if err != nil {
		if errors.Is(err, ErrNoLease) {
			return Entry{}, lease, err
		}
		return Entry{}, lease, fmt.Errorf("link: outbox: take a number: %w", err)
	}
	return e, lease, nil
}

// Pending lists the tickets not yet replayed, in issue order.
func (o *Outbox) Pending() ([]Entry, error) {
	var out []Entry
	err := o.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketOutbox).ForEach(func(k, v []byte) error {
			var e Entry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("outbox entry: %w", err)
			}
			out = append(out, e)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("link: outbox: %w", err)
	}
	return out, nil
}

// Count is the number of tickets not yet replayed.
func (o *Outbox) Count() int {
	n := 0
	o.db.View(func(tx *bbolt.Tx) error {
		n = tx.Bucket(bucketOutbox).Stats().KeyN
		return nil
	})
	return n
}

// Done removes a replayed ticket.
func (o *Outbox) Done(seq uint64) error {
	return o.db.Update(func(tx *bbolt.Tx) error { return tx.Bucket(bucketOutbox).Delete(key(seq)) })
}

// Reject moves a ticket the controller refused for good out of the
// outbox, keeping it without the ID card data.
func (o *Outbox) Reject(e Entry, code string) error {
	e.Rejected = code
	e.Request.IDCard = nil
	v, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return o.db.Update(func(tx *bbolt.Tx) error {
		if err := tx.Bucket(bucketRejected).Put(key(e.Seq), v); err != nil {
			return err
		}
		return tx.Bucket(bucketOutbox).Delete(key(e.Seq))
	})
}

// Rejected counts tickets the controller refused.
func (o *Outbox) Rejected() int {
	n := 0
	o.db.View(func(tx *bbolt.Tx) error {
		n = tx.Bucket(bucketRejected).Stats().KeyN
		return nil
	})
	return n
}
