package sim

import (
	"testing"

	"hallq/controller/internal/sim/policies"
)

// BenchmarkCityDay measures simulated city days (about 4,000 tickets, 40
// windows) per second with the composite policy. Goal: a day under 1 s.
func BenchmarkCityDay(b *testing.B) {
	sc := City()
	sc.Days = 1
	if err := sc.Validate(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	tickets := 0
	for i := 0; b.Loop(); i++ {
		sc.Seed = uint64(i + 1)
		res, err := Run(sc, policies.Composite(), Options{})
		if err != nil {
			b.Fatal(err)
		}
		tickets += len(res.Records)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "days/s")
	b.ReportMetric(float64(tickets)/b.Elapsed().Seconds(), "tickets/s")
}
