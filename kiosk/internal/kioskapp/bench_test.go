package kioskapp_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"hallq/drivers/escpos"
	"hallq/drivers/escpos/escpostest"
	"hallq/drivers/idcard/idcardtest"
	"hallq/kiosk/internal/flow"
	"hallq/kiosk/internal/kioskapp"
	"hallq/kiosk/internal/kioskapp/kioskapptest"
	"hallq/kiosk/internal/ticket"
)

// citizen answers the kiosk's screens at once, as a citizen who knows
// what they want: service, the normal (or recommended) channel, confirm.
func citizen(ctx context.Context, k *kioskapp.Kiosk, states <-chan flow.State, service string) {
	for {
		select {
		case <-ctx.Done():
			return
		case s := <-states:
			switch s.Screen {
			case flow.ScreenServices:
				k.Send(flow.ChooseService{ID: service})
			case flow.ScreenChannel:
				for i, o := range s.Channels {
					if o.Enabled && o.Category == "" {
						k.Send(flow.ChooseChannel{Index: i})
						break
					}
				}
			case flow.ScreenConfirm:
				k.Send(flow.Confirm{})
			}
		}
	}
}

func stateFeed() (func(flow.State), chan flow.State) {
	ch := make(chan flow.State, 64)
	return func(s flow.State) {
		select {
		case ch <- s:
		default:
		}
	}, ch
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

// BenchmarkSwipeToTicket: from an ID card placed on the reader to the
// last byte of the ticket taken by the printer, through the real drivers,
// flow, controller (issue + appointment lookup) and printer status
// checks, with the emulators at real line speeds (reader 115200 baud with
// its module's processing delays; printer at the given baud) and a reader
// polling every 300 ms. The floor is what the devices alone need: the
// reader's own card read time (measured the same way) plus the ticket's
// bytes at line speed (10 bits a byte).
func BenchmarkSwipeToTicket(b *testing.B) {
	for _, baud := range []int{115200, 9600} {
		b.Run("printer-"+strconv.Itoa(baud), func(b *testing.B) {
			const poll = 300 * time.Millisecond
			feed, states := stateFeed()
			// readAt is when the journey got the card's data: the moment
			// the reader's work ended, whatever its poll phase was.
			var readAt atomic.Int64
			render := func(s flow.State) {
				switch s.Screen {
				case flow.ScreenCheckingIn, flow.ScreenServices, flow.ScreenGroups:
					readAt.CompareAndSwap(0, time.Now().UnixNano())
				}
				feed(s)
			}
			co := idcardtest.RealisticOpts
			r := newRig(b, &rigOpts{
				devs:   &kioskapptest.Opts{Card: &co, Printer: &escpostest.Opts{Baud: baud}},
				baud:   baud,
				poll:   poll,
				render: render,
			})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			services := []string{"social", "household", "business", "tax", "property"}
			cards := idcardtest.SampleCards(r.now())
			var valid []idcardtest.Card
			for _, name := range []string{idcardtest.Adult, idcardtest.Elder, idcardtest.Child} {
				valid = append(valid, cards[name])
			}
			var ds, reads []time.Duration
			var ratios []float64
			var jobLen int
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				svc := services[i%len(services)]
				card := valid[(i/len(services))%len(valid)]
				cctx, ccancel := context.WithCancel(ctx)
				go citizen(cctx, r.k, states, svc)
				r.k.Send(flow.Start{})
				r.wait(b, "identify", func(s flow.State) bool { return s.Screen == flow.ScreenIdentify }, 5*time.Second)
				time.Sleep(poll)
				readAt.Store(0)
				b.StartTimer()
				t0 := time.Now()
				r.devs.Card.PlaceCard(card)
				wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
				err := r.devs.Printer.WaitCuts(wctx, i+1)
				wcancel()
				d := time.Since(t0)
				b.StopTimer()
				if err != nil {
					b.Fatalf("no ticket: screen %v %v", r.k.State().Screen, r.k.State().Message)
				}
				ds = append(ds, d)
				job, _, _ := r.k.LastTicket()
				jobLen = len(job)
				read := time.Duration(readAt.Load() - t0.UnixNano())
				line := time.Duration(jobLen) * 10 * time.Second / time.Duration(baud)
				reads = append(reads, read)
				ratios = append(ratios, float64(d)/float64(read+line))
				ccancel()
				r.wait(b, "done", func(s flow.State) bool { return s.Screen == flow.ScreenDone }, 10*time.Second)
				r.devs.Card.RemoveCard()
				r.k.Send(flow.StartOver{})
				r.wait(b, "attract", func(s flow.State) bool { return s.Screen == flow.ScreenAttract }, 5*time.Second)
				b.StartTimer()
			}
			b.StopTimer()
			line := time.Duration(jobLen) * 10 * time.Second / time.Duration(baud)
			sort.Float64s(ratios)
			b.ReportMetric(median(ds).Seconds(), "s/swipe-median")
			b.ReportMetric((median(reads) + line).Seconds(), "s/floor-median")
			b.ReportMetric(median(reads).Seconds(), "s/card-read-median")
			b.ReportMetric(line.Seconds(), "s/print-line")
			b.ReportMetric(ratios[len(ratios)/2], "x-floor-median")
			b.ReportMetric(float64(jobLen), "ticket-bytes")
		})
	}
}

func rss() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			f := strings.Fields(l)
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

// BenchmarkSessionsMemory runs 1,000 plain-ticket sessions (touch, service,
// confirm, issue on the real controller, print on the emulated printer)
// per iteration and reports the Go heap after a GC and the process RSS
// at 100, 500 and 1,000 sessions. The process holds the controller and
// the emulators too, so RSS is an upper bound of the kiosk's own.
func BenchmarkSessionsMemory(b *testing.B) {
	render, states := stateFeed()
	r := newRig(b, &rigOpts{render: render, poll: 200 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	services := []string{"social", "household", "business", "tax", "property"}
	marks := map[int]string{100: "100", 500: "500", 1000: "1000"}
	heap := func() float64 {
		runtime.GC()
		debug.FreeOSMemory()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return float64(ms.HeapInuse) / (1 << 20)
	}
	printed := 0
	for i := 0; i < b.N; i++ {
		for n := 1; n <= 1000; n++ {
			svc := services[n%len(services)]
			cctx, ccancel := context.WithCancel(ctx)
			go citizen(cctx, r.k, states, svc)
			r.k.Send(flow.Start{})
			r.k.Send(flow.NoIDCard{})
			printed++
			wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
			if err := r.devs.Printer.WaitCuts(wctx, printed); err != nil {
				b.Fatalf("session %d: no ticket: screen %v %v", n, r.k.State().Screen, r.k.State().Message)
			}
			wcancel()
			ccancel()
			r.wait(b, "done", func(s flow.State) bool { return s.Screen == flow.ScreenDone }, 10*time.Second)
			r.k.Send(flow.StartOver{})
			r.wait(b, "attract", func(s flow.State) bool { return s.Screen == flow.ScreenAttract }, 5*time.Second)
			if n%100 == 0 {
				r.devs.Printer.Reset()
				printed = 0
			}
			if m, ok := marks[n]; ok && i == 0 {
				b.ReportMetric(heap(), "MB-heap@"+m)
				b.ReportMetric(rss(), "MB-rss@"+m)
			}
		}
	}
	_ = fmt.Sprint
	_ = escpos.Generic80
	_ = ticket.Unknown
}
