package sim

import "math"

// ErlangC is the probability that an arrival waits in an M/M/c queue with
// offered load a = λ/μ erlangs.
func ErlangC(c int, a float64) float64 {
	if a >= float64(c) {
		return 1
	}
	// Erlang B by the stable recursion, then C from B.
	b := 1.0
	for k := 1; k <= c; k++ {
		b = a * b / (float64(k) + a*b)
	}
	rho := a / float64(c)
	return b / (1 - rho + rho*b)
}

// MMcWait is the mean wait in queue of M/M/c with arrival rate lambda and
// service rate mu per server (same time unit as the result's inverse).
func MMcWait(c int, lambda, mu float64) float64 {
	a := lambda / mu
	if a >= float64(c) {
		return math.Inf(1)
	}
	return ErlangC(c, a) / (float64(c)*mu - lambda)
}

// CobhamWaits are the mean waits of each class of a non-preemptive
// priority M/M/c queue with equal service rate mu (Cobham 1954): class k
// waits W0 / ((1-σ_{k-1})(1-σ_k)), where W0 = C(c, a)/(cμ) and σ_k sums the
// loads λ_i/(cμ) of classes 1..k. lambdas go from the highest class down.
func CobhamWaits(c int, lambdas []float64, mu float64) []float64 {
	total := 0.0
	for _, l := range lambdas {
		total += l
	}
	w0 := ErlangC(c, total/mu) / (float64(c) * mu)
	out := make([]float64, len(lambdas))
	sigma := 0.0
	for k, l := range lambdas {
		prev := sigma
		sigma += l / (float64(c) * mu)
		if sigma >= 1 {
			out[k] = math.Inf(1)
			continue
		}
		out[k] = w0 / ((1 - prev) * (1 - sigma))
	}
	return out
}
