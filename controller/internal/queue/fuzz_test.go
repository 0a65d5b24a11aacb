package queue

import (
	"testing"
	"time"
)

// FuzzDecodeRecord: any bytes decode to an error or to an event that
// re-encodes to something that decodes the same; never a panic.
func FuzzDecodeRecord(f *testing.F) {
	h, _ := New(testConfig(), []byte("k"))
	h.Login(t0, "1", "S1")
	h.Issue(t0, IssueArgs{Service: "social", Category: "pregnant"})
	h.Call(t0, "1", CallArgs{})
	h.Transfer(t0, "1", "tax", "")
	for _, e := range h.TakeEvents() {
		b, _ := EncodeRecord(&e)
		f.Add(b)
	}
	f.Add([]byte{1, '{', '}'})
	f.Add([]byte{2, '{', '}'})
	f.Add([]byte{1, 'n', 'u', 'l', 'l'})
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := DecodeRecord(b)
		if err != nil {
			return
		}
		b2, err := EncodeRecord(&e)
		if err != nil {
			t.Fatalf("decoded event does not encode: %v", err)
		}
		e2, err := DecodeRecord(b2)
		if err != nil {
			t.Fatalf("re-encoded event does not decode: %v", err)
		}
		if e2.Seq != e.Seq || e2.Type != e.Type || e2.Ticket != e.Ticket {
			t.Fatalf("round trip changed the event: %+v -> %+v", e, e2)
		}
	})
}

// FuzzPolicy drives a hall with a byte-coded script of issues, calls,
// finishes, no-shows, transfers and channel changes, and checks the
// invariants the policy and the hall must keep: a call returns a waiting
// ticket the window serves, green goes before anything else, no ticket is
// called twice, and the lines hold exactly the waiting tickets.
func FuzzPolicy(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11})
	f.Add([]byte{0, 0, 0, 4, 4, 8, 8, 12, 1, 5, 9, 13, 200, 201, 202})
	f.Add([]byte{3, 3, 3, 3, 7, 7, 7, 11, 11, 15, 15, 19, 2, 6})
	f.Fuzz(func(t *testing.T, script []byte) {
		if len(script) > 400 {
			script = script[:400]
		}
		h, err := New(testConfig(), []byte("k"))
		if err != nil {
			t.Fatal(err)
		}
		windows := []string{"1", "2", "3"}
		for _, w := range windows {
			h.Login(t0.Add(-time.Hour), w, "S"+w)
		}
		now := t0
		called := map[uint64]bool{}
		green := Green
		for _, op := range script {
			now = now.Add(time.Duration(op%7) * time.Minute)
			w := windows[int(op>>2)%3]
			svc := []string{"social", "tax", "green-only"}[int(op>>4)%3]
			switch op % 8 {
			case 0:
				h.Issue(now, IssueArgs{Service: svc})
			case 1:
				h.Issue(now, IssueArgs{Service: svc, Category: "pregnant"})
			case 2:
				h.Issue(now, IssueArgs{Service: svc, Channel: &green, ByStaff: true})
			case 3:
				var greenWaiting bool
				if win, ok := h.WindowByID(w); ok {
					for _, s := range win.Services {
						greenWaiting = greenWaiting || len(h.Line(s, Green)) > 0
					}
				}
				tk, err := h.Call(now, w, CallArgs{})
				if err != nil || tk == nil {
					continue
				}
				if called[tk.ID] {
					t.Fatalf("ticket %d called twice", tk.ID)
				}
				called[tk.ID] = true
				win, _ := h.WindowByID(w)
				if tk.ForWindow == "" && !win.Serves(tk.Service) {
					t.Fatalf("window %s called %s of service %s it does not serve", w, tk.Number, tk.Service)
				}
				if greenWaiting && tk.Channel != Green && tk.ForWindow == "" {
					t.Fatalf("window %s called %s (%s) while a green ticket waited", w, tk.Number, tk.Channel)
				}
			case 4:
				h.Finish(now, w, "", "")
			case 5:
				h.Recall(now, w)
				h.NoShow(now, w)
			case 6:
				h.Transfer(now, w, svc, "")
			case 7:
				if win, ok := h.WindowByID(w); ok && win.Current != 0 {
					h.Park(now, w)
					h.TakeBack(now, w, 0)
				}
			}
		}
		waiting := 0
		for _, tk := range h.tickets {
			if tk.Status == Waiting {
				waiting++
			}
		}
		inLines := 0
		for _, s := range h.services {
			for _, l := range s.lines {
				for i, tk := range l.t {
					if tk.Status != Waiting {
						t.Fatalf("line holds %s in state %s", tk.Number, tk.Status)
					}
					if i > 0 && tk.before(l.t[i-1]) {
						t.Fatalf("line out of order at %s", tk.Number)
					}
				}
				inLines += len(l.t)
			}
		}
		for _, l := range h.targeted {
			inLines += len(l.t)
		}
		if inLines != waiting {
			t.Fatalf("%d tickets waiting, %d in lines", waiting, inLines)
		}
	})
}
