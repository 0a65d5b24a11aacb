package citizen

import (
	"sync"
	"time"
)

// limiter counts events per key in fixed windows. Memory is bounded: past
// maxKeys keys the oldest windows are dropped first.
type limiter struct {
	mu     sync.Mutex
	n      int
	window time.Duration
	seen   map[string]*bucket
}

type bucket struct {
	start time.Time
	count int
}

const maxKeys = 100000

func newLimiter(n int, window time.Duration) *limiter {
	return &limiter{n: n, window: window, seen: map[string]*bucket{}}
}

// allow counts one event for key at now and reports whether it is within
// the limit.
func (l *limiter) allow(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.seen[key]
	if b == nil || now.Sub(b.start) >= l.window {
		if len(l.seen) >= maxKeys {
			for k, v := range l.seen {
				if now.Sub(v.start) >= l.window {
					delete(l.seen, k)
				}
			}
			if len(l.seen) >= maxKeys {
				return false // under attack: refuse new keys until windows expire
			}
		}
		b = &bucket{start: now}
		l.seen[key] = b
	}
	b.count++
	return b.count <= l.n
}
