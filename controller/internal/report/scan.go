package report

import (
	"encoding/binary"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"hallq/controller/internal/queue"
)

// eventsBucket is the store's event log (store/schema.go): 8-byte
// big-endian sequence number -> queue.EncodeRecord. Read only here.
var eventsBucket = []byte("events")

// Scan calls f for every event with from <= At < to, in log order. Events
// are appended in time order, so the first one is found by binary search.
func Scan(db *bbolt.DB, from, to time.Time, f func(*queue.Event)) error {
	return db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(eventsBucket)
		if b == nil {
			return nil // a new store: no events yet
		}
		c := b.Cursor()
		k1, _ := c.First()
		k2, _ := c.Last()
		if k1 == nil {
			return nil
		}
		lo, hi := binary.BigEndian.Uint64(k1), binary.BigEndian.Uint64(k2)+1
		// The first seq whose event is at or after from (events with a gap
		// in the keys are looked up with Seek).
		for lo < hi {
			mid := lo + (hi-lo)/2
			k, v := c.Seek(u64(mid))
			if k == nil {
				hi = mid
				continue
			}
			e, err := queue.DecodeRecord(v)
			if err != nil {
				return fmt.Errorf("%w: seq %d: %v", ErrCorruptLog, binary.BigEndian.Uint64(k), err)
			}
			if e.At.Before(from) {
				lo = binary.BigEndian.Uint64(k) + 1
			} else {
				hi = mid
			}
		}
		var e queue.Event
		var d decoder
		for k, v := c.Seek(u64(lo)); k != nil; k, v = c.Next() {
			if len(k) != 8 {
				continue
			}
			if err := d.decode(v, &e); err != nil {
				return fmt.Errorf("%w: seq %d: %v", ErrCorruptLog, binary.BigEndian.Uint64(k), err)
			}
			if !e.At.Before(to) {
				break
			}
			if !e.At.Before(from) {
				f(&e)
			}
		}
		return nil
	})
}

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }
