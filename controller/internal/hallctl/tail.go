package hallctl

import (
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

func init() {
	register(&command{name: "tail", args: "[-since N] [-n COUNT]", summary: "follow the event stream, one line per event (事件流)", run: runTail})
}

// idleTimeout ends a connection that sent nothing, not even the 15 s
// keep-alive comment, for this long; tail then reconnects.
const idleTimeout = 45 * time.Second

// errTailDone: the requested number of events was printed.
var errTailDone = errors.New("hallctl: tail: done")

type tailer struct {
	c      *cli
	cl     *Client
	stream *http.Client
	last   uint64
	count  int
	max    int
	asJSON bool
	retry  time.Duration
}

func runTail(ctx context.Context, c *cli, args []string) error {
	fs := newFlagSet(c, "tail", "[-since N] [-n COUNT] [-json]",
		"follow the event stream; on a lost connection it reconnects from the last event it printed")
	c.apiFlags(fs)
	var since int64
	t := &tailer{c: c, retry: time.Second}
	fs.Int64Var(&since, "since", -1, "print the events after this sequence number (0: the whole log; default: only new events)")
	fs.IntVar(&t.max, "n", 0, "stop after this many events (0: follow until interrupted)")
	fs.BoolVar(&t.asJSON, "json", false, "print each event as one line of JSON")
	if _, err := c.parse(fs, args, 0, 0); err != nil {
		return err
	}
	cl, err := c.api()
	if err != nil {
		return err
	}
	t.cl = cl
	t.stream = &http.Client{Transport: cl.HTTP.Transport} // no overall timeout: the stream is long
	if since < 0 {
		var h struct {
			LastSeq uint64 `json:"last_seq"`
		}
		if _, err := cl.Do(ctx, "GET", "/healthz", nil, &h); err != nil {
			return err
		}
		t.last = h.LastSeq
	} else {
		t.last = uint64(since)
	}
	backoff := t.retry
	for {
		before := t.count
		err := t.follow(ctx)
		switch {
		case errors.Is(err, errTailDone):
			return nil
		case ctx.Err() != nil:
			return nil // interrupted: a normal end
		}
		var ae *APIError
		if errors.As(err, &ae) && ae.Status != http.StatusServiceUnavailable {
			return err
		}
		if t.count > before {
			backoff = t.retry
		}
		if err != nil {
			fmt.Fprintf(c.stderr, "hallctl: tail: %v; reconnecting from %d in %s\n", err, t.last, backoff)
		}
		if err := cl.Sleep(ctx, backoff); err != nil {
			return nil
		}
		if err != nil {
			backoff = min(backoff*2, 30*time.Second)
		}
	}
}

// follow reads one connection until it ends. A clean end (the server closes
// after a long backlog, or shuts down) returns nil.
func (t *tailer) follow(parent context.Context) error {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	url := t.cl.Addr + "/api/v1/events?since=" + strconv.FormatUint(t.last, 10)
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return err
	}
	t.cl.auth(req)
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Last-Event-ID", strconv.FormatUint(t.last, 10))
	resp, err := t.stream.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		return decodeError(resp.StatusCode, body)
	}
	idle := time.AfterFunc(idleTimeout, cancel)
	defer idle.Stop()
	rd := newSSEReader(resp.Body)
	rd.onLine = func() { idle.Reset(idleTimeout) }
	var rerr error
	for {
		ev, err := rd.next()
		if rd.retry > 0 {
			t.retry = rd.retry
		}
		if err != nil {
			if err != io.EOF {
				rerr = err
			}
			break
		}
		if err := t.dispatch(ev.ID, ev.Data); err != nil {
			return err
		}
	}
	switch {
	case parent.Err() != nil:
		return parent.Err()
	case ctx.Err() != nil:
		return fmt.Errorf("no data for %s", idleTimeout)
	case rerr != nil:
		return fmt.Errorf("read stream: %w", rerr)
	}
	return nil
}

func (t *tailer) dispatch(id, data string) error {
	var e hallproto.Event
	if err := json.Unmarshal([]byte(data), &e); err != nil {
		fmt.Fprintf(t.c.stderr, "hallctl: tail: event %s: bad data: %v\n", id, err)
		return nil
	}
	if seq, err := strconv.ParseUint(id, 10, 64); err == nil {
		if seq <= t.last {
			return nil // seen before a reconnect
		}
		t.last = seq
	}
	var err error
	if t.asJSON {
		_, err = fmt.Fprintln(t.c.stdout, data)
	} else {
		_, err = fmt.Fprintln(t.c.stdout, formatEvent(&e))
	}
	if err != nil {
		return fmt.Errorf("hallctl: write: %w", err)
	}
	t.count++
	if t.max > 0 && t.count >= t.max {
		return errTailDone
	}
	return nil
}

// formatEvent prints an event on one line:
//
//	102 09:31:40 ticket.called        A023 social/normal window=2 staff=S017 calls=1
func formatEvent(e *hallproto.Event) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%6d %s %-22s", e.Seq, e.At.Format("15:04:05"), e.Type)
	if e.Ticket != nil {
		fmt.Fprintf(&b, " %s %s/%s", e.Ticket.Number, e.Ticket.Service, e.Ticket.Channel)
	}
	kv := func(k, v string) {
		if v != "" {
			if strings.ContainsAny(v, " \t") {
				v = strconv.Quote(v)
			}
			fmt.Fprintf(&b, " %s=%s", k, v)
		}
	}
	kv("window", e.Window)
	kv("staff", e.Staff)
	if e.Calls > 0 {
		kv("calls", strconv.Itoa(e.Calls))
	}
	kv("reason", e.Reason)
	kv("outcome", e.Outcome)
	kv("case", e.CaseNumber)
	kv("to_service", e.ToService)
	kv("to_window", e.ToWindow)
	if e.NewTicket != 0 {
		kv("new_ticket", strconv.FormatUint(e.NewTicket, 10))
	}
	kv("day", e.Day)
	return strings.TrimRight(b.String(), " ")
}
