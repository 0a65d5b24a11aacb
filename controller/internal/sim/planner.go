package sim

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"hallq/controller/internal/queue"
	"hallq/controller/internal/sim/policies"
)

// PlanOptions tune the staffing planner.
type PlanOptions struct {
	// Target is the share of waits that must be within Within, for every
	// channel over the day and for all tickets arriving in each hour
	// (default 0.95 and 30 minutes).
	Target float64
	Within time.Duration
	// Policy is the call-next policy simulated (default: composite).
	Policy *policies.Factory
}

// Plan is the fewest windows per hour found.
type Plan struct {
	Scenario *Scenario
	Hours    []int // hall-local hours, in order
	Windows  []int // windows staffed from that hour
	Total    int   // windows in the hall
	Feasible bool  // even all windows may miss the target
	Result   *Metrics
	Full     *Metrics // with every window staffed
	Groups   [][]string
	Trials   int
	Target   float64
	Within   time.Duration
}

// meets checks the service level for every channel and every hour.
func meets(res *Result, target float64, within time.Duration) (bool, string) {
	type acc struct{ in, n int }
	var ch [4]acc
	var hr [24]acc
	for _, r := range res.Records {
		if r.NoShow {
			continue
		}
		ok := r.Wait <= within
		h := int(r.Arrive/time.Hour) % 24
		ch[r.Channel].n++
		hr[h].n++
		if ok {
			ch[r.Channel].in++
			hr[h].in++
		}
	}
	for c, a := range ch {
		if a.n > 0 && float64(a.in) < target*float64(a.n) {
			return false, fmt.Sprintf("%s channel %.1f%%", queue.Channel(c), 100*float64(a.in)/float64(a.n))
		}
	}
	for h, a := range hr {
		if a.n > 0 && float64(a.in) < target*float64(a.n) {
			return false, fmt.Sprintf("arrivals at %02d:00 %.1f%%", h, 100*float64(a.in)/float64(a.n))
		}
	}
	return true, ""
}

// PlanStaffing finds, hour by hour from the opening, the fewest windows
// that keep the target with the later hours fully staffed, then moves on
// with that hour fixed. Every trial simulates all of the scenario's days,
// so a plan holds over their spread of arrivals, not one lucky day.
func PlanStaffing(sc *Scenario, o PlanOptions) (*Plan, error) {
	if o.Target == 0 {
		o.Target = 0.95
	}
	if o.Within == 0 {
		o.Within = 30 * time.Minute
	}
	if o.Target <= 0 || o.Target > 1 {
		return nil, fmt.Errorf("%w: target %v must be in (0, 1]", ErrUsage, o.Target)
	}
	pf := policies.Composite()
	if o.Policy != nil {
		pf = *o.Policy
	}
	cfg, err := sc.Config()
	if err != nil {
		return nil, err
	}
	n := len(cfg.Windows)
	from, _ := parseHM(sc.Hours.IssueFrom)
	closing, _ := parseHM(sc.Hours.Close)
	p := &Plan{Scenario: sc, Total: n, Target: o.Target, Within: o.Within}
	for h := from / 60; h*60 < closing; h++ {
		p.Hours = append(p.Hours, h)
		p.Windows = append(p.Windows, n)
	}
	staffing := func() map[int]int {
		m := map[int]int{}
		for i, h := range p.Hours {
			m[h] = p.Windows[i]
		}
		return m
	}
	try := func() (*Result, bool, error) {
		p.Trials++
		res, err := Run(sc, pf, Options{Staffing: staffing()})
		if err != nil {
			if isRunaway(err) {
				return nil, false, nil
			}
			return nil, false, err
		}
		ok, _ := meets(res, o.Target, o.Within)
		return res, ok, nil
	}
	full, ok, err := try()
	if err != nil {
		return nil, err
	}
	if full == nil {
		return nil, fmt.Errorf("%w: even with all %d windows the day does not drain", ErrRunaway, n)
	}
	p.Full = Measure(full)
	p.Feasible = ok
	if ok {
		for i := range p.Hours {
			lo, hi := 1, p.Windows[i] // hi is known to meet the target
			for lo < hi {
				mid := (lo + hi) / 2
				p.Windows[i] = mid
				_, good, err := try()
				if err != nil {
					return nil, err
				}
				if good {
					hi = mid
				} else {
					lo = mid + 1
				}
			}
			p.Windows[i] = hi
		}
	}
	res, err := Run(sc, pf, Options{Staffing: staffing()})
	if err != nil {
		return nil, err
	}
	p.Result = Measure(res)
	// Which windows each count means.
	var wins []*window
	for _, wc := range cfg.Windows {
		wins = append(wins, &window{id: wc.ID, services: wc.Services})
	}
	order := StaffOrder(wins)
	for _, k := range p.Windows {
		var ids []string
		for _, w := range order[:k] {
			ids = append(ids, w.id)
		}
		sort.Strings(ids)
		p.Groups = append(p.Groups, ids)
	}
	return p, nil
}

func isRunaway(err error) bool {
	return errors.Is(err, ErrRunaway)
}

// WriteTo prints the plan for a manager.
func (p *Plan) WriteTo(w io.Writer) (int64, error) {
	var b strings.Builder
	sc := p.Scenario
	fmt.Fprintf(&b, "Staffing plan: %s (%s)\n", sc.Name, sc.Description)
	within := p.Within.Minutes()
	fmt.Fprintf(&b, "Target: %g%% of waits within %g minutes for every channel and every hour of arrival, over %d simulated day(s), %d trials.\n\n", 100*p.Target, within, sc.Days, p.Trials)
	if !p.Feasible {
		fmt.Fprintf(&b, "NOT REACHABLE: even with all %d windows the target is missed (worst channel %.1f%% within 30 minutes over the day).\n", p.Total, 100*p.Full.WorstSL())
		fmt.Fprintf(&b, "Open every window all day, and add windows or shorten service times.\n\n")
	}
	b.WriteString("| from | windows | open |\n|---|---:|---|\n")
	wh := 0.0
	for i, h := range p.Hours {
		fmt.Fprintf(&b, "| %02d:00 | %d | %s |\n", h, p.Windows[i], compactIDs(p.Groups[i]))
		wh += float64(p.Windows[i])
	}
	m := p.Result
	fmt.Fprintf(&b, "\nWindow-hours in opening hours: %.0f (all windows: %d).\n", wh, p.Total*len(p.Hours))
	fmt.Fprintf(&b, "With the plan: worst channel %.1f%% within 30 min, love p90 %.1f min, normal p90 %.1f min, utilisation %.2f, overtime %.2f h a day.\n",
		100*m.WorstSL(), m.Channel[queue.Love].P90, m.Channel[queue.Normal].P90, m.Utilisation, m.Overtime)
	fmt.Fprintf(&b, "With all windows: worst channel %.1f%%, utilisation %.2f.\n", 100*p.Full.WorstSL(), p.Full.Utilisation)
	n, err := io.WriteString(w, b.String())
	return int64(n), err
}

// compactIDs shortens "SB01 SB02 SB03" to "SB01-03".
func compactIDs(ids []string) string {
	var out []string
	for i := 0; i < len(ids); {
		j := i
		for j+1 < len(ids) && consecutive(ids[j], ids[j+1]) {
			j++
		}
		if j > i {
			k := len(ids[j]) - 2
			out = append(out, ids[i]+"-"+ids[j][k:])
		} else {
			out = append(out, ids[i])
		}
		i = j + 1
	}
	return strings.Join(out, " ")
}

func consecutive(a, b string) bool {
	if len(a) != len(b) || len(a) < 3 || a[:len(a)-2] != b[:len(b)-2] {
		return false
	}
	var x, y int
	if _, err := fmt.Sscanf(a[len(a)-2:], "%d", &x); err != nil {
		return false
	}
	if _, err := fmt.Sscanf(b[len(b)-2:], "%d", &y); err != nil {
		return false
	}
	return y == x+1
}
