package queue

import (
	"slices"
	"testing"
	"time"
)

// FuzzLeaseReplay drives a hall with a byte-coded script of leases, online
// issues, replays (good and bad), calls, finishes and clock steps (across
// day roll-overs), and checks the invariants of offline tickets: no two live
// tickets share a number, no leased number is held by a ticket, each leased
// number is replayed at most once, a replayed ticket waits from its issue
// time, and the state rebuilt from the log equals the live one.
func FuzzLeaseReplay(f *testing.F) {
	f.Add([]byte{0, 2, 10, 18, 26, 1, 3, 34, 42, 4, 5, 6, 7})
	f.Add([]byte{0, 8, 2, 2, 2, 7, 7, 7, 7, 2, 10, 66, 130})
	f.Add([]byte{0, 16, 1, 1, 2, 3, 4, 5, 250, 2, 2, 255, 2})
	f.Fuzz(func(t *testing.T, script []byte) {
		if len(script) > 300 {
			script = script[:300]
		}
		h := newHall(t)
		log := h.TakeEvents()
		now := t0
		var leases []*Lease
		replayed := map[uint64]map[int]bool{}
		for i, op := range script {
			arg := 0
			if i+1 < len(script) {
				arg = int(script[i+1])
			}
			svc := []string{"social", "tax"}[int(op>>3)%2]
			switch op % 8 {
			case 0: // lease
				l, err := h.GrantLease(now, LeaseArgs{Device: []string{"k1", "k2"}[arg%2], Service: svc,
					Count: 1 + arg%12, TTL: time.Duration(1+arg%5) * 20 * time.Minute})
				if err == nil {
					leases = append(leases, l)
				}
			case 1:
				h.Issue(now, IssueArgs{Service: svc})
			case 2, 3: // replay a number, maybe a bad one
				if len(leases) == 0 {
					continue
				}
				l := leases[arg%len(leases)]
				n := l.First + int(op>>4)%(l.Last-l.First+3) - 1
				number, _ := h.LeaseNumber(l.Service, n)
				at := now.Add(-time.Duration(arg%40) * time.Minute)
				tk, _, err := h.Replay(now, ReplayArgs{Lease: l.ID, Number: number, IssuedAt: at})
				if err != nil {
					continue
				}
				if n < l.First || n > l.Last {
					t.Fatalf("replay of %s outside lease %d-%d accepted", number, l.First, l.Last)
				}
				if replayed[l.ID] == nil {
					replayed[l.ID] = map[int]bool{}
				}
				if replayed[l.ID][n] {
					t.Fatalf("%s of lease %d replayed twice", number, l.ID)
				}
				replayed[l.ID][n] = true
				if !tk.Since.Equal(at) || !tk.IssuedAt.Equal(at) {
					t.Fatalf("replayed %s waits from %v, issued %v", number, tk.Since, at)
				}
			case 4:
				h.Call(now, []string{"1", "2", "3"}[arg%3], CallArgs{})
			case 5:
				h.Finish(now, []string{"1", "2", "3"}[arg%3], "", "")
			case 6:
				now = now.Add(time.Duration(arg) * time.Minute)
				h.Tick(now)
			case 7:
				if arg > 250 { // the next day
					now = now.Add(24 * time.Hour)
					h.Tick(now)
					leases = nil
				}
			}
			log = append(log, h.TakeEvents()...)
			checkLeaseInvariants(t, h)
		}
		checkRebuild(t, h, log)
	})
}

func checkLeaseInvariants(t *testing.T, h *Hall) {
	t.Helper()
	live := map[string]uint64{}
	for _, tk := range h.tickets {
		if !tk.Status.Live() {
			continue
		}
		if other, dup := live[tk.Number]; dup {
			t.Fatalf("tickets %d and %d both hold %s", other, tk.ID, tk.Number)
		}
		live[tk.Number] = tk.ID
	}
	for num, id := range h.leases.held {
		if tk, held := live[num]; held {
			t.Fatalf("%s is reserved by lease %d and held by ticket %d", num, id, tk)
		}
		if l := h.leases.m[id]; l == nil || !l.Active() {
			t.Fatalf("%s reserved by lease %d, which is not active", num, id)
		}
	}
	for _, l := range h.leases.m {
		u := slices.Clone(l.Used)
		slices.Sort(u)
		if len(slices.Compact(u)) != len(l.Used) {
			t.Fatalf("lease %d used %v twice", l.ID, l.Used)
		}
	}
}
