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

// TestOverloadedDay records how the composite and the proposed guard fare
// when the hall is overloaded (offered utilisation 0.95): the proposal
// must not be beaten by any peer on both love p90 and normal service
// level; the composite's standing is logged (see docs/simulation.md).
func TestOverloadedDay(t *testing.T) {
	sc := mustValid(t, Overloaded())
	fs := append(policies.All(), policies.Experimental()...)
	ms, err := Compare(sc, fs)
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]*Metrics{}
	for _, m := range ms {
		by[m.Policy] = m
	}
	for _, who := range []string{"composite", "proposal"} {
		me := by[who]
		ml, mn := me.Channel[queue.Love].P90, me.Channel[queue.Normal].SL30
		var beaten []string
		for _, m := range ms[1 : len(ms)-1] { // the peers
			if m.Channel[queue.Love].P90 < ml && m.Channel[queue.Normal].SL30 > mn {
				beaten = append(beaten, m.Policy)
			}
		}
		t.Logf("%s: love p90 %.1f min, normal SL %.2f%%, beaten on both by %v", who, ml, 100*mn, beaten)
		if who == "proposal" && len(beaten) > 0 {
			t.Errorf("the proposal is beaten on both by %v", beaten)
		}
	}
}
