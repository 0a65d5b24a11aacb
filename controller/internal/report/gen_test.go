package report

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"hallq/controller/internal/queue"
	"hallq/controller/internal/store"
)

var cst = time.FixedZone("CST", 8*3600)

// cityHall is a city hall: 8 services, 60 windows each serving all of them.
func cityHall() queue.Config {
	c := queue.Config{Name: "市政务服务中心", Hours: queue.Hours{Timezone: "Asia/Shanghai", IssueFrom: "08:30", IssueUntil: "16:30", Close: "17:00"}}
	var all []string
	for i := range 8 {
		id := fmt.Sprintf("s%d", i)
		all = append(all, id)
		c.Services = append(c.Services, queue.ServiceConfig{ID: id, Name: fmt.Sprintf("业务%d", i), Prefix: string(rune('A' + i)), First: 1, Last: 9999})
	}
	for i := range 60 {
		c.Windows = append(c.Windows, queue.WindowConfig{ID: fmt.Sprint(i + 1), Name: fmt.Sprintf("%d号窗口", i+1), Services: all})
	}
	c.Defaults()
	return c
}

// generate drives the queue domain through working days of a month, about
// perDay tickets a day, and commits the events to a store as the engine
// would. It returns the store's path.
func generate(tb testing.TB, dir string, cfg queue.Config, month time.Time, perDay int) (string, int) {
	path := filepath.Join(dir, "hallq.db")
	st, err := store.Open(path, &store.Options{NoSync: true})
	if err != nil {
		tb.Fatal(err)
	}
	defer st.Close()
	h, err := queue.New(cfg, st.PersonKey())
	if err != nil {
		tb.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var batch []queue.Event
	flush := func(force bool) {
		batch = append(batch, h.TakeEvents()...)
		if len(batch) >= 20000 || (force && len(batch) > 0) {
			if err := st.Commit(&store.Batch{Events: batch}); err != nil {
				tb.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	issued := 0
	type busy struct{ until time.Time }
	for d := month; d.Month() == month.Month(); d = d.AddDate(0, 0, 1) {
		if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
			continue
		}
		open := d.Add(8*time.Hour + 30*time.Minute)
		for _, w := range cfg.Windows {
			if err := h.Login(open, w.ID, "S"+w.ID); err != nil {
				tb.Fatal(err)
			}
		}
		flush(false)
		windows := map[string]*busy{}
		perMin := float64(perDay) / 480
		carry := 0.0
		for m := 0; m < 510; m++ {
			now := open.Add(time.Duration(m) * time.Minute)
			if m < 480 {
				carry += perMin
				for ; carry >= 1; carry-- {
					if _, err := h.Issue(now.Add(time.Duration(rng.IntN(60))*time.Second), queue.IssueArgs{Service: cfg.Services[rng.IntN(len(cfg.Services))].ID}); err != nil {
						tb.Fatal(err)
					}
					issued++
				}
			}
			for _, w := range cfg.Windows {
				b := windows[w.ID]
				if b != nil && now.Before(b.until) {
					continue
				}
				if b != nil {
					if _, err := h.Finish(now, w.ID, "办结", ""); err != nil {
						tb.Fatal(err)
					}
					delete(windows, w.ID)
				}
				t, err := h.Call(now, w.ID, queue.CallArgs{})
				if err != nil || t == nil {
					continue
				}
				if rng.IntN(50) == 0 { // about 2% do not come
					h.Recall(now, w.ID)
					h.NoShow(now, w.ID)
					continue
				}
				h.Start(now, w.ID)
				windows[w.ID] = &busy{now.Add(time.Duration(3+rng.IntN(6)) * time.Minute)}
			}
			flush(false)
		}
		closing := open.Add(510 * time.Minute)
		for _, w := range cfg.Windows {
			if windows[w.ID] != nil {
				h.Finish(closing, w.ID, "办结", "")
			}
			h.Logout(closing, w.ID)
		}
		flush(true)
	}
	flush(true)
	return path, issued
}
