package console

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// limiter counts failed sign-ins per client address and per user name in
// a sliding window; past the limit sign-in is refused until the window
// moves on, whatever the password.
type limiter struct {
	mu     sync.Mutex
	window time.Duration
	max    int
	fails  map[string][]time.Time
}

func newLimiter(max int, window time.Duration) *limiter {
	return &limiter{window: window, max: max, fails: map[string][]time.Time{}}
}

// blocked reports whether key is over the limit and when it may try again.
func (l *limiter) blocked(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.trim(key, now)
	if len(f) >= l.max {
		return true, f[0].Add(l.window).Sub(now)
	}
	return false, 0
}

func (l *limiter) fail(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.fails[key] = append(l.trim(key, now), now)
	// Bound memory under a flood of addresses.
	if len(l.fails) > 10000 {
		for k := range l.fails {
			if len(l.trim(k, now)) == 0 {
				delete(l.fails, k)
			}
		}
	}
}

func (l *limiter) reset(key string) {
	l.mu.Lock()
	delete(l.fails, key)
	l.mu.Unlock()
}

func (l *limiter) trim(key string, now time.Time) []time.Time {
	f := l.fails[key]
	i := 0
	for i < len(f) && now.Sub(f[i]) >= l.window {
		i++
	}
	f = f[i:]
	if len(f) == 0 {
		delete(l.fails, key)
		return nil
	}
	l.fails[key] = f
	return f
}

// clientIP is the peer address; the console is served directly on the
// hall LAN, so forwarding headers are not trusted.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
