package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"hallq/controller/internal/queue"
	"hallq/controller/internal/store"
)

func benchConfig(windows int) queue.Config {
	c := queue.Config{Name: "bench",
		Services: []queue.ServiceConfig{
			{ID: "s1", Name: "一", Prefix: "A", First: 1, Last: 9999},
			{ID: "s2", Name: "二", Prefix: "B", First: 1, Last: 9999},
			{ID: "s3", Name: "三", Prefix: "C", First: 1, Last: 9999},
			{ID: "s4", Name: "四", Prefix: "D", First: 1, Last: 9999},
		},
		Hours: queue.Hours{IssueFrom: "00:00", IssueUntil: "24:00", Close: "24:00"}}
	for i := 1; i <= windows; i++ {
		c.Windows = append(c.Windows, queue.WindowConfig{ID: strconv.Itoa(i), Services: []string{"s1", "s2", "s3", "s4"}[i%4 : i%4+1]})
	}
	return c
}

// fsyncRate measures raw write+fsync round trips per second in dir, the
// ceiling that group commit works around.
func fsyncRate(b *testing.B, dir string) float64 {
	f, err := os.CreateTemp(dir, "fsync")
	if err != nil {
		b.Fatal(err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	buf := make([]byte, 4096)
	start := time.Now()
	n := 0
	for time.Since(start) < 300*time.Millisecond {
		f.WriteAt(buf, int64(n%64)*4096)
		if err := f.Sync(); err != nil {
			b.Fatal(err)
		}
		n++
	}
	return float64(n) / time.Since(start).Seconds()
}

func openBench(b *testing.B, windows int, o Options) (*Engine, *store.Store, string) {
	dir := b.TempDir()
	st, err := store.Open(filepath.Join(dir, "hallq.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	e, err := New(benchConfig(windows), st, o)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for i := 1; i <= windows; i++ {
		w := strconv.Itoa(i)
		e.Do(ctx, &Command{Run: func(h *queue.Hall, now time.Time) Reply {
			if err := h.Login(now, w, "S"+w); err != nil {
				b.Fatal(err)
			}
			return Reply{Status: 200}
		}})
	}
	return e, st, dir
}

// BenchmarkDurableThroughput: domain + store, no HTTP, 250 concurrent
// callers, each op (issue, call, finish) acknowledged after fsync.
func BenchmarkDurableThroughput(b *testing.B) {
	const callers = 250
	e, st, dir := openBench(b, callers, Options{})
	defer st.Close()
	defer e.Close()
	raw := fsyncRate(b, dir)
	c0, o0 := e.Stats()
	ctx := context.Background()
	per := b.N/callers + 1
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for g := 0; g < callers; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			w := strconv.Itoa(g + 1)
			svc := []string{"s1", "s2", "s3", "s4"}[(g+1)%4]
			for i := 0; i < per; i++ {
				var run func(h *queue.Hall, now time.Time) Reply
				switch i % 3 {
				case 0:
					run = func(h *queue.Hall, now time.Time) Reply {
						if _, err := h.Issue(now, queue.IssueArgs{Service: svc}); err != nil {
							return Reply{Status: 409}
						}
						return Reply{Status: 201}
					}
				case 1:
					run = func(h *queue.Hall, now time.Time) Reply { h.Call(now, w, queue.CallArgs{}); return Reply{Status: 200} }
				case 2:
					run = func(h *queue.Hall, now time.Time) Reply { h.Finish(now, w, "", ""); return Reply{Status: 200} }
				}
				if _, err := e.Do(ctx, &Command{RequestID: fmt.Sprintf("%d-%d", g, i), Run: run}); err != nil {
					b.Error(err)
					return
				}
			}
		}(g)
	}
	wg.Wait()
	el := time.Since(start)
	b.StopTimer()
	c1, o1 := e.Stats()
	ops := float64(per * callers)
	b.ReportMetric(ops/el.Seconds(), "ops/s")
	b.ReportMetric(float64(o1-o0)/float64(c1-c0), "ops/commit")
	b.ReportMetric(float64(o1-o0)/float64(c1-c0)/2, "ops/fsync")
	b.ReportMetric(raw, "raw-fsync/s")
}

// BenchmarkRecovery: start an engine on a log of 100,000 events, with no
// snapshot (full replay) and with the periodic snapshots on.
func BenchmarkRecovery(b *testing.B) {
	for _, snap := range []bool{false, true} {
		b.Run(fmt.Sprintf("snapshots=%v", snap), func(b *testing.B) {
			dir := b.TempDir()
			path := filepath.Join(dir, "hallq.db")
			st, err := store.Open(path, &store.Options{NoSync: true})
			if err != nil {
				b.Fatal(err)
			}
			cfg := benchConfig(50)
			h, _ := queue.New(cfg, st.PersonKey())
			now := time.Date(2026, 11, 17, 8, 0, 0, 0, time.UTC)
			for i := 1; i <= 50; i++ {
				h.Login(now, strconv.Itoa(i), "S")
			}
			n := 0
			for n < 100000 {
				for k := 0; k < 100; k++ {
					now = now.Add(100 * time.Millisecond)
					h.Issue(now, queue.IssueArgs{Service: []string{"s1", "s2", "s3", "s4"}[k%4]})
				}
				for w := 1; w <= 50; w++ {
					h.Call(now, strconv.Itoa(w), queue.CallArgs{})
					h.Finish(now, strconv.Itoa(w), "", "")
				}
				evs := h.TakeEvents()
				n += len(evs)
				batch := &store.Batch{Events: evs}
				if snap && n%20000 < len(evs) {
					batch.Snapshot, _ = h.Snapshot()
					batch.SnapshotSeq = h.LastSeq()
				}
				if err := st.Commit(batch); err != nil {
					b.Fatal(err)
				}
			}
			st.Close()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				st, err := store.Open(path, nil)
				if err != nil {
					b.Fatal(err)
				}
				e, err := New(cfg, st, Options{})
				if err != nil {
					b.Fatal(err)
				}
				if e.Hub().Last() != uint64(n) {
					b.Fatalf("recovered to %d of %d events", e.Hub().Last(), n)
				}
				e.Close()
				st.Close()
			}
			b.ReportMetric(float64(n), "events")
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/start")
		})
	}
}

func rssMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(f), "kB")), 64)
			return kb / 1024
		}
	}
	return 0
}

// BenchmarkMemoryDay: resident size after a 20,000-ticket day went through
// the engine (issued, called, finished; the day's tickets stay in memory).
func BenchmarkMemoryDay(b *testing.B) {
	for i := 0; i < b.N; i++ {
		e, st, _ := openBench(b, 40, Options{})
		ctx := context.Background()
		runtime.GC()
		base := rssMB()
		var wg sync.WaitGroup
		for g := 0; g < 40; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				w := strconv.Itoa(g + 1)
				svc := []string{"s1", "s2", "s3", "s4"}[(g+1)%4]
				for k := 0; k < 500; k++ {
					e.Do(ctx, &Command{RequestID: fmt.Sprintf("i%d-%d", g, k), Run: func(h *queue.Hall, now time.Time) Reply {
						h.Issue(now, queue.IssueArgs{Service: svc})
						return Reply{Status: 201, Body: make([]byte, 400)}
					}})
					e.Do(ctx, &Command{RequestID: fmt.Sprintf("c%d-%d", g, k), Run: func(h *queue.Hall, now time.Time) Reply {
						h.Call(now, w, queue.CallArgs{})
						h.Finish(now, w, "办结", "")
						return Reply{Status: 200, Body: make([]byte, 400)}
					}})
				}
			}(g)
		}
		wg.Wait()
		// Return freed heap to the OS as the runtime's scavenger does over
		// time, so RSS shows what the day keeps, not what it once used.
		debug.FreeOSMemory()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.ReportMetric(rssMB(), "rss-MB")
		b.ReportMetric(rssMB()-base, "rss-growth-MB")
		b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MB")
		e.Close()
		st.Close()
	}
}
