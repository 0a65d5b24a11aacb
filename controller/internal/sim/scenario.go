package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"hallq/controller/internal/queue"
)

// Scenario is a hall day to simulate: the hall (services, windows, hours,
// rules, policy parameters) and the citizens (arrival profiles, channel
// shares, service times, no-shows, appointment punctuality).
type Scenario struct {
	Name        string `yaml:"name" json:"name"`
	Description string `yaml:"description,omitempty" json:"description"`
	// Date is the simulated day, YYYY-MM-DD (default 2026-03-16, a Monday).
	Date string `yaml:"date" json:"date"`
	// Seed of the first day; day i uses Seed+i.
	Seed uint64 `yaml:"seed" json:"seed"`
	// Days is how many independent days are simulated and pooled (default 1).
	Days  int               `yaml:"days" json:"days"`
	Hours queue.Hours       `yaml:"hours" json:"hours"`
	Rules queue.WindowRules `yaml:"rules" json:"rules"`
	// Policy parameterises the controller's composite policy.
	Policy queue.PolicyConfig `yaml:"policy" json:"policy"`
	// Profile weighs arrivals by hall-local hour (0-23); hours without a
	// weight get none. Services may override it.
	Profile  map[int]float64 `yaml:"profile,omitempty" json:"profile"`
	Services []ServiceSpec   `yaml:"services" json:"services"`
	Windows  []WindowSpec    `yaml:"windows" json:"windows"`
	Breaks   []BreakSpec     `yaml:"breaks,omitempty" json:"breaks"`
	Citizens CitizenSpec     `yaml:"citizens" json:"citizens"`
	// Staffing is the number of windows staffed from each hour on (the
	// first N windows in order); hours before the first entry have all
	// windows. The planner writes it.
	Staffing map[int]int `yaml:"staffing,omitempty" json:"staffing"`
	// Arrivals, when given, replace the Poisson arrivals by a recorded
	// day (the planner builds them from an event log); service times are
	// still drawn.
	Arrivals []ArrivalSpec `yaml:"arrivals,omitempty" json:"arrivals"`
}

// ArrivalSpec is one recorded citizen: hall-local arrival time
// ("HH:MM:SS"), service, channel and, for appointments, the booked time.
type ArrivalSpec struct {
	At      string `yaml:"at" json:"at"`
	Service string `yaml:"service" json:"service"`
	Channel string `yaml:"channel" json:"channel"`
	Booked  string `yaml:"booked,omitempty" json:"booked"`
}

// ServiceSpec is one service and the citizens who come for it.
type ServiceSpec struct {
	ID     string `yaml:"id" json:"id"`
	Name   string `yaml:"name" json:"name"`
	Prefix string `yaml:"prefix,omitempty" json:"prefix"`
	// PerDay is the expected number of tickets a day (Poisson).
	PerDay float64 `yaml:"per_day" json:"per_day"`
	// Channels are shares of PerDay by channel name (love, green,
	// appointment); normal gets the rest.
	Channels map[string]float64 `yaml:"channels,omitempty" json:"channels"`
	// Minutes is the mean service time, CV its coefficient of variation,
	// Dist its distribution: lognormal (default), exponential or fixed.
	Minutes float64 `yaml:"service_minutes" json:"service_minutes"`
	CV      float64 `yaml:"service_cv" json:"service_cv"`
	Dist    string  `yaml:"service_dist,omitempty" json:"service_dist"`
	// Sample, when given, is a list of observed service times in minutes
	// drawn from uniformly (Dist "empirical").
	Sample []float64 `yaml:"service_sample_minutes,omitempty" json:"service_sample_minutes"`
	// Profile overrides the hall's hourly profile for this service, and
	// ChannelProfiles for one channel of it (e.g. appointments booked
	// evenly through the day).
	Profile         map[int]float64            `yaml:"profile,omitempty" json:"profile"`
	ChannelProfiles map[string]map[int]float64 `yaml:"channel_profiles,omitempty" json:"channel_profiles"`
}

// WindowSpec is one window, or Count windows named ID01, ID02, ...
type WindowSpec struct {
	ID       string   `yaml:"id" json:"id"`
	Count    int      `yaml:"count,omitempty" json:"count"`
	Services []string `yaml:"services" json:"services"`
}

// BreakSpec pauses windows: each listed window (all when empty) pauses at
// From for Minutes, after finishing its current citizen. StaggerMinutes
// shifts the i-th listed window's break by i x StaggerMinutes, so that a
// hall keeps serving through lunch (弹性午休).
type BreakSpec struct {
	Windows        []string `yaml:"windows" json:"windows"`
	From           string   `yaml:"from" json:"from"`
	Minutes        float64  `yaml:"minutes" json:"minutes"`
	StaggerMinutes float64  `yaml:"stagger_minutes" json:"stagger_minutes"`
}

// CitizenSpec is how citizens behave.
type CitizenSpec struct {
	// NoShow is the share of ticket holders who are gone when called.
	NoShow float64 `yaml:"no_show" json:"no_show"`
	// WalkMinutes is the time from the call to the citizen at the window.
	WalkMinutes float64 `yaml:"walk_minutes" json:"walk_minutes"`
	// RecallMinutes is how long staff wait before recalling an absent
	// citizen (default 1).
	RecallMinutes float64 `yaml:"recall_minutes" json:"recall_minutes"`
	// Appointment holders arrive ApptEarly minutes before the booked time
	// on average, normally spread with ApptSpread; a share ApptLate comes
	// 31-60 minutes late and forfeits the booking (a normal ticket).
	ApptEarly  float64 `yaml:"appointment_early_minutes" json:"appointment_early_minutes"`
	ApptSpread float64 `yaml:"appointment_spread_minutes" json:"appointment_spread_minutes"`
	ApptLate   float64 `yaml:"appointment_late_share" json:"appointment_late_share"`
}

// LoadScenario reads a scenario file, YAML or JSON (by content), rejecting
// unknown fields, and validates it.
func LoadScenario(path string) (*Scenario, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("sim: scenario: %w", err)
	}
	sc, err := ParseScenario(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return sc, nil
}

// ParseScenario decodes and validates a scenario.
func ParseScenario(b []byte) (*Scenario, error) {
	if len(b) > 4<<20 {
		return nil, fieldErr("(file)", "larger than 4 MiB")
	}
	var sc Scenario
	trim := bytes.TrimSpace(b)
	if len(trim) > 0 && trim[0] == '{' {
		dec := json.NewDecoder(bytes.NewReader(trim))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&sc); err != nil {
			return nil, fmt.Errorf("%w: json: %v", ErrScenario, err)
		}
	} else {
		dec := yaml.NewDecoder(bytes.NewReader(b))
		dec.KnownFields(true)
		if err := dec.Decode(&sc); err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%w: yaml: %v", ErrScenario, err)
		}
	}
	if err := sc.Validate(); err != nil {
		return nil, err
	}
	return &sc, nil
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

func parseHM(s string) (int, error) {
	var h, m int
	if len(s) != 5 || s[2] != ':' {
		return 0, fmt.Errorf("time must be HH:MM, got %q", s)
	}
	if _, err := fmt.Sscanf(s, "%02d:%02d", &h, &m); err != nil || h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("invalid time %q", s)
	}
	return h*60 + m, nil
}

// parseHMS parses "HH:MM:SS" (or "HH:MM") into a duration after midnight.
func parseHMS(s string) (time.Duration, error) {
	if len(s) == 5 {
		m, err := parseHM(s)
		return time.Duration(m) * time.Minute, err
	}
	var h, m, sec int
	if len(s) != 8 || s[2] != ':' || s[5] != ':' {
		return 0, fmt.Errorf("time must be HH:MM:SS, got %q", s)
	}
	if _, err := fmt.Sscanf(s, "%02d:%02d:%02d", &h, &m, &sec); err != nil || h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 59 {
		return 0, fmt.Errorf("invalid time %q", s)
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(sec)*time.Second, nil
}

func checkProfile(field string, p map[int]float64) error {
	for h, w := range p {
		if h < 0 || h > 23 {
			return fieldErr(field, "hour %d out of 0-23", h)
		}
		if !finite(w) || w < 0 {
			return fieldErr(fmt.Sprintf("%s[%d]", field, h), "weight %v must be a non-negative number", w)
		}
	}
	return nil
}

// Validate fills defaults and checks every field, naming the first bad one.
func (sc *Scenario) Validate() error {
	if sc.Date == "" {
		sc.Date = "2026-03-16"
	}
	if _, err := time.Parse("2006-01-02", sc.Date); err != nil {
		return fieldErr("date", "must be YYYY-MM-DD, got %q", sc.Date)
	}
	if sc.Days == 0 {
		sc.Days = 1
	}
	if sc.Days < 0 || sc.Days > 1000 {
		return fieldErr("days", "%d out of 1-1000", sc.Days)
	}
	hc := queue.Config{Hours: sc.Hours, Rules: sc.Rules, Policy: sc.Policy}
	hc.Defaults()
	sc.Hours, sc.Rules, sc.Policy = hc.Hours, hc.Rules, hc.Policy
	from, err := parseHM(sc.Hours.IssueFrom)
	if err != nil {
		return fieldErr("hours.issue_from", "%v", err)
	}
	until, err := parseHM(sc.Hours.IssueUntil)
	if err != nil {
		return fieldErr("hours.issue_until", "%v", err)
	}
	closing, err := parseHM(sc.Hours.Close)
	if err != nil {
		return fieldErr("hours.close", "%v", err)
	}
	if until <= from {
		return fieldErr("hours.issue_until", "%s is not after issue_from %s", sc.Hours.IssueUntil, sc.Hours.IssueFrom)
	}
	if closing < until {
		return fieldErr("hours.close", "%s is before the issue cut-off %s", sc.Hours.Close, sc.Hours.IssueUntil)
	}
	if err := checkProfile("profile", sc.Profile); err != nil {
		return err
	}
	if len(sc.Services) == 0 {
		return fieldErr("services", "at least one service is needed")
	}
	ids := map[string]int{}
	for i := range sc.Services {
		s := &sc.Services[i]
		f := fmt.Sprintf("services[%d]", i)
		if s.ID == "" || strings.ContainsAny(s.ID, "/ ?#") {
			return fieldErr(f+".id", "needs an id without spaces or slashes")
		}
		if _, dup := ids[s.ID]; dup {
			return fieldErr(f+".id", "duplicate service %q", s.ID)
		}
		ids[s.ID] = i
		if s.Name == "" {
			s.Name = s.ID
		}
		if s.Prefix == "" {
			if i >= 26 {
				return fieldErr(f+".prefix", "needed beyond 26 services")
			}
			s.Prefix = string(rune('A' + i))
		}
		if !finite(s.PerDay) || s.PerDay < 0 || s.PerDay > 100000 {
			return fieldErr(f+".per_day", "rate %v must be between 0 and 100000", s.PerDay)
		}
		total := 0.0
		for name, share := range s.Channels {
			ch, err := queue.ParseChannel(name)
			if err != nil || ch == queue.Normal {
				return fieldErr(f+".channels", "unknown channel %q (love, green or appointment; normal gets the rest)", name)
			}
			if !finite(share) || share < 0 || share > 1 {
				return fieldErr(f+".channels."+name, "share %v must be between 0 and 1", share)
			}
			total += share
		}
		if total > 1+1e-9 {
			return fieldErr(f+".channels", "shares add up to %.3f, more than 1", total)
		}
		if !finite(s.Minutes) || s.Minutes <= 0 || s.Minutes > 480 {
			return fieldErr(f+".service_minutes", "%v must be above 0 and at most 480", s.Minutes)
		}
		if !finite(s.CV) || s.CV < 0 || s.CV > 5 {
			return fieldErr(f+".service_cv", "%v must be between 0 and 5", s.CV)
		}
		switch s.Dist {
		case "":
			s.Dist = "lognormal"
		case "lognormal", "exponential", "fixed":
		case "empirical":
			if len(s.Sample) == 0 {
				return fieldErr(f+".service_sample_minutes", "empirical service times need a sample")
			}
		default:
			return fieldErr(f+".service_dist", "unknown distribution %q (lognormal, exponential, fixed, empirical)", s.Dist)
		}
		if len(s.Sample) > 100000 {
			return fieldErr(f+".service_sample_minutes", "%d values, at most 100000", len(s.Sample))
		}
		for k, v := range s.Sample {
			if !finite(v) || v <= 0 || v > 480 {
				return fieldErr(fmt.Sprintf("%s.service_sample_minutes[%d]", f, k), "%v must be above 0 and at most 480", v)
			}
		}
		if err := checkProfile(f+".profile", s.Profile); err != nil {
			return err
		}
		for name, p := range s.ChannelProfiles {
			if _, err := queue.ParseChannel(name); err != nil {
				return fieldErr(f+".channel_profiles", "unknown channel %q", name)
			}
			if err := checkProfile(f+".channel_profiles."+name, p); err != nil {
				return err
			}
		}
		for _, ch := range queue.Channels {
			if len(sc.Arrivals) > 0 {
				break
			}
			if sc.channelShare(s, ch) > 0 && profileWeight(sc.profileFor(s, ch), from, until) <= 0 {
				return fieldErr(f+".profile", "no arrival weight within the issue hours %s-%s for channel %s", sc.Hours.IssueFrom, sc.Hours.IssueUntil, ch)
			}
		}
	}
	if len(sc.Windows) == 0 {
		return fieldErr("windows", "at least one window is needed")
	}
	served := make([]float64, len(sc.Services)) // windows serving each service
	nWin := 0
	winIDs := map[string]bool{}
	for i, w := range sc.Windows {
		f := fmt.Sprintf("windows[%d]", i)
		if w.ID == "" || strings.ContainsAny(w.ID, "/ ?#") {
			return fieldErr(f+".id", "needs an id without spaces or slashes")
		}
		if w.Count < 0 || w.Count > 200 {
			return fieldErr(f+".count", "%d out of 0-200", w.Count)
		}
		if len(w.Services) == 0 {
			return fieldErr(f+".services", "window %s serves nothing", w.ID)
		}
		seen := map[string]bool{}
		for _, s := range w.Services {
			j, ok := ids[s]
			if !ok {
				return fieldErr(f+".services", "unknown service %q", s)
			}
			if seen[s] {
				return fieldErr(f+".services", "service %q listed twice", s)
			}
			seen[s] = true
			served[j] += float64(max(w.Count, 1))
		}
		for _, id := range sc.expand(w) {
			if winIDs[id] {
				return fieldErr(f+".id", "duplicate window %q", id)
			}
			winIDs[id] = true
		}
		nWin += max(w.Count, 1)
	}
	if nWin > 500 {
		return fieldErr("windows", "%d windows, at most 500", nWin)
	}
	for i, b := range sc.Breaks {
		f := fmt.Sprintf("breaks[%d]", i)
		for _, id := range b.Windows {
			if !winIDs[id] {
				return fieldErr(f+".windows", "unknown window %q", id)
			}
		}
		if _, err := parseHM(b.From); err != nil {
			return fieldErr(f+".from", "%v", err)
		}
		if !finite(b.Minutes) || b.Minutes <= 0 || b.Minutes > 480 {
			return fieldErr(f+".minutes", "%v must be above 0 and at most 480", b.Minutes)
		}
		if !finite(b.StaggerMinutes) || b.StaggerMinutes < 0 || b.StaggerMinutes > 480 {
			return fieldErr(f+".stagger_minutes", "%v must be between 0 and 480", b.StaggerMinutes)
		}
	}
	c := &sc.Citizens
	for _, v := range []struct {
		f   string
		v   float64
		max float64
	}{{"citizens.no_show", c.NoShow, 0.9}, {"citizens.walk_minutes", c.WalkMinutes, 30}, {"citizens.recall_minutes", c.RecallMinutes, 30},
		{"citizens.appointment_early_minutes", c.ApptEarly, 120}, {"citizens.appointment_spread_minutes", c.ApptSpread, 120},
		{"citizens.appointment_late_share", c.ApptLate, 1}} {
		if !finite(v.v) || v.v < 0 || v.v > v.max {
			return fieldErr(v.f, "%v must be between 0 and %v", v.v, v.max)
		}
	}
	if c.RecallMinutes == 0 {
		c.RecallMinutes = 1
	}
	for h, n := range sc.Staffing {
		if h < 0 || h > 23 {
			return fieldErr("staffing", "hour %d out of 0-23", h)
		}
		if n < 0 || n > nWin {
			return fieldErr(fmt.Sprintf("staffing[%d]", h), "%d windows, the hall has %d", n, nWin)
		}
	}
	if len(sc.Arrivals) > 100000 {
		return fieldErr("arrivals", "%d arrivals, at most 100000", len(sc.Arrivals))
	}
	for i, a := range sc.Arrivals {
		f := fmt.Sprintf("arrivals[%d]", i)
		if _, err := parseHMS(a.At); err != nil {
			return fieldErr(f+".at", "%v", err)
		}
		if _, ok := ids[a.Service]; !ok {
			return fieldErr(f+".service", "unknown service %q", a.Service)
		}
		ch, err := queue.ParseChannel(a.Channel)
		if err != nil {
			return fieldErr(f+".channel", "unknown channel %q", a.Channel)
		}
		if ch == queue.Appointment {
			if _, err := parseHMS(a.Booked); err != nil {
				return fieldErr(f+".booked", "an appointment needs its booked time: %v", err)
			}
		}
	}
	// Load: work offered during the issue hours against the windows' time.
	// Overtime absorbs a peak, not a day that cannot be served.
	open := float64(until-from) / 60
	work := 0.0
	for i, s := range sc.Services {
		if s.PerDay == 0 {
			continue
		}
		if served[i] == 0 {
			return fieldErr(fmt.Sprintf("services[%d]", i), "no window serves %q", s.ID)
		}
		w := s.PerDay * s.Minutes / 60
		work += w
		if w > maxLoad*served[i]*open {
			return fieldErr(fmt.Sprintf("services[%d].per_day", i), "impossible load: %.0f tickets x %.1f min = %.0f window-hours, but only %.0f windows serve %q for %.1f hours",
				s.PerDay, s.Minutes, w, served[i], s.ID, open)
		}
	}
	if work > maxLoad*float64(nWin)*open {
		return fieldErr("services[*].per_day", "impossible load: %.0f window-hours of work for %d windows open %.1f hours (utilisation %.2f, at most %.2f)",
			work, nWin, open, work/(float64(nWin)*open), maxLoad)
	}
	if _, err := sc.Config(); err != nil {
		return err
	}
	return nil
}

// maxLoad is the highest offered utilisation a scenario may have: beyond
// it, the day would end long after midnight.
const maxLoad = 1.25

// expand lists the window ids a spec stands for.
func (sc *Scenario) expand(w WindowSpec) []string {
	if w.Count <= 1 {
		return []string{w.ID}
	}
	out := make([]string, w.Count)
	for i := range out {
		out[i] = fmt.Sprintf("%s%02d", w.ID, i+1)
	}
	return out
}

// Config is the hall configuration the scenario simulates.
func (sc *Scenario) Config() (queue.Config, error) {
	c := queue.Config{Name: sc.Name, Hours: sc.Hours, Rules: sc.Rules, Policy: sc.Policy}
	for _, s := range sc.Services {
		c.Services = append(c.Services, queue.ServiceConfig{ID: s.ID, Name: s.Name, Prefix: s.Prefix,
			Expected: max(1, int(math.Round(s.Minutes)))})
	}
	for _, w := range sc.Windows {
		for _, id := range sc.expand(w) {
			c.Windows = append(c.Windows, queue.WindowConfig{ID: id, Name: id, Services: slices.Clone(w.Services)})
		}
	}
	c.Defaults()
	if err := c.Validate(); err != nil {
		return c, fmt.Errorf("%w: %v", ErrScenario, err)
	}
	return c, nil
}

// channelShare is the share of a service's tickets in a channel.
func (sc *Scenario) channelShare(s *ServiceSpec, ch queue.Channel) float64 {
	if ch == queue.Normal {
		rest := 1.0
		for _, v := range s.Channels {
			rest -= v
		}
		return max(rest, 0)
	}
	return s.Channels[ch.String()]
}

// profileFor is the hourly profile of a service's channel.
func (sc *Scenario) profileFor(s *ServiceSpec, ch queue.Channel) map[int]float64 {
	if p, ok := s.ChannelProfiles[ch.String()]; ok {
		return p
	}
	if len(s.Profile) > 0 {
		return s.Profile
	}
	if len(sc.Profile) > 0 {
		return sc.Profile
	}
	return flatProfile
}

var flatProfile = func() map[int]float64 {
	m := map[int]float64{}
	for h := 0; h < 24; h++ {
		m[h] = 1
	}
	return m
}()

// profileWeight is the weight of a profile within [from, until) minutes.
func profileWeight(p map[int]float64, from, until int) float64 {
	w := 0.0
	for h := 0; h < 24; h++ {
		lo, hi := max(h*60, from), min(h*60+60, until)
		if hi > lo {
			w += p[h] * float64(hi-lo) / 60
		}
	}
	return w
}
