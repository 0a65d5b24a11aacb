package sim

import (
	"fmt"
	"io"
	"strings"
	"time"

	"hallq/controller/internal/queue"
	"hallq/controller/internal/sim/policies"
)

// Compare runs the scenario under each policy.
func Compare(sc *Scenario, fs []policies.Factory) ([]*Metrics, error) {
	ms, _, err := CompareRuns(sc, fs)
	return ms, err
}

// CompareRuns is Compare that also returns the runs, for per-hour figures.
func CompareRuns(sc *Scenario, fs []policies.Factory) ([]*Metrics, []*Result, error) {
	var out []*Metrics
	var runs []*Result
	for _, f := range fs {
		res, err := Run(sc, f, Options{})
		if err != nil {
			return nil, nil, err
		}
		out = append(out, Measure(res))
		runs = append(runs, res)
	}
	return out, runs, nil
}

// chanOrder is the column order of the tables.
var chanOrder = []queue.Channel{queue.Green, queue.Love, queue.Appointment, queue.Normal}

// WriteTable prints the comparison as a Markdown table.
func WriteTable(w io.Writer, sc *Scenario, ms []*Metrics) error {
	var b strings.Builder
	n, days := 0, 1
	if len(ms) > 0 {
		n, days = ms[0].Overall.N+ms[0].Overall.NoShows, max(ms[0].Days, 1)
	}
	fmt.Fprintf(&b, "### %s: %s\n\n", sc.Name, sc.Description)
	fmt.Fprintf(&b, "%d simulated days, %.0f tickets a day, peak hour %02d:00, offered load %.2f.\n", days, float64(n)/float64(days), ms[0].PeakHour, OfferedLoad(sc))
	fmt.Fprintf(&b, "Waits in minutes; SL = share of waits <= 30 min (all day / peak hour).\n\n")
	b.WriteString("| policy | love p90 | love SL | green p90 | appt p90 | appt <=10 | normal p50 | normal p90 | normal p95 | normal max | normal SL | normal peak SL | all mean | all p95 | worst SL | util | overtime h |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, m := range ms {
		l, g, a, nm, o := m.Channel[queue.Love], m.Channel[queue.Green], m.Channel[queue.Appointment], m.Channel[queue.Normal], m.Overall
		fmt.Fprintf(&b, "| %s | %.1f | %s | %.1f | %.1f | %s | %.1f | %.1f | %.1f | %.0f | %s | %s | %.1f | %.1f | %s | %.2f | %.2f |\n",
			m.Policy, l.P90, pct(l.SL30), g.P90, a.P90, pct(a.Within10), nm.P50, nm.P90, nm.P95, nm.Max, pct(nm.SL30), pct(nm.PeakSL30),
			o.Mean, o.P95, pct(m.WorstSL()), m.Utilisation, m.Overtime)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func pct(f float64) string { return fmt.Sprintf("%.1f%%", 100*f) }

// WorstSL is the lowest 30-minute service level of any channel with tickets.
func (m *Metrics) WorstSL() float64 {
	worst := 1.0
	for _, s := range m.Channel {
		if s.N > 0 {
			worst = min(worst, s.SL30)
		}
	}
	return worst
}

// WriteCSV writes one row per policy and channel (and "all").
func WriteCSV(w io.Writer, scenario string, ms []*Metrics, header bool) error {
	var b strings.Builder
	if header {
		b.WriteString("scenario,policy,channel,tickets,no_shows,no_show_rate,mean_min,p50_min,p90_min,p95_min,max_min,sl30,peak_sl30,within10,forfeits,appt_arrived_on_time,utilisation,overtime_h,window_overtime_h,refused\n")
	}
	for _, m := range ms {
		rows := []struct {
			name string
			s    Stats
		}{{"all", m.Overall}}
		for _, ch := range chanOrder {
			rows = append(rows, struct {
				name string
				s    Stats
			}{ch.String(), m.Channel[ch]})
		}
		for _, r := range rows {
			s := r.s
			fmt.Fprintf(&b, "%s,%s,%s,%d,%d,%.4f,%.2f,%.2f,%.2f,%.2f,%.2f,%.4f,%.4f,%.4f,%d,%.4f,%.4f,%.3f,%.3f,%d\n",
				scenario, m.Policy, r.name, s.N, s.NoShows, s.NoShowRate, s.Mean, s.P50, s.P90, s.P95, s.Max, s.SL30, s.PeakSL30,
				s.Within10, s.Forfeits, s.ArrivedOnTime, m.Utilisation, m.Overtime, m.WinOvertime, m.Refused)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// HourStats is the wait figures of one channel for arrivals in one hour.
type HourStats struct {
	Hour    int
	Channel string // a channel name or "all"
	Stats
}

// Hourly breaks a result down by hall-local hour of arrival and channel.
func Hourly(res *Result) []HourStats {
	var by [24][5][]Record
	for _, r := range res.Records {
		h := int(r.Arrive/time.Hour) % 24
		by[h][r.Channel] = append(by[h][r.Channel], r)
		by[h][4] = append(by[h][4], r)
	}
	var out []HourStats
	for h := range 24 {
		if len(by[h][4]) == 0 {
			continue
		}
		out = append(out, HourStats{h, "all", stats(by[h][4], -1)})
		for _, ch := range chanOrder {
			if len(by[h][ch]) > 0 {
				out = append(out, HourStats{h, ch.String(), stats(by[h][ch], -1)})
			}
		}
	}
	return out
}

// WriteHourlyCSV writes the per-hour figures of each policy's run.
func WriteHourlyCSV(w io.Writer, scenario string, policy string, hs []HourStats, header bool) error {
	var b strings.Builder
	if header {
		b.WriteString("scenario,policy,hour,channel,tickets,no_shows,mean_min,p50_min,p90_min,p95_min,max_min,sl30\n")
	}
	for _, h := range hs {
		fmt.Fprintf(&b, "%s,%s,%02d,%s,%d,%d,%.2f,%.2f,%.2f,%.2f,%.2f,%.4f\n", scenario, policy, h.Hour, h.Channel,
			h.N, h.NoShows, h.Mean, h.P50, h.P90, h.P95, h.Max, h.SL30)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
