package console

import (
	"encoding/binary"
	"encoding/json"
	"strings"
	"time"

	"go.etcd.io/bbolt"
)

// AuditEntry is one change: who, what, when, and a before/after summary.
type AuditEntry struct {
	Seq    uint64    `json:"seq"`
	At     time.Time `json:"at"`
	User   string    `json:"user"`
	Role   Role      `json:"role"`
	Action string    `json:"action"` // login, login_failed, logout, config, window.pause, api ...
	Target string    `json:"target,omitempty"`
	Before string    `json:"before,omitempty"`
	After  string    `json:"after,omitempty"`
	Result string    `json:"result,omitempty"` // "ok" or the refusal
	IP     string    `json:"ip,omitempty"`
}

// audit appends an entry. A failure to write is logged, not fatal: the
// change itself is already durable.
func (c *Console) audit(e AuditEntry) {
	if e.At.IsZero() {
		e.At = c.now()
	}
	err := c.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketAudit)
		seq, _ := b.NextSequence()
		e.Seq = seq
		v, err := json.Marshal(e)
		if err != nil {
			return err
		}
		k := make([]byte, 8)
		binary.BigEndian.PutUint64(k, seq)
		if err := b.Put(k, v); err != nil {
			return err
		}
		if n := b.Stats().KeyN; n > maxAudit {
			cur := b.Cursor()
			for k, _ := cur.First(); k != nil && n > maxAudit; k, _ = cur.Next() {
				cur.Delete()
				n--
			}
		}
		return nil
	})
	if err != nil {
		c.lg.Error("console: audit write failed", "action", e.Action, "err", err)
	}
}

// AuditFilter selects entries; zero fields match everything.
type AuditFilter struct {
	User, Action, Text string
	From, To           time.Time
	Limit              int
}

// Audit lists entries newest first.
func (c *Console) Audit(f AuditFilter) ([]AuditEntry, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 200
	}
	out := []AuditEntry{}
	err := c.db.View(func(tx *bbolt.Tx) error {
		cur := tx.Bucket(bucketAudit).Cursor()
		scanned := 0
		for k, v := cur.Last(); k != nil && len(out) < f.Limit && scanned < maxAudit; k, v = cur.Prev() {
			scanned++
			var e AuditEntry
			if json.Unmarshal(v, &e) != nil {
				continue
			}
			if f.User != "" && e.User != f.User || f.Action != "" && !strings.HasPrefix(e.Action, f.Action) {
				continue
			}
			if !f.From.IsZero() && e.At.Before(f.From) {
				break
			}
			if !f.To.IsZero() && !e.At.Before(f.To) {
				continue
			}
			if f.Text != "" && !strings.Contains(e.Target+" "+e.Before+" "+e.After+" "+e.Result, f.Text) {
				continue
			}
			out = append(out, e)
		}
		return nil
	})
	return out, err
}
