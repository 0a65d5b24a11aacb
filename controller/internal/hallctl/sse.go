package hallctl

import (
	"bufio"
	"io"
	"strconv"
	"strings"
	"time"
)

// sseEvent is one dispatched server-sent event.
type sseEvent struct {
	ID   string // the last id seen, as the SSE rules keep it across events
	Type string
	Data string
}

// sseReader parses text/event-stream as the HTML standard describes it,
// for the subset the controller sends: id, event, data, retry and comments.
type sseReader struct {
	sc    *bufio.Scanner
	id    string
	retry time.Duration // the last valid retry: field, 0 if none
	// onLine is called for every line read, comments included (keep-alive
	// detection).
	onLine func()
}

// maxSSELine bounds one line; an event is at most a few hundred bytes.
const maxSSELine = 1 << 20

func newSSEReader(r io.Reader) *sseReader {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxSSELine)
	return &sseReader{sc: sc}
}

// next returns the next event with data; io.EOF at the end of the stream.
func (r *sseReader) next() (sseEvent, error) {
	var typ string
	var data strings.Builder
	hasData := false
	for r.sc.Scan() {
		if r.onLine != nil {
			r.onLine()
		}
		line := r.sc.Text()
		if line == "" {
			if hasData {
				return sseEvent{ID: r.id, Type: typ, Data: data.String()}, nil
			}
			typ = ""
			continue
		}
		if strings.HasPrefix(line, ":") {
			continue
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "id":
			if !strings.ContainsRune(value, 0) {
				r.id = value
			}
		case "event":
			typ = value
		case "data":
			if hasData {
				data.WriteByte('\n')
			}
			data.WriteString(value)
			hasData = true
		case "retry":
			if ms, err := strconv.Atoi(value); err == nil && ms > 0 && ms <= 60000 {
				r.retry = time.Duration(ms) * time.Millisecond
			}
		}
	}
	if err := r.sc.Err(); err != nil {
		return sseEvent{}, err
	}
	// An event without its closing blank line is incomplete: drop it, as
	// the standard does; the reconnect fetches it again.
	return sseEvent{}, io.EOF
}
