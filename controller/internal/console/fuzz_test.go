package console

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hallq/controller/internal/engine"
	"hallq/controller/internal/queue"
	"hallq/controller/internal/store"
)

// FuzzApply feeds configuration bodies, as the PUT handler decodes them, to
// a console on a real engine: each is applied as a new version or refused
// with a Chinese reason; nothing panics and a refusal changes nothing.
func FuzzApply(f *testing.F) {
	hall := queue.Config{Name: "测试大厅",
		Services: []queue.ServiceConfig{{ID: "social", Name: "社保", Prefix: "A"}, {ID: "tax", Name: "税务", Prefix: "B"}},
		Windows:  []queue.WindowConfig{{ID: "1", Services: []string{"social"}}, {ID: "2", Services: []string{"tax", "social"}}}}
	set := Settings{Texts: Texts{SignIdle: "欢迎光临", Notices: []string{"通知"}}}
	st, err := store.Open(filepath.Join(f.TempDir(), "hallq.db"), &store.Options{NoSync: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	lg := slog.New(slog.NewTextHandler(io.Discard, nil))
	eng, err := engine.New(hall, st, engine.Options{Logger: lg})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(eng.Close)
	c, err := New(context.Background(), Options{DB: st.DB(), Engine: eng, Logger: lg, Hall: hall, Settings: set})
	if err != nil {
		f.Fatal(err)
	}
	good, _ := json.Marshal(map[string]any{"hall": hall, "texts": set.Texts})
	f.Add(good)
	f.Add([]byte(strings.Replace(string(good), `"sign_idle":"欢迎光临"`, `"sign_idle":"您好"`, 1)))
	f.Add([]byte(strings.Replace(string(good), `"prefix":"B"`, `"prefix":"A"`, 1)))
	f.Add([]byte(`{"hall":{},"texts":{"notices":["", "x"]}}`))
	f.Add([]byte(`{"hall":{"services":[{"id":"a","name":"a","prefix":"A"}],"windows":[{"id":"1","services":["a"]}]},"texts":{}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var req struct {
			Hall  json.RawMessage `json:"hall"`
			Texts Texts           `json:"texts"`
		}
		if json.Unmarshal(b, &req) != nil {
			return
		}
		ch := change{By: "fuzz", Role: RoleManager, Source: "console", Texts: req.Texts, BaseVersion: c.current().Version}
		if json.Unmarshal(req.Hall, &ch.Hall) != nil {
			return
		}
		before := c.current().Version
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		v, err := c.apply(ctx, ch)
		if err != nil {
			var ae *applyError
			if !errors.As(queueError(err), &ae) || ae.Message == "" || ae.Status < 400 {
				t.Fatalf("refusal without a reason: %v", err)
			}
			if c.current().Version != before {
				t.Fatal("a refused change moved the version")
			}
			return
		}
		if v.Version != before+1 || len(v.Summary) == 0 || c.HallInfo().ConfigVersion != v.Version {
			t.Fatalf("applied version %+v after %d", v, before)
		}
	})
}

// FuzzDuration: the session lifetimes of the configuration file.
func FuzzDuration(f *testing.F) {
	for _, s := range []string{"30m", "12h", "", "-1s", "1e9h", "abc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var d Duration
		if d.UnmarshalText([]byte(s)) != nil {
			return
		}
		b, _ := d.MarshalText()
		var back Duration
		if err := back.UnmarshalText(b); err != nil || back != d {
			t.Fatalf("%q -> %s -> %v %v", s, b, back, err)
		}
	})
}
