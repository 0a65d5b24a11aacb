package link

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"hallq/controller/hallproto"
)

// SinceNow makes Follow start with the next change rather than a sequence
// number.
const SinceNow = ^uint64(0)

// maxLine bounds one line of the event stream; an event is a few hundred
// bytes.
const maxLine = 1 << 20

// Follow reads the controller's event stream and calls fn for every event
// after since (SinceNow: from the next change), in order, each once. When
// the stream drops or falls silent for StreamIdle, it reconnects with
// backoff and Last-Event-ID, so no event is missed or repeated. It blocks
// until ctx ends and then returns ctx.Err(). fn runs on Follow's goroutine.
func (c *Client) Follow(ctx context.Context, since uint64, fn func(hallproto.Event)) error {
	f := &follower{c: c, last: since, fn: fn}
	for fails := 0; ; {
		got, err := f.stream(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if got {
			fails = 0
		}
		fails++
		var ae *APIError
		switch {
		case errors.As(err, &ae) && ae.Code == "bad_since":
			// The controller's log is behind ours: it was replaced. Follow it
			// from its present rather than never again.
			c.o.Logger.Warn("event stream: controller log is behind the last event seen; following from now", "last", f.last)
			f.last = SinceNow
		case errors.As(err, &ae) && ae.Status < 500:
			c.o.Logger.Error("event stream refused", "status", ae.Status, "code", ae.Code)
			fails = c.o.MaxTries + 8 // the longest wait: a token needs fixing by hand
		case err != nil:
			c.o.Logger.Debug("event stream dropped", "err", err)
		}
		t := time.NewTimer(c.backoff(fails))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

type follower struct {
	c    *Client
	last uint64
	fn   func(hallproto.Event)
}

// stream runs one connection until it ends. got reports whether it was
// established (so the next failure starts the backoff afresh).
func (f *follower) stream(ctx context.Context) (got bool, err error) {
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	path := "/api/v1/events"
	req, err := f.c.newRequest(cctx, http.MethodGet, path, nil)
	if err != nil {
		return false, err
	}
	req.Header.Set("Accept", "text/event-stream")
	switch f.last {
	case SinceNow:
		req.URL.RawQuery = "since=now"
	case 0:
		req.URL.RawQuery = "since=0"
	default:
		req.Header.Set("Last-Event-ID", strconv.FormatUint(f.last, 10))
	}
	// The idle timer covers connecting too: a controller that accepts and
	// never answers is as dead as one that refuses.
	idle := time.AfterFunc(f.c.o.StreamIdle, cancel)
	defer idle.Stop()
	resp, err := f.c.o.HTTP.Do(req)
	if err != nil {
		if ctx.Err() == nil {
			f.c.setOnline(false)
		}
		return false, fmt.Errorf("%w: GET %s: %v", ErrUnreachable, path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		f.c.setOnline(resp.StatusCode < 500)
		return false, decodeError(resp.StatusCode, raw)
	}
	f.c.setOnline(true)
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 4096), maxLine)
	var p sseParser
	for sc.Scan() {
		idle.Reset(f.c.o.StreamIdle)
		ev, ok := p.line(sc.Text())
		if !ok {
			continue
		}
		f.dispatch(ev)
	}
	err = sc.Err()
	if err == nil {
		err = io.ErrUnexpectedEOF
	}
	return true, fmt.Errorf("%w: event stream: %v", ErrUnreachable, err)
}

func (f *follower) dispatch(r sseRecord) {
	var ev hallproto.Event
	if err := json.Unmarshal([]byte(r.data), &ev); err != nil {
		f.c.o.Logger.Warn("event stream: undecodable event skipped", "id", r.id, "err", err)
		return
	}
	seq := ev.Seq
	if n, err := strconv.ParseUint(r.id, 10, 64); err == nil && r.id != "" {
		seq = n
	}
	if seq == 0 {
		f.c.o.Logger.Warn("event stream: event without id skipped", "type", r.event)
		return
	}
	if f.last != SinceNow && seq <= f.last {
		return // already delivered before a reconnection
	}
	if ev.Seq == 0 {
		ev.Seq = seq
	}
	f.last = seq
	f.fn(ev)
}

// sseRecord is one dispatched server-sent event.
type sseRecord struct {
	id, event, data string
}

// sseParser assembles server-sent events from lines (the
// text/event-stream format of the HTML standard: field: value lines, a
// blank line dispatches, ":" starts a comment).
type sseParser struct {
	cur     sseRecord
	hasData bool
}

func (p *sseParser) line(l string) (sseRecord, bool) {
	if l == "" {
		if !p.hasData {
			p.cur = sseRecord{}
			return sseRecord{}, false
		}
		r := p.cur
		p.cur, p.hasData = sseRecord{}, false
		return r, true
	}
	if l[0] == ':' {
		return sseRecord{}, false
	}
	field, value, _ := strings.Cut(l, ":")
	value = strings.TrimPrefix(value, " ")
	switch field {
	case "id":
		if !strings.ContainsRune(value, 0) {
			p.cur.id = value
		}
	case "event":
		p.cur.event = value
	case "data":
		if p.hasData {
			p.cur.data += "\n"
		}
		p.cur.data += value
		p.hasData = true
	}
	return sseRecord{}, false
}
