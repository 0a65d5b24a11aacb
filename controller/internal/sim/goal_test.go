package sim

import (
	"testing"

	"hallq/controller/internal/queue"
	"hallq/controller/internal/sim/policies"
)

// TestCompositeGoal is the acceptance check of issue 6 on the county and
// city days: the composite keeps 95% of every channel within 30 minutes,
// the love channel's p90 under 10 minutes, and no peer is better on both
// the love p90 and the normal service level at once.
func TestCompositeGoal(t *testing.T) {
	for _, name := range []string{"county", "city"} {
		t.Run(name, func(t *testing.T) {
			sc := Builtins()[name]()
			if err := sc.Validate(); err != nil {
				t.Fatal(err)
			}
			ms, err := Compare(sc, policies.All())
			if err != nil {
				t.Fatal(err)
			}
			comp := ms[0]
			if comp.Policy != "composite" {
				t.Fatalf("first policy is %s", comp.Policy)
			}
			for _, ch := range queue.Channels {
				s := comp.Channel[ch]
				t.Logf("composite %-11s n=%5d SL %.4f p90 %.2f", ch, s.N, s.SL30, s.P90)
				if s.N > 0 && s.SL30 < 0.95 {
					t.Errorf("composite %s: %.2f%% within 30 min, want >= 95%%", ch, 100*s.SL30)
				}
			}
			love, normal := comp.Channel[queue.Love].P90, comp.Channel[queue.Normal].SL30
			if love >= 10 {
				t.Errorf("composite love p90 %.1f min, want < 10", love)
			}
			for _, m := range ms[1:] {
				pl, pn := m.Channel[queue.Love].P90, m.Channel[queue.Normal].SL30
				t.Logf("%-13s love p90 %5.2f (composite %5.2f)  normal SL %.4f (composite %.4f)", m.Policy, pl, love, pn, normal)
				if pl < love && pn > normal {
					t.Errorf("%s beats the composite on both love p90 (%.2f < %.2f) and normal SL (%.4f > %.4f)", m.Policy, pl, love, pn, normal)
				}
			}
		})
	}
}
