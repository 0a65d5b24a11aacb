package link

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Opts configure a Client. Zero fields take the values of DefaultOpts.
type Opts struct {
	// HTTP is the client used for every request; its Timeout must be zero
	// (the event stream is long-lived). Default: a client with a 3 s dial
	// time-out.
	HTTP *http.Client
	// TryTimeout bounds one attempt of Do.
	TryTimeout time.Duration
	// MaxTries bounds the attempts of a retried request.
	MaxTries int
	// MinBackoff and MaxBackoff bound the wait between attempts (and between
	// reconnections of Follow): exponential, with jitter.
	MinBackoff, MaxBackoff time.Duration
	// StreamIdle is how long Follow waits for any byte (the controller sends
	// a keep-alive comment every 15 s) before it drops the connection and
	// reconnects.
	StreamIdle time.Duration
	// UserAgent names the device in the controller's logs.
	UserAgent string
	// Logger gets link state changes; never any personal data.
	Logger *slog.Logger
}

// DefaultOpts are the options New uses for zero fields.
var DefaultOpts = Opts{
	TryTimeout: 5 * time.Second,
	MaxTries:   6,
	MinBackoff: 100 * time.Millisecond,
	MaxBackoff: 5 * time.Second,
	StreamIdle: 45 * time.Second,
	UserAgent:  "hallq-link/1",
}

// maxBody bounds an answer the client reads; the largest (a ticket list) is
// well below.
const maxBody = 4 << 20

// Client talks to one controller. It is safe for concurrent use.
type Client struct {
	base  *url.URL
	token string
	o     Opts

	mu      sync.Mutex
	online  bool
	known   bool
	watches []func(bool)
}

// New checks the base URL (http://host:port) and returns a client.
func New(baseURL, token string, o *Opts) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil {
		return nil, fmt.Errorf("link: controller address %q: %w", baseURL, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("link: controller address %q: want http://host:port", baseURL)
	}
	if token == "" {
		return nil, errors.New("link: empty token")
	}
	var opts Opts
	if o != nil {
		opts = *o
	}
	d := DefaultOpts
	if opts.HTTP == nil {
		opts.HTTP = &http.Client{Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           (&net.Dialer{Timeout: 3 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConnsPerHost:   4,
			IdleConnTimeout:       90 * time.Second,
			ResponseHeaderTimeout: 0,
		}}
	}
	if opts.TryTimeout <= 0 {
		opts.TryTimeout = d.TryTimeout
	}
	if opts.MaxTries <= 0 {
		opts.MaxTries = d.MaxTries
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = d.MinBackoff
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = d.MaxBackoff
	}
	if opts.MaxBackoff < opts.MinBackoff {
		opts.MaxBackoff = opts.MinBackoff
	}
	if opts.StreamIdle <= 0 {
		opts.StreamIdle = d.StreamIdle
	}
	if opts.UserAgent == "" {
		opts.UserAgent = d.UserAgent
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Client{base: u, token: token, o: opts}, nil
}

// String names the controller the client talks to.
func (c *Client) String() string { return "link(" + c.base.String() + ")" }

// NewRequestID returns a fresh random request id (32 hex digits).
func NewRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Online reports whether the last exchange with the controller got an
// answer (a 5xx answer counts as offline: the controller cannot serve).
func (c *Client) Online() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.online
}

// OnState registers fn to be called, on the goroutine that noticed it, each
// time the link goes online or offline. fn must not block.
func (c *Client) OnState(fn func(online bool)) {
	c.mu.Lock()
	c.watches = append(c.watches, fn)
	c.mu.Unlock()
}

func (c *Client) setOnline(on bool) {
	c.mu.Lock()
	if c.known && c.online == on {
		c.mu.Unlock()
		return
	}
	was := c.online
	c.online, c.known = on, true
	ws := append([]func(bool){}, c.watches...)
	c.mu.Unlock()
	if was != on {
		c.o.Logger.Info("controller link", "online", on)
		for _, fn := range ws {
			fn(on)
		}
	}
}

// Do sends one JSON request: in is encoded as the body (nil: none), a 2xx
// answer is decoded into out (nil: discarded). An error answer comes back as
// *APIError; no answer as an error wrapping ErrUnreachable.
//
// GET requests, and requests whose body carries a non-empty "request_id",
// are retried on network errors and 5xx answers, with exponential backoff
// and jitter, up to MaxTries attempts; the controller answers a repeated
// request id with its first answer, so a retry cannot act twice. Other
// requests are sent once, and 4xx answers are never retried. ctx bounds the
// whole, retries included; TryTimeout bounds each attempt.
func (c *Client) Do(ctx context.Context, method, path string, in, out any) error {
	var body []byte
	retry := method == http.MethodGet || method == http.MethodHead
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return fmt.Errorf("link: %s %s: encode: %w", method, path, err)
		}
		retry = retry || hasRequestID(body)
	}
	for try := 1; ; try++ {
		wait, err := c.once(ctx, method, path, body, out)
		if err == nil {
			return nil
		}
		var ae *APIError
		temporary := errors.Is(err, ErrUnreachable) || (errors.As(err, &ae) && ae.Temporary())
		if !retry || !temporary || try >= c.o.MaxTries || ctx.Err() != nil {
			return err
		}
		if wait <= 0 || wait > c.o.MaxBackoff {
			wait = c.backoff(try)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

// hasRequestID reports whether a JSON object carries a non-empty request_id.
func hasRequestID(body []byte) bool {
	var v struct {
		RequestID string `json:"request_id"`
	}
	return json.Unmarshal(body, &v) == nil && v.RequestID != ""
}

// backoff is the wait before attempt try+1: MinBackoff doubled per attempt,
// capped at MaxBackoff, then jittered into [d/2, d) so that the kiosks of a
// hall do not all come back in the same instant.
func (c *Client) backoff(try int) time.Duration {
	d := c.o.MinBackoff
	for i := 1; i < try && d < c.o.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, c.o.MaxBackoff)
	return d/2 + time.Duration(mrand.Int64N(int64(d/2)+1))
}

func (c *Client) url(path string) string {
	return c.base.String() + path
}

func (c *Client) newRequest(ctx context.Context, method, path string, body []byte) (*http.Request, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.url(path), rd)
	if err != nil {
		return nil, fmt.Errorf("link: %s %s: %w", method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("User-Agent", c.o.UserAgent)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// once is one attempt. wait is the server's Retry-After, if any.
func (c *Client) once(ctx context.Context, method, path string, body []byte, out any) (wait time.Duration, err error) {
	tctx, cancel := context.WithTimeout(ctx, c.o.TryTimeout)
	defer cancel()
	req, err := c.newRequest(tctx, method, path, body)
	if err != nil {
		return 0, err
	}
	resp, err := c.o.HTTP.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			// The caller gave up: that says nothing about the controller.
			return 0, fmt.Errorf("%w: %s %s: %w", ErrUnreachable, method, path, ctx.Err())
		}
		c.setOnline(false)
		return 0, fmt.Errorf("%w: %s %s: %v", ErrUnreachable, method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err == nil && len(raw) > maxBody {
		err = fmt.Errorf("answer larger than %d bytes", maxBody)
	}
	if err != nil {
		c.setOnline(false)
		return 0, fmt.Errorf("%w: %s %s: read answer: %v", ErrUnreachable, method, path, err)
	}
	c.setOnline(resp.StatusCode < 500)
	if resp.StatusCode >= 300 {
		if s, perr := strconv.Atoi(resp.Header.Get("Retry-After")); perr == nil && s >= 0 {
			wait = time.Duration(s) * time.Second
		}
		return wait, decodeError(resp.StatusCode, raw)
	}
	if out == nil || resp.StatusCode == http.StatusNoContent || len(raw) == 0 {
		return 0, nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return 0, fmt.Errorf("link: %s %s: decode answer: %w", method, path, err)
	}
	return 0, nil
}

// decodeError turns an error answer into *APIError; a body that is not the
// controller's error shape (a proxy's page) still gives the status.
func decodeError(status int, raw []byte) *APIError {
	var b struct {
		Error struct {
			Code      string `json:"code"`
			Message   string `json:"message"`
			MessageEn string `json:"message_en"`
		} `json:"error"`
	}
	ae := &APIError{Status: status}
	if json.Unmarshal(raw, &b) == nil && b.Error.Code != "" {
		ae.Code, ae.Message, ae.MessageEn = b.Error.Code, b.Error.Message, b.Error.MessageEn
		return ae
	}
	ae.Code = "http_" + strconv.Itoa(status)
	ae.Message = "控制器返回错误 " + strconv.Itoa(status)
	ae.MessageEn = http.StatusText(status)
	return ae
}
