package sim

import (
	"math"
	"slices"
	"time"

	"hallq/controller/internal/queue"
)

// Stats are the wait figures of one group of tickets, in minutes.
type Stats struct {
	N             int     // tickets measured (answered calls)
	Mean          float64 // minutes
	P50           float64
	P90           float64
	P95           float64
	Max           float64
	SL30          float64 // share of waits <= 30 min
	PeakSL30      float64 // the same for tickets that arrived in the peak hour
	PeakN         int
	NoShows       int
	NoShowRate    float64
	Within10      float64 // share of waits <= 10 min (appointment punctuality)
	Forfeits      int     // appointments served as normal after coming too late
	ArrivedOnTime float64 // appointment holders who came by the booked time
	waits         []float64
}

// Metrics summarise a result.
type Metrics struct {
	Policy      string
	Overall     Stats
	Channel     [4]Stats // by queue.Channel
	PeakHour    int      // hall-local hour with the most arrivals
	Utilisation float64  // busy / available window time
	Overtime    float64  // hours after closing until the last citizen, mean per day
	MaxOvertime float64
	WinOvertime float64 // window-hours after closing, mean per day
	Refused     int
	Days        int
}

// Measure computes the metrics of a result.
func Measure(res *Result) *Metrics {
	m := &Metrics{Policy: res.Policy, Refused: res.Refused, Days: res.Days}
	var perHour [24]int
	for _, r := range res.Records {
		perHour[int(r.Arrive/time.Hour)%24]++
	}
	for h, n := range perHour {
		if n > perHour[m.PeakHour] {
			m.PeakHour = h
		}
	}
	groups := [5][]Record{}
	for _, r := range res.Records {
		groups[4] = append(groups[4], r)
		groups[r.Channel] = append(groups[r.Channel], r)
	}
	for ch := range 4 {
		m.Channel[ch] = stats(groups[ch], m.PeakHour)
	}
	m.Overall = stats(groups[4], m.PeakHour)
	// Forfeits are appointments by origin though served as normal.
	m.Channel[queue.Appointment].Forfeits = m.Channel[queue.Normal].Forfeits
	m.Channel[queue.Normal].Forfeits = 0
	if res.Available > 0 {
		m.Utilisation = float64(res.Busy) / float64(res.Available)
	}
	for _, o := range res.Overtime {
		m.Overtime += o.Hours()
		m.MaxOvertime = max(m.MaxOvertime, o.Hours())
	}
	if len(res.Overtime) > 0 {
		m.Overtime /= float64(len(res.Overtime))
		m.WinOvertime = res.WinOvertime.Hours() / float64(len(res.Overtime))
	}
	return m
}

func stats(rs []Record, peak int) Stats {
	var s Stats
	var w []float64
	peakIn, peakN, within10, onTime, appts := 0, 0, 0, 0, 0
	for _, r := range rs {
		if r.Forfeit {
			s.Forfeits++
		}
		if r.Channel == queue.Appointment {
			appts++
			if r.OnTime {
				onTime++
			}
		}
		if r.NoShow {
			s.NoShows++
			continue
		}
		min := r.Wait.Minutes()
		w = append(w, min)
		if min <= 10 {
			within10++
		}
		if int(r.Arrive/time.Hour)%24 == peak {
			peakN++
			if min <= 30 {
				peakIn++
			}
		}
	}
	if len(rs) > 0 {
		s.NoShowRate = float64(s.NoShows) / float64(len(rs))
	}
	if appts > 0 {
		s.ArrivedOnTime = float64(onTime) / float64(appts)
	}
	s.N = len(w)
	s.PeakN = peakN
	if s.N == 0 {
		s.SL30, s.PeakSL30, s.Within10 = 1, 1, 1
		return s
	}
	slices.Sort(w)
	in := 0
	sum := 0.0
	for _, v := range w {
		sum += v
		if v <= 30 {
			in++
		}
	}
	s.Mean = sum / float64(s.N)
	s.P50, s.P90, s.P95 = quantile(w, 0.5), quantile(w, 0.9), quantile(w, 0.95)
	s.Max = w[len(w)-1]
	s.SL30 = float64(in) / float64(s.N)
	s.Within10 = float64(within10) / float64(s.N)
	s.PeakSL30 = 1
	if peakN > 0 {
		s.PeakSL30 = float64(peakIn) / float64(peakN)
	}
	s.waits = w
	return s
}

// quantile is the nearest-rank quantile of sorted data.
func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}
