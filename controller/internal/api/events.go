package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"hallq/controller/internal/queue"
)

// backlogLimit bounds one connection's catch-up; a client further behind
// reconnects from the last id it got.
const backlogLimit = 10000

// events serves GET /api/v1/events?since=N as text/event-stream. Each event
// has id: Seq, event: type, data: JSON. Last-Event-ID is honoured like since;
// since=now starts with the next change.
func (s *Server) events(w http.ResponseWriter, r *http.Request, p Principal) {
	since := uint64(0)
	q := r.URL.Query().Get("since")
	if q == "" {
		q = r.Header.Get("Last-Event-ID")
	}
	hub := s.eng.Hub()
	if q == "now" {
		q = strconv.FormatUint(hub.Last(), 10)
	}
	if q != "" {
		v, err := strconv.ParseUint(q, 10, 64)
		if err != nil {
			writeError(w, 400, "bad_since", "since 参数无效", "since must be a non-negative integer")
			return
		}
		since = v
	}
	if last := hub.Last(); since > last {
		writeError(w, 400, "bad_since", fmt.Sprintf("since 超出最新序号 %d", last), fmt.Sprintf("since is beyond the newest sequence %d", last))
		return
	}
	backlog, sub, err := hub.Subscribe(since, backlogLimit)
	if err != nil {
		writeError(w, 503, "unavailable", "事件读取失败", err.Error())
		return
	}
	defer hub.Unsubscribe(sub)
	if m := s.o.Metrics; m != nil {
		m.subscribers.Inc()
		defer m.subscribers.Dec()
	}
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(200)
	buf := make([]byte, 0, 512)
	write := func(b []byte) bool {
		rc.SetWriteDeadline(time.Now().Add(s.o.WriteTimeout))
		if _, err := w.Write(b); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	// retry: tells EventSource clients how soon to reconnect.
	if !write([]byte("retry: 1000\n\n")) {
		return
	}
	for i := range backlog {
		buf = append(buf[:0], backlog[i].Bytes...)
		if !write(buf) {
			return
		}
	}
	if sub == nil {
		return // backlog cut at its limit: the client reconnects with the last id
	}
	keep := time.NewTicker(s.o.KeepAlive)
	defer keep.Stop()
	for {
		select {
		case e, ok := <-sub.C:
			if !ok {
				return // lagged or shutting down: the client resumes with Last-Event-ID
			}
			buf = append(buf[:0], e.Bytes...)
			// Drain what is already there into one write.
			for more := true; more && len(buf) < 32<<10; {
				select {
				case e2, ok := <-sub.C:
					if !ok {
						write(buf)
						return
					}
					buf = append(buf, e2.Bytes...)
				default:
					more = false
				}
			}
			if !write(buf) {
				return
			}
		case <-keep.C:
			if !write([]byte(": keep-alive\n\n")) {
				return
			}
		case <-r.Context().Done():
			return
		}
	}
}

// appendEvent renders one event as a server-sent event; the hub does it
// once per event for all subscribers.
func appendEvent(buf []byte, e *queue.Event, loc *time.Location) []byte {
	pe := RenderEvent(e, loc)
	data, _ := json.Marshal(pe)
	buf = append(buf, "id: "...)
	buf = strconv.AppendUint(buf, pe.Seq, 10)
	buf = append(buf, "\nevent: "...)
	buf = append(buf, pe.Type...)
	buf = append(buf, "\ndata: "...)
	buf = append(buf, data...)
	return append(buf, "\n\n"...)
}
