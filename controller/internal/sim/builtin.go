package sim

import (
	"fmt"
	"sort"
)

// hallProfile is a typical day (hall-local hours, issue 08:30-16:30): a
// morning peak at 9-11, a lunch dip, an afternoon rise and a surge before
// the cut-off.
var hallProfile = map[int]float64{8: 0.9, 9: 1.5, 10: 1.45, 11: 1.1, 12: 0.45, 13: 0.7, 14: 1.05, 15: 1.15, 16: 1.4}

// apptProfile: booked slots spread over the morning and afternoon.
var apptProfile = map[int]float64{9: 1, 10: 1, 11: 1, 14: 1, 15: 1, 16: 0.5}

func svc(id, name string, perDay, minutes, love, green, appt float64) ServiceSpec {
	ch := map[string]float64{"love": love, "green": green}
	s := ServiceSpec{ID: id, Name: name, PerDay: perDay, Minutes: minutes, CV: 0.7, Dist: "lognormal"}
	if appt > 0 {
		ch["appointment"] = appt
		s.ChannelProfiles = map[string]map[int]float64{"appointment": apptProfile}
	}
	s.Channels = ch
	return s
}

var citizens = CitizenSpec{NoShow: 0.04, WalkMinutes: 0.5, RecallMinutes: 1,
	ApptEarly: 10, ApptSpread: 10, ApptLate: 0.03}

// lunch staggers a 45-minute break: odd windows from 11:45, even ones
// from 12:30, so half the hall keeps serving (弹性午休).
func lunch(ids []string) []BreakSpec {
	var a, b []string
	for i, id := range ids {
		if i%2 == 0 {
			a = append(a, id)
		} else {
			b = append(b, id)
		}
	}
	return []BreakSpec{{Windows: a, From: "11:45", Minutes: 45}, {Windows: b, From: "12:30", Minutes: 45}}
}

func windowIDs(ws []WindowSpec) []string {
	sc := &Scenario{}
	var out []string
	for _, w := range ws {
		out = append(out, sc.expand(w)...)
	}
	return out
}

// County is a county hall: 8 windows, about 600 tickets a day.
func County() *Scenario {
	sc := &Scenario{Name: "county", Seed: 1, Days: 20,
		Description: "county hall: 8 windows, about 600 tickets a day",
		Profile:     hallProfile, Citizens: citizens,
		Services: []ServiceSpec{
			svc("social", "社保医保", 170, 3, 0.10, 0.005, 0),
			svc("household", "户政", 110, 3.5, 0.08, 0.005, 0),
			svc("tax", "税务", 100, 4, 0.05, 0.01, 0.03),
			svc("business", "商事登记", 50, 7, 0.03, 0.03, 0.20),
			svc("estate", "不动产登记", 70, 6, 0.06, 0.02, 0.25),
			svc("general", "综合受理", 100, 2.5, 0.10, 0.005, 0),
		},
		Windows: []WindowSpec{
			{ID: "S", Count: 2, Services: []string{"social", "general"}},
			{ID: "H", Services: []string{"household", "social"}},
			{ID: "T", Count: 2, Services: []string{"tax", "business"}},
			{ID: "E", Services: []string{"estate", "business"}},
			{ID: "Z", Count: 2, Services: []string{"general", "household", "social", "tax", "estate", "business"}},
		},
	}
	sc.Breaks = lunch(windowIDs(sc.Windows))
	return sc
}

// City is a city hall: 40 windows, about 4,000 tickets a day.
func City() *Scenario {
	sc := &Scenario{Name: "city", Seed: 1, Days: 5,
		Description: "city hall: 40 windows, about 4,000 tickets a day",
		Profile:     hallProfile, Citizens: citizens,
		Services: []ServiceSpec{
			svc("social", "社保", 700, 2.2, 0.10, 0.005, 0),
			svc("medical", "医保", 500, 2.2, 0.10, 0.005, 0),
			svc("household", "户政", 450, 2.5, 0.08, 0.005, 0.05),
			svc("entry", "出入境", 400, 3, 0.03, 0.005, 0.30),
			svc("tax", "税务", 600, 3, 0.05, 0.01, 0.05),
			svc("business", "商事登记", 300, 4.5, 0.02, 0.03, 0.30),
			svc("estate", "不动产登记", 400, 4.5, 0.05, 0.02, 0.30),
			svc("fund", "公积金", 350, 2.5, 0.05, 0.005, 0),
			svc("general", "综合咨询", 300, 1.5, 0.10, 0.005, 0),
		},
		Windows: []WindowSpec{
			{ID: "SB", Count: 5, Services: []string{"social", "medical"}},
			{ID: "YB", Count: 4, Services: []string{"medical", "social"}},
			{ID: "HZ", Count: 4, Services: []string{"household", "entry"}},
			{ID: "CR", Count: 4, Services: []string{"entry", "household"}},
			{ID: "SW", Count: 6, Services: []string{"tax"}},
			{ID: "SS", Count: 5, Services: []string{"business", "tax"}},
			{ID: "BD", Count: 6, Services: []string{"estate"}},
			{ID: "GJ", Count: 3, Services: []string{"fund", "social"}},
			{ID: "ZH", Count: 3, Services: []string{"general", "social", "medical", "fund", "household", "tax"}},
		},
	}
	sc.Breaks = lunch(windowIDs(sc.Windows))
	return sc
}

// Overloaded is the county hall on a day whose offered utilisation is 0.95:
// the tickets are scaled until the work offered (service, walking to the
// window, recalls of absentees) is 95% of the window time available
// between the first ticket and the cut-off, breaks deducted.
func Overloaded() *Scenario {
	sc := County()
	sc.Name, sc.Description = "overloaded", "county hall at offered utilisation 0.95"
	f := 0.95 / OfferedLoad(sc)
	for i := range sc.Services {
		sc.Services[i].PerDay *= f
	}
	sc.Description = fmt.Sprintf("county hall with %.0f tickets a day: offered utilisation 0.95", f*600)
	return sc
}

// OfferedLoad is the work offered over the window time available during
// the issue hours, breaks deducted.
func OfferedLoad(sc *Scenario) float64 {
	c := sc.Citizens
	recall := max(c.RecallMinutes, 1)
	work := 0.0
	for _, s := range sc.Services {
		work += s.PerDay * (s.Minutes + (1-c.NoShow)*c.WalkMinutes + c.NoShow*2*recall)
	}
	from, _ := parseHM(orDefault(sc.Hours.IssueFrom, "08:30"))
	until, _ := parseHM(orDefault(sc.Hours.IssueUntil, "16:30"))
	n := len(windowIDs(sc.Windows))
	avail := float64(n * (until - from))
	for _, b := range sc.Breaks {
		k := len(b.Windows)
		if k == 0 {
			k = n
		}
		avail -= float64(k) * b.Minutes
	}
	return work / avail
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// Builtins are the built-in scenarios by name.
func Builtins() map[string]func() *Scenario {
	return map[string]func() *Scenario{"county": County, "city": City, "overloaded": Overloaded}
}

// BuiltinNames lists the built-in scenarios in a stable order.
func BuiltinNames() []string {
	names := []string{"county", "city", "overloaded"}
	sort.SliceStable(names, func(i, j int) bool { return false })
	return names
}
