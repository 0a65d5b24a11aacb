package sim

import (
	"testing"
	"time"

	"hallq/controller/internal/queue"
	"hallq/controller/internal/sim/policies"
)

func TestSeedSpread(t *testing.T) {
	const c, mean, rho, high = 3, 4.0, 0.8, 0.3
	lambda := rho * c / mean
	want := CobhamWaits(c, []float64{lambda * high, lambda * (1 - high)}, 1/mean)
	for seed := uint64(1); seed <= 6; seed++ {
		sc := steady(c, lambda*1440, mean, map[string]float64{"love": high}, 120)
		sc.Seed = seed
		sc.Validate()
		res, _ := Run(sc, policies.Factory{Name: "strict", New: func(queue.Config) queue.Policy { return policies.Strict{} }}, Options{Continuous: true, Warmup: 12 * time.Hour})
		m := Measure(res)
		t.Logf("seed %d love %.3f/%.3f normal %.3f/%.3f all %.3f/%.3f", seed, m.Channel[queue.Love].Mean, want[0], m.Channel[queue.Normal].Mean, want[1], m.Overall.Mean, MMcWait(c, lambda, 1/mean))
	}
}
