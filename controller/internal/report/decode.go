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
	if len(v) < 2 || len(v) > queue.MaxRecord || v[0] != 1 {
		return errors.New("record version or length")
	}
	var s slimEvent
	if err := scanSlim(v[1:], &s); err != nil {
		s = slimEvent{}
		if err := json.Unmarshal(v[1:], &s); err != nil {
			return err
		}
	}
	*e = s.event()
	return nil
}

var slimKeys = []string{"type", "at", "ticket", "service", "window", "staff", "new_ticket", "to_service", "issued_at"}

func scanSlim(b []byte, s *slimEvent) error {
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
		key, next, err := plainString(b, i)
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
		if err := s.set(key, val); err != nil {
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

func (s *slimEvent) set(key string, val []byte) error {
	str := func() (string, error) {
		if len(val) == 4 && string(val) == "null" {
			return "", nil
		}
		if len(val) < 2 || val[0] != '"' {
			return "", errOdd
		}
		v, end, err := plainString(val, 0)
		if err != nil || end != len(val) {
			return "", errOdd
		}
		return v, nil
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
		v, err := str()
		if err != nil || v == "" {
			return time.Time{}, errOdd
		}
		var t time.Time
		if err := t.UnmarshalText([]byte(v)); err != nil { // the strict form encoding/json reads
			return time.Time{}, errOdd
		}
		return t, nil
	}
	var err error
	switch key {
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
			if strings.EqualFold(k, key) {
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

// plainString reads a string at b[i] == '"' without escapes, control
// characters or invalid UTF-8, returning it and the index after the closing
// quote.
func plainString(b []byte, i int) (string, int, error) {
	ascii := true
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			if !ascii && !utf8.Valid(b[i+1:j]) {
				return "", 0, errOdd
			}
			return string(b[i+1 : j]), j + 1, nil
		case c == '\\' || c < 0x20:
			return "", 0, errOdd
		case c >= 0x80:
			ascii = false
		}
	}
	return "", 0, errOdd
}

// skipValue returns the end of the JSON value at b[i]. Nested objects and
// arrays (a reconfigured event's config) are skipped by depth.
func skipValue(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, errOdd
	}
	switch b[i] {
	case '"':
		_, end, err := plainString(b, i)
		return end, err
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				_, end, err := plainString(b, j)
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
