package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Request is the first answer to a mutating request, kept so that a retry
// with the same request id gets it again, byte for byte.
type Request struct {
	ID          string
	Fingerprint [32]byte // sha256 of the request (method, path, body)
	At          time.Time
	Status      int
	Body        []byte
}

// Layout: version 1 byte, fingerprint 32, unix nanos 8, status 2, body.
func (r *Request) encode() []byte {
	b := make([]byte, 43, 43+len(r.Body))
	b[0] = 1
	copy(b[1:33], r.Fingerprint[:])
	binary.BigEndian.PutUint64(b[33:41], uint64(r.At.UnixNano()))
	binary.BigEndian.PutUint16(b[41:43], uint16(r.Status))
	return append(b, r.Body...)
}

var errBadRequestRecord = errors.New("store: corrupt request record")

func decodeRequest(id string, b []byte) (Request, error) {
	if len(b) < 43 || b[0] != 1 {
		return Request{}, errBadRequestRecord
	}
	r := Request{ID: id, At: time.Unix(0, int64(binary.BigEndian.Uint64(b[33:41]))),
		Status: int(binary.BigEndian.Uint16(b[41:43])), Body: append([]byte(nil), b[43:]...)}
	copy(r.Fingerprint[:], b[1:33])
	return r, nil
}

// Request looks up a stored answer.
func (s *Store) Request(id string) (Request, bool, error) {
	var r Request
	var found bool
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketRequests).Get([]byte(id))
		if v == nil {
			return nil
		}
		var err error
		r, err = decodeRequest(id, v)
		found = err == nil
		return err
	})
	if err != nil {
		return r, false, fmt.Errorf("store: request %q: %w", id, err)
	}
	return r, found, nil
}

// RequestMeta is what the engine keeps in memory per request id.
type RequestMeta struct {
	Fingerprint [32]byte
	At          time.Time
}

// Requests lists the stored request ids answered at or after since.
func (s *Store) Requests(since time.Time) (map[string]RequestMeta, error) {
	out := map[string]RequestMeta{}
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRequests).ForEach(func(k, v []byte) error {
			r, err := decodeRequest(string(k), v)
			if err != nil {
				return err
			}
			if !r.At.Before(since) {
				out[string(k)] = RequestMeta{r.Fingerprint, r.At}
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("store: requests: %w", err)
	}
	return out, nil
}

// PruneRequests deletes answers older than before; retries come within
// minutes, so a day is plenty.
func (s *Store) PruneRequests(before time.Time) (int, error) {
	n := 0
	err := s.db.Update(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketRequests).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if len(v) >= 41 && time.Unix(0, int64(binary.BigEndian.Uint64(v[33:41]))).Before(before) {
				if err := c.Delete(); err != nil {
					return err
				}
				n++
			}
		}
		return nil
	})
	return n, err
}
