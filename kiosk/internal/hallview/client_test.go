package hallview

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"hallq/controller/hallproto"
)

// testClient is a minimal controller client for the tests: plain JSON
// requests and an SSE reader that reconnects with Last-Event-ID. It can
// drop events (to make a gap) and cut the connection after a number of
// events (to make a reconnect).
type testClient struct {
	base, token string
	hc          *http.Client

	mu sync.Mutex
	// drop, when set, swallows an event as if the network lost it.
	drop func(seq uint64) bool
	// cutAfter closes the stream after that many events (0: never).
	cutAfter int
	connects int
}

func newTestClient(base, token string) *testClient {
	return &testClient{base: base, token: token, hc: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}}
}

func (c *testClient) Do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	if out == nil || len(raw) == 0 {
		return nil
	}
	return json.Unmarshal(raw, out)
}

func (c *testClient) Follow(ctx context.Context, since uint64, fn func(hallproto.Event)) error {
	last := since
	for ctx.Err() == nil {
		err := c.stream(ctx, &last, fn)
		if ctx.Err() != nil {
			break
		}
		if err != nil {
			select {
			case <-ctx.Done():
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
	return ctx.Err()
}

func (c *testClient) stream(ctx context.Context, last *uint64, fn func(hallproto.Event)) error {
	req, err := http.NewRequestWithContext(ctx, "GET", c.base+"/api/v1/events", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Last-Event-ID", strconv.FormatUint(*last, 10))
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("events: %d", resp.StatusCode)
	}
	c.mu.Lock()
	c.connects++
	c.mu.Unlock()
	n := 0
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		var e hallproto.Event
		if err := json.Unmarshal([]byte(data), &e); err != nil {
			return err
		}
		*last = e.Seq
		c.mu.Lock()
		drop := c.drop != nil && c.drop(e.Seq)
		cut := c.cutAfter
		c.mu.Unlock()
		if !drop {
			fn(e)
		}
		if n++; cut > 0 && n >= cut {
			return nil // the connection "breaks": resume from *last
		}
	}
	return sc.Err()
}

func (c *testClient) setDrop(f func(uint64) bool) {
	c.mu.Lock()
	c.drop = f
	c.mu.Unlock()
}
