package report

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"hallq/controller/internal/queue"
)

// slimEvent is the part of a stored event a report reads.
type slimEvent struct {
	Type      queue.EventType `json:"type"`
	At        time.Time       `json:"at"`
	Ticket    uint64          `json:"ticket"`
	Service   string          `json:"service"`
	Window    string          `json:"window"`
	Staff     string          `json:"staff"`
	NewTicket uint64          `json:"new_ticket"`
	ToService string          `json:"to_service"`
	IssuedAt  time.Time       `json:"issued_at"`
}

func (s *slimEvent) event() queue.Event {
	return queue.Event{Type: s.Type, At: s.At, Ticket: s.Ticket, Service: s.Service, Window: s.Window,
		Staff: s.Staff, NewTicket: s.NewTicket, ToService: s.ToService, IssuedAt: s.IssuedAt}
}

var errOdd = errors.New("not the plain form")

// decodeSlim fills the fields of e a report reads; the others are zero.
// A month's report decodes about half a million records: a scanner for the
// flat objects EncodeRecord writes does it several times faster than
// encoding/json, which it falls back to for anything unusual (escapes in a
// string, keys differing only in case).
func decodeSlim(v []byte, e *queue.Event) error {
	var d decoder
	return d.decode(v, e)
}

// decoder keeps one copy of each repeated string (types, services,
// windows, staff), so a month's scan allocates little besides its result.
type decoder struct {
	s      slimEvent
	strs   map[string]string
	intern func([]byte) string
}

func (d *decoder) decode(v []byte, e *queue.Event) error {
	if len(v) < 2 || len(v) > queue.MaxRecord || v[0] != 1 {
		return errors.New("record version or length")
	}
	if d.strs == nil {
		d.strs = map[string]string{}
		d.intern = func(b []byte) string {
			if s, ok := d.strs[string(b)]; ok {
				return s
			}
			s := string(b)
			if len(d.strs) < 4096 {
				d.strs[s] = s
			}
			return s
		}
	}
	d.s = slimEvent{}
	if err := scanSlim(v[1:], &d.s, d.intern); err != nil {
		d.s = slimEvent{}
		if err := json.Unmarshal(v[1:], &d.s); err != nil {
			return err
		}
	}
	*e = d.s.event()
	return nil
}

var slimKeys = []string{"type", "at", "ticket", "service", "window", "staff", "new_ticket", "to_service", "issued_at"}

func scanSlim(b []byte, s *slimEvent, intern func([]byte) string) error {
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return errOdd
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		return checkEnd(b, i+1)
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return errOdd
		}
		key, next, err := plainBytes(b, i)
		if err != nil {
			return err
		}
		i = skipWS(b, next)
		if i >= len(b) || b[i] != ':' {
			return errOdd
		}
		i = skipWS(b, i+1)
		end, err := skipValue(b, i)
		if err != nil {
			return err
		}
		val := b[i:end]
		if err := s.set(key, val, intern); err != nil {
			return err
		}
		i = skipWS(b, end)
		if i >= len(b) {
			return errOdd
		}
		if b[i] == '}' {
			return checkEnd(b, i+1)
		}
		if b[i] != ',' {
			return errOdd
		}
		i = skipWS(b, i+1)
	}
}

func checkEnd(b []byte, i int) error {
	if skipWS(b, i) != len(b) {
		return errOdd
	}
	return nil
}

func (s *slimEvent) set(key []byte, val []byte, intern func([]byte) string) error {
	raw := func() ([]byte, error) {
		if len(val) < 2 || val[0] != '"' {
			return nil, errOdd
		}
		v, end, err := plainBytes(val, 0)
		if err != nil || end != len(val) {
			return nil, errOdd
		}
		return v, nil
	}
	str := func() (string, error) {
		if len(val) == 4 && string(val) == "null" {
			return "", nil
		}
		v, err := raw()
		if err != nil {
			return "", err
		}
		return intern(v), nil
	}
	num := func() (uint64, error) {
		if string(val) == "null" {
			return 0, nil
		}
		n, err := strconv.ParseUint(string(val), 10, 64)
		if err != nil {
			return 0, errOdd
		}
		return n, nil
	}
	tm := func() (time.Time, error) {
		if string(val) == "null" {
			return time.Time{}, nil
		}
		v, err := raw()
		if err != nil {
			return time.Time{}, errOdd
		}
		var t time.Time
		if err := t.UnmarshalText(v); err != nil { // the strict form encoding/json reads
			return time.Time{}, errOdd
		}
		return t, nil
	}
	var err error
	switch string(key) {
	case "type":
		var v string
		v, err = str()
		s.Type = queue.EventType(v)
	case "at":
		s.At, err = tm()
	case "issued_at":
		s.IssuedAt, err = tm()
	case "ticket":
		s.Ticket, err = num()
	case "new_ticket":
		s.NewTicket, err = num()
	case "service":
		s.Service, err = str()
	case "window":
		s.Window, err = str()
	case "staff":
		s.Staff, err = str()
	case "to_service":
		s.ToService, err = str()
	default:
		for _, k := range slimKeys {
			if len(k) <= len(key)*3 && len(key) <= len(k)*3 && strings.EqualFold(k, string(key)) {
				return errOdd // encoding/json would match it: let it
			}
		}
	}
	return err
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\t' || b[i] == '\r') {
		i++
	}
	return i
}

// plainBytes reads a string at b[i] == '"' without escapes, control
// characters or invalid UTF-8, returning its bytes and the index after the
// closing quote.
func plainBytes(b []byte, i int) ([]byte, int, error) {
	ascii := true
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			if !ascii && !utf8.Valid(b[i+1:j]) {
				return nil, 0, errOdd
			}
			return b[i+1 : j], j + 1, nil
		case c == '\\' || c < 0x20:
			return nil, 0, errOdd
		case c >= 0x80:
			ascii = false
		}
	}
	return nil, 0, errOdd
}

// skipValue returns the end of the JSON value at b[i]. Nested objects and
// arrays (a reconfigured event's config) are skipped by depth.
func skipValue(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, errOdd
	}
	switch b[i] {
	case '"':
		_, end, err := plainBytes(b, i)
		return end, err
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				_, end, err := plainBytes(b, j)
				if err != nil {
					return 0, err
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					if !json.Valid(b[i : j+1]) { // rare (reconfigured): check it fully
						return 0, errOdd
					}
					return j + 1, nil
				}
			}
		}
		return 0, errOdd
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ' ' && b[j] != '\n' && b[j] != '\t' && b[j] != '\r' {
		j++
	}
	if j == i || !json.Valid(b[i:j]) {
		return 0, errOdd
	}
	return j, nil
}
