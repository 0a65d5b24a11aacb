package report

import (
	"encoding/binary"
	"encoding/json"
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
		for k, v := c.Seek(u64(lo)); k != nil; k, v = c.Next() {
			if len(k) != 8 {
				continue
			}
			if err := decodeSlim(v, &e); err != nil {
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

// slimEvent is the part of a stored event a report reads. Decoding only
// these fields instead of all of queue.Event is most of the speed of a
// month's report.
type slimEvent struct {
	Type      queue.EventType `json:"type"`
	At        time.Time       `json:"at"`
	Ticket    uint64          `json:"ticket"`
	Service   string          `json:"service"`
	Window    string          `json:"window"`
	Staff     string          `json:"staff"`
	NewTicket uint64          `json:"new_ticket"`
	ToService string          `json:"to_service"`
}

// decodeSlim fills the fields of e a report reads (the others are left
// zero); the record format is queue.EncodeRecord's.
func decodeSlim(v []byte, e *queue.Event) error {
	if len(v) < 2 || len(v) > queue.MaxRecord || v[0] != 1 {
		return fmt.Errorf("record version or length")
	}
	var s slimEvent
	if err := json.Unmarshal(v[1:], &s); err != nil {
		return err
	}
	*e = queue.Event{Type: s.Type, At: s.At, Ticket: s.Ticket, Service: s.Service, Window: s.Window,
		Staff: s.Staff, NewTicket: s.NewTicket, ToService: s.ToService}
	return nil
}

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }
