package hallctl

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
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

// Client talks to one controller.
type Client struct {
	Addr  string // base URL, e.g. http://127.0.0.1:8080
	Token string
	// Retries is how often a request is repeated, with the same request id,
	// after a transport error or a 503.
	Retries int
	HTTP    *http.Client
	// Sleep waits between retries; tests shorten it.
	Sleep func(ctx context.Context, d time.Duration) error
}

// NewClient returns a client with a bounded timeout for ordinary requests.
func NewClient(addr, token string) *Client {
	return &Client{Addr: strings.TrimRight(addr, "/"), Token: token, Retries: 2,
		HTTP: &http.Client{Timeout: 15 * time.Second}, Sleep: sleepCtx}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// NewRequestID returns 16 random bytes in hex: unique enough that two
// commands never share one, which the controller would refuse.
func NewRequestID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported systems
	}
	return "hallctl-" + hex.EncodeToString(b[:])
}

// Do sends one request and decodes a 2xx answer into out (when out is not
// nil and there is a body). It returns the status. A mutating request must
// already carry its request id in body, so that a retry is recognised.
func (c *Client) Do(ctx context.Context, method, path string, body, out any) (int, error) {
	var raw []byte
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			return 0, fmt.Errorf("hallctl: encode request: %w", err)
		}
	}
	var lastErr error
	for attempt := 0; attempt <= c.Retries; attempt++ {
		if attempt > 0 {
			if err := c.Sleep(ctx, time.Duration(attempt)*time.Second); err != nil {
				return 0, err
			}
		}
		status, data, err := c.once(ctx, method, path, raw)
		if err != nil {
			if ctx.Err() != nil {
				return 0, ctx.Err()
			}
			lastErr = fmt.Errorf("hallctl: %s %s: %w", method, path, err)
			continue
		}
		if status >= 200 && status < 300 {
			if out != nil && len(data) > 0 {
				if err := json.Unmarshal(data, out); err != nil {
					return status, fmt.Errorf("hallctl: %s %s: decode answer: %w", method, path, err)
				}
			}
			return status, nil
		}
		lastErr = decodeError(status, data)
		if status != http.StatusServiceUnavailable {
			return status, lastErr
		}
	}
	return 0, lastErr
}

func (c *Client) once(ctx context.Context, method, path string, raw []byte) (int, []byte, error) {
	var rd io.Reader
	if raw != nil {
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Addr+path, rd)
	if err != nil {
		return 0, nil, err
	}
	c.auth(req)
	if raw != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return 0, nil, err
	}
	return resp.StatusCode, data, nil
}

func (c *Client) auth(req *http.Request) {
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
}

// decodeError turns an error answer into an *APIError, also when the body
// is not the controller's (a proxy's page, an empty body).
func decodeError(status int, data []byte) error {
	var e hallproto.Error
	if err := json.Unmarshal(data, &e); err == nil && e.Error.Code != "" {
		return &APIError{Status: status, Code: e.Error.Code, Message: e.Error.Message, MessageEN: e.Error.MessageEN}
	}
	text := strings.TrimSpace(string(data))
	if len(text) > 200 {
		text = text[:200] + "..."
	}
	return &APIError{Status: status, Code: "http_" + strconv.Itoa(status), Message: "服务器返回错误", MessageEN: http.StatusText(status) + ": " + text}
}

// IsAPIError reports whether err is an answer of the controller with code.
func IsAPIError(err error, code string) bool {
	var e *APIError
	return errors.As(err, &e) && e.Code == code
}
