package console

import (
	"context"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"path/filepath"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"hallq/controller/internal/engine"
	"hallq/controller/internal/queue"
	"hallq/controller/internal/store"
)

func benchConsole(b *testing.B) *Console {
	b.Helper()
	hall := queue.Config{Name: "测试大厅",
		Services: []queue.ServiceConfig{{ID: "social", Name: "社保", Prefix: "A"}, {ID: "tax", Name: "税务", Prefix: "B"}},
		Windows:  []queue.WindowConfig{{ID: "1", Services: []string{"social"}}, {ID: "2", Services: []string{"tax", "social"}}}}
	hash, _ := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	set := Settings{Users: []User{{Name: "m", Role: RoleManager, PasswordHash: string(hash)}}}
	st, err := store.Open(filepath.Join(b.TempDir(), "hallq.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	lg := slog.New(slog.NewTextHandler(io.Discard, nil))
	eng, err := engine.New(hall, st, engine.Options{Logger: lg})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(eng.Close)
	c, err := New(context.Background(), Options{DB: st.DB(), Engine: eng, Logger: lg, Hall: hall, Settings: set})
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkSessionAuth: the cost a session cookie adds to every API
// request the console makes (a bbolt read; a write at most once a minute).
func BenchmarkSessionAuth(b *testing.B) {
	c := benchConsole(b)
	id, _, err := c.newSession(c.users["m"], "127.0.0.1")
	if err != nil {
		b.Fatal(err)
	}
	r, _ := http.NewRequest("GET", "/api/v1/queues", nil)
	r.AddCookie(&http.Cookie{Name: CookieName, Value: id})
	auth := c.Authenticator()
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := auth(r); !ok {
			b.Fatal("session refused")
		}
	}
}

// BenchmarkApply: one configuration version applied (validation, version
// record, the reconfigured event committed with fsync, audit entry).
func BenchmarkApply(b *testing.B) {
	c := benchConsole(b)
	texts := []Texts{{SignIdle: "欢迎光临"}, {SignIdle: "您好"}}
	i := 1 // texts[0] is the configured one
	for b.Loop() {
		cur := c.current()
		if _, err := c.apply(context.Background(), change{By: "m", Role: RoleManager, Hall: cur.Hall, Texts: texts[i%2], BaseVersion: cur.Version}); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/version")
}

// BenchmarkPageWeight reports the bytes of the embedded pages (HTML, CSS,
// JavaScript: the whole console, no other downloads).
func BenchmarkPageWeight(b *testing.B) {
	var total int64
	for b.Loop() {
		total = 0
		fs.WalkDir(webFS, "web", func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				fi, _ := d.Info()
				total += fi.Size()
			}
			return nil
		})
	}
	b.ReportMetric(float64(total), "bytes")
}
