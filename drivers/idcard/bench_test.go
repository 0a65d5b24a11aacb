package idcard_test

import (
	"context"
	"testing"
	"time"

	"hallq/drivers/idcard"
	"hallq/drivers/idcard/idcardtest"
)

// BenchmarkReadCard measures find + select + read text/photo over a pty
// against the emulator paced at 115200 baud. Metrics: wire-ms is the
// physical floor (every byte both ways, 10 bits a byte, at 115200 baud);
// x-wire is the measured time over it; x-floor divides by wire time plus
// the emulated module processing time, so it shows the driver's own cost.
// Run with -benchtime=5x: each read takes about half a second.
func BenchmarkReadCard(b *testing.B) {
	for _, tc := range []struct {
		name string
		opts idcardtest.Opts
	}{
		{"realistic", idcardtest.RealisticOpts},
		{"wire-only", idcardtest.Opts{Baud: 115200}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			r := newRig(b, &tc.opts, &idcard.Opts{ReadTimeout: 2 * time.Second, CmdTimeout: time.Second})
			ctx := context.Background()
			card := idcardtest.Sample(idcardtest.Adult, refNow)
			module := tc.opts.FindDelay + tc.opts.SelectDelay + tc.opts.ReadDelay
			var wire, total time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				r.em.PlaceCard(card)
				r.em.ResetStats()
				b.StartTimer()
				start := time.Now()
				id, err := r.dev.ReadCard(ctx)
				total += time.Since(start)
				b.StopTimer()
				if err != nil || id.Name != card.Identity.Name {
					b.Fatalf("read: %v", err)
				}
				s := r.em.Stats()
				wire += time.Duration(s.BytesIn+s.BytesOut) * 10 * time.Second / 115200
				b.StartTimer()
			}
			n := time.Duration(b.N)
			b.ReportMetric(float64(total/n)/1e6, "ms/read")
			b.ReportMetric(float64(wire/n)/1e6, "wire-ms")
			b.ReportMetric(float64(total)/float64(wire), "x-wire")
			b.ReportMetric(float64(total)/float64(wire+n*module), "x-floor")
		})
	}
}

// BenchmarkPlacedToIdentity measures what a citizen sees: from the card
// landing on the reader to the CardRead event, through the state machine
// polling every 300 ms (so about 150 ms of poll phase on average).
func BenchmarkPlacedToIdentity(b *testing.B) {
	r := newRig(b, &idcardtest.RealisticOpts, &idcard.Opts{PollInterval: 300 * time.Millisecond, CmdTimeout: time.Second, ReadTimeout: 2 * time.Second})
	events := make(chan idcard.Event, 4)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.dev.Run(ctx, func(e idcard.Event) { events <- e }); close(done) }()
	defer func() { cancel(); <-done }()
	card := idcardtest.Sample(idcardtest.Adult, refNow)
	var total time.Duration
	for i := 0; i < b.N; i++ {
		// Citizens do not arrive in step with the poll: spread the
		// placement over the poll period.
		time.Sleep(time.Duration(i*137%300) * time.Millisecond)
		start := time.Now()
		r.em.PlaceCard(card)
		for e := range events {
			if e.Kind == idcard.CardRead {
				break
			}
		}
		total += time.Since(start)
		r.em.RemoveCard()
		for e := range events {
			if e.Kind == idcard.CardRemoved {
				break
			}
		}
	}
	b.ReportMetric(float64(total/time.Duration(b.N))/1e6, "ms/placed-to-identity")
}
