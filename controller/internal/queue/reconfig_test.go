package queue

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// replay rebuilds a hall from base and the events, as the store does.
func replay(t *testing.T, base Config, evs []Event) *Hall {
	t.Helper()
	h, err := New(base, []byte("k"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		rec, err := EncodeRecord(&e)
		if err != nil {
			t.Fatal(err)
		}
		d, err := DecodeRecord(rec)
		if err != nil {
			t.Fatal(err)
		}
		if err := h.Apply(d); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

func TestReconfigure(t *testing.T) {
	at := t0
	tests := []struct {
		name    string
		change  func(c *Config)
		wantErr error
	}{
		{"add service and window", func(c *Config) {
			c.Services = append(c.Services, ServiceConfig{ID: "pass", Name: "出入境", Prefix: "D"})
			c.Windows = append(c.Windows, WindowConfig{ID: "9", Name: "9号", Services: []string{"pass", "social"}})
		}, nil},
		{"rename and retune", func(c *Config) {
			c.Services[0].Name = "社保医保"
			c.Policy.GuardMinutes = 40
			c.Channels.LoveAgeFrom = 70
		}, nil},
		{"remove service with queue", func(c *Config) {
			c.Services = slices.DeleteFunc(c.Services, func(s ServiceConfig) bool { return s.ID == "social" })
			for i := range c.Windows {
				c.Windows[i].Services = slices.DeleteFunc(c.Windows[i].Services, func(s string) bool { return s == "social" })
			}
			c.Windows = c.Windows[1:]
		}, ErrStrands},
		{"remove last window serving a waiting service", func(c *Config) {
			c.Windows[0].Services = []string{"tax"}
			c.Windows[1].Services = []string{"tax"}
		}, ErrStrands},
		{"remove staffed window", func(c *Config) {
			c.Windows = c.Windows[:2]
		}, ErrStrands},
		{"remove empty service", func(c *Config) {
			c.Services = c.Services[:2]
			c.Windows[2].Services = []string{"tax"}
		}, nil},
		{"invalid config", func(c *Config) { c.Services[1].Prefix = "A" }, ErrInvalid},
		{"too large for one log record", func(c *Config) {
			for i := range 1000 {
				c.Windows = append(c.Windows, WindowConfig{ID: fmt.Sprint("w", i), Name: strings.Repeat("窗", 30), Services: []string{"social"}})
			}
		}, ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHall(t)
			base := testConfig()
			mustIssue(t, h, at, IssueArgs{Service: "social"})
			mustIssue(t, h, at, IssueArgs{Service: "tax"})
			cfg := h.Config()
			tc.change(&cfg)
			before := h.LastSeq()
			err := h.Reconfigure(at.Add(time.Minute), ReconfigureArgs{Config: cfg, Version: 2, By: "manager", Base: ConfigHash(base)})
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if err != nil {
				if h.LastSeq() != before {
					t.Fatalf("a refused change emitted events")
				}
				var qe *Error
				if !errors.As(err, &qe) || qe.Message == "" {
					t.Fatalf("no Chinese reason: %v", err)
				}
				return
			}
			if st := h.ConfigState(); !st.Reconfigured || st.Version != 2 || st.By != "manager" {
				t.Fatalf("state %+v", st)
			}
			// Replaying the log from the file's configuration gives the
			// same hall, and a snapshot restores the new configuration.
			evs := h.TakeEvents()
			r := replay(t, base, evs)
			if ConfigHash(r.Config()) != ConfigHash(h.Config()) {
				t.Fatalf("replayed config differs")
			}
			snap, err := h.Snapshot()
			if err != nil {
				t.Fatal(err)
			}
			r2, _ := New(base, []byte("k"))
			if err := r2.Restore(snap); err != nil {
				t.Fatal(err)
			}
			s1, s2 := h.ConfigState(), r2.ConfigState()
			if ConfigHash(r2.Config()) != ConfigHash(h.Config()) || s1.Version != s2.Version || s1.By != s2.By || !s1.At.Equal(s2.At) {
				t.Fatalf("restored config differs")
			}
			q1, q2 := h.Queues(at), r2.Queues(at)
			if len(q1) != len(q2) || q1[0].Total != 1 {
				t.Fatalf("queues %v vs %v", q1, q2)
			}
		})
	}
}

// TestReconfigureKeepsLiveState: a waiting ticket can be called at a window
// added by the change, and numbering goes on.
func TestReconfigureKeepsLiveState(t *testing.T) {
	h := newHall(t)
	a1 := mustIssue(t, h, t0, IssueArgs{Service: "social"})
	cfg := h.Config()
	cfg.Windows = append(cfg.Windows, WindowConfig{ID: "9", Name: "9号", Services: []string{"social"}})
	cfg.Services = append(cfg.Services, ServiceConfig{ID: "pass", Name: "出入境", Prefix: "D"})
	if err := h.Reconfigure(t0.Add(time.Minute), ReconfigureArgs{Config: cfg, Version: 1, By: "m"}); err != nil {
		t.Fatal(err)
	}
	if err := h.Login(t0.Add(2*time.Minute), "9", "s9"); err != nil {
		t.Fatal(err)
	}
	got, err := h.Call(t0.Add(3*time.Minute), "9", CallArgs{})
	if err != nil || got == nil || got.ID != a1.ID {
		t.Fatalf("call at new window: %v %v", got, err)
	}
	a2 := mustIssue(t, h, t0.Add(4*time.Minute), IssueArgs{Service: "social"})
	if a2.Number != "A002" {
		t.Fatalf("numbering restarted: %s", a2.Number)
	}
	d := mustIssue(t, h, t0.Add(4*time.Minute), IssueArgs{Service: "pass"})
	if d.Number != "D001" {
		t.Fatalf("new service number %s", d.Number)
	}
}

// FuzzReconfigure: any configuration, as JSON from a console, is either
// refused with a typed error and no event, or applied so that a replay of
// the log from the original configuration gives the same hall.
func FuzzReconfigure(f *testing.F) {
	base := testConfig()
	seed := func(mod func(c *Config)) {
		c := testConfig()
		mod(&c)
		b, _ := json.Marshal(c)
		f.Add(b)
	}
	seed(func(c *Config) {})
	seed(func(c *Config) { c.Services = c.Services[:1]; c.Windows = c.Windows[:1] })
	seed(func(c *Config) { c.Windows = append(c.Windows, WindowConfig{ID: "9", Services: []string{"tax"}}) })
	seed(func(c *Config) { c.Hours.Timezone = "Mars/Olympus" })
	seed(func(c *Config) { c.Services[0].First, c.Services[0].Last = 5, 7 })
	f.Add([]byte(`{"services":[{"id":"x","name":"x","prefix":"Q"}],"windows":[{"id":"1","services":["x"]}]}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var cfg Config
		if json.Unmarshal(b, &cfg) != nil {
			return
		}
		h, err := New(base, []byte("k"))
		if err != nil {
			t.Fatal(err)
		}
		if err := h.Login(t0, "1", "s1"); err != nil {
			t.Fatal(err)
		}
		if _, err := h.Issue(t0, IssueArgs{Service: "social"}); err != nil {
			t.Fatal(err)
		}
		before := h.LastSeq()
		err = h.Reconfigure(t0.Add(time.Minute), ReconfigureArgs{Config: cfg, Version: 1, By: "fuzz"})
		if err != nil {
			var qe *Error
			if !errors.As(err, &qe) || qe.Message == "" {
				t.Fatalf("untyped refusal: %v", err)
			}
			if h.LastSeq() != before {
				t.Fatal("a refused change emitted events")
			}
			return
		}
		evs := h.TakeEvents()
		r, err := New(base, []byte("k"))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			rec, err := EncodeRecord(&e)
			if err != nil {
				t.Fatal(err)
			}
			d, err := DecodeRecord(rec)
			if err != nil {
				t.Fatalf("an accepted change does not read back: %v", err)
			}
			if err := r.Apply(d); err != nil {
				t.Fatalf("replay: %v", err)
			}
		}
		if ConfigHash(r.Config()) != ConfigHash(h.Config()) {
			t.Fatal("replay gives another configuration")
		}
		// The hall still works: the waiting ticket is counted.
		total := 0
		for _, q := range h.Queues(t0) {
			total += q.Total
		}
		if total != 1 {
			t.Fatalf("waiting tickets after the change: %d", total)
		}
	})
}
