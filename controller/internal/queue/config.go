package queue

import (
	"fmt"
	"strings"
	"time"
)

// Config is the hall as the domain sees it. Every number of the call-next
// policy and the window rules is here, so a hall can tune them and the
// simulator can sweep them.
type Config struct {
	Name     string          `yaml:"name" json:"name"`
	Services []ServiceConfig `yaml:"services" json:"services"`
	Windows  []WindowConfig  `yaml:"windows" json:"windows"`
	Hours    Hours           `yaml:"hours" json:"hours"`
	Channels ChannelRules    `yaml:"channels" json:"channels"`
	Rules    WindowRules     `yaml:"rules" json:"rules"`
	Policy   PolicyConfig    `yaml:"policy" json:"policy"`
}

// ServiceConfig is one service (事项) and its ticket numbering.
type ServiceConfig struct {
	ID       string `yaml:"id" json:"id"`
	Name     string `yaml:"name" json:"name"`
	NameEN   string `yaml:"name_en" json:"name_en"`
	Prefix   string `yaml:"prefix" json:"prefix"`
	First    int    `yaml:"first" json:"first"` // first number of the range, e.g. 1
	Last     int    `yaml:"last" json:"last"`   // last number; numbering wraps to First
	Expected int    `yaml:"expected_minutes" json:"expected_minutes"`
	// Channels the service accepts; empty means all four.
	Channels []Channel `yaml:"channels" json:"channels"`
	// DailyCap limits tickets per day; 0 means no cap (the regulations'
	// "in principle no daily cap").
	DailyCap int `yaml:"daily_cap" json:"daily_cap"`
	// IssueFrom/IssueUntil override the hall's issue hours ("HH:MM").
	IssueFrom  string `yaml:"issue_from" json:"issue_from"`
	IssueUntil string `yaml:"issue_until" json:"issue_until"`
}

// WindowConfig is one window and its ordered service profile.
type WindowConfig struct {
	ID       string   `yaml:"id" json:"id"`
	Name     string   `yaml:"name" json:"name"`
	Services []string `yaml:"services" json:"services"`
}

// Hours are the hall's daily times ("HH:MM", hall local time). Tickets are
// issued between IssueFrom and IssueUntil (the cut-off); tickets issued before
// the cut-off are served to the last one after Close (延时服务).
type Hours struct {
	Timezone   string `yaml:"timezone" json:"timezone"`
	IssueFrom  string `yaml:"issue_from" json:"issue_from"`
	IssueUntil string `yaml:"issue_until" json:"issue_until"`
	Close      string `yaml:"close" json:"close"`
}

// ChannelRules decide eligibility for the priority channels.
type ChannelRules struct {
	// LoveAgeFrom: citizens this old or older get the love channel (永安 60, 浉河 70).
	LoveAgeFrom int `yaml:"love_age_from" json:"love_age_from"`
	// LoveAgeUnder: citizens younger than this get it too (永安 16); 0 disables.
	LoveAgeUnder int `yaml:"love_age_under" json:"love_age_under"`
	// LoveCategories are declared categories that put a ticket in the love
	// channel, unverified until staff confirm.
	LoveCategories []string `yaml:"love_categories" json:"love_categories"`
	// OnePerPerson: one waiting ticket per person per service.
	OnePerPerson bool `yaml:"one_per_person" json:"one_per_person"`
	// AppointmentEarlyMinutes: how early before the booked time check-in opens.
	AppointmentEarlyMinutes int `yaml:"appointment_early_minutes" json:"appointment_early_minutes"`
	// AppointmentLateMinutes: later than this the booking lapses (30).
	AppointmentLateMinutes int `yaml:"appointment_late_minutes" json:"appointment_late_minutes"`
}

// WindowRules are the limits of the window actions.
type WindowRules struct {
	MaxRecalls       int `yaml:"max_recalls" json:"max_recalls"`                 // recalls per ticket
	NoShowAfterCalls int `yaml:"no_show_after_calls" json:"no_show_after_calls"` // calls before no-show is allowed
	RequeueBehind    int `yaml:"requeue_behind" json:"requeue_behind"`           // default K for re-queued no-shows
}

// PolicyConfig parameterises the default composite policy (queueing.md §4).
type PolicyConfig struct {
	Name                string  `yaml:"name" json:"name"` // "composite" (default)
	GuardMinutes        float64 `yaml:"guard_minutes" json:"guard_minutes"`
	LoveWeight          float64 `yaml:"love_weight" json:"love_weight"`
	NormalWeight        float64 `yaml:"normal_weight" json:"normal_weight"`
	MaxConsecutive      int     `yaml:"max_consecutive_priority" json:"max_consecutive_priority"`
	ConsecutiveScope    string  `yaml:"consecutive_scope" json:"consecutive_scope"` // "window" or "hall"
	EarlyAppointmentsOK bool    `yaml:"serve_early_appointments" json:"serve_early_appointments"`
}

// Defaults fills zero values with the documented defaults.
func (c *Config) Defaults() {
	if c.Hours.Timezone == "" {
		c.Hours.Timezone = "Asia/Shanghai"
	}
	if c.Hours.IssueFrom == "" {
		c.Hours.IssueFrom = "08:30"
	}
	if c.Hours.IssueUntil == "" {
		c.Hours.IssueUntil = "16:30"
	}
	if c.Hours.Close == "" {
		c.Hours.Close = "17:00"
	}
	ch := &c.Channels
	if ch.LoveAgeFrom == 0 {
		ch.LoveAgeFrom = 60
	}
	if ch.LoveCategories == nil {
		ch.LoveCategories = []string{"military", "disabled", "pregnant", "sick", "unable_smart_device", "special_care"}
	}
	if ch.AppointmentEarlyMinutes == 0 {
		ch.AppointmentEarlyMinutes = 60
	}
	if ch.AppointmentLateMinutes == 0 {
		ch.AppointmentLateMinutes = 30
	}
	if c.Rules.MaxRecalls == 0 {
		c.Rules.MaxRecalls = 3
	}
	if c.Rules.NoShowAfterCalls == 0 {
		c.Rules.NoShowAfterCalls = 2
	}
	if c.Rules.RequeueBehind == 0 {
		c.Rules.RequeueBehind = 3
	}
	p := &c.Policy
	if p.Name == "" {
		p.Name = "composite"
	}
	if p.GuardMinutes == 0 {
		p.GuardMinutes = 25
	}
	if p.LoveWeight == 0 {
		p.LoveWeight = 3
	}
	if p.NormalWeight == 0 {
		p.NormalWeight = 1
	}
	if p.MaxConsecutive == 0 {
		p.MaxConsecutive = 2
	}
	if p.ConsecutiveScope == "" {
		p.ConsecutiveScope = "window"
	}
	for i := range c.Services {
		s := &c.Services[i]
		if s.First == 0 && s.Last == 0 {
			s.First, s.Last = 1, 999
		}
		if s.Expected == 0 {
			s.Expected = 10
		}
	}
}

// Validate names the first field that is wrong. It expects Defaults to have run.
func (c *Config) Validate() error {
	bad := func(field, format string, args ...any) error {
		return errf(ErrInvalid, "配置错误 %s: "+format, "config: %s: "+format, append([]any{field}, args...)...)
	}
	if len(c.Services) == 0 {
		return bad("services", "至少需要一个业务 / at least one service")
	}
	ids := map[string]bool{}
	prefixes := map[string]string{}
	for i, s := range c.Services {
		f := fmt.Sprintf("services[%d]", i)
		if s.ID == "" || strings.ContainsAny(s.ID, "/ ?#") {
			return bad(f+".id", "需要不含空格和斜杠的标识 / needs an id without spaces or slashes")
		}
		if ids[s.ID] {
			return bad(f+".id", "重复 %q / duplicate %q", s.ID, s.ID)
		}
		ids[s.ID] = true
		if s.Name == "" {
			return bad(f+".name", "不能为空 / empty")
		}
		if len(s.Prefix) != 1 || s.Prefix[0] < 'A' || s.Prefix[0] > 'Z' {
			return bad(f+".prefix", "需为一个大写字母 %q / must be one capital letter", s.Prefix)
		}
		if other, dup := prefixes[s.Prefix]; dup {
			return bad(f+".prefix", "%q 与业务 %s 重复 / %q also used by %s", s.Prefix, other, s.Prefix, other)
		}
		prefixes[s.Prefix] = s.ID
		if s.First < 0 || s.Last < s.First || s.Last > 9999 {
			return bad(f+".first/last", "号段 %d-%d 无效 / range %d-%d invalid", s.First, s.Last, s.First, s.Last)
		}
		if s.Expected < 0 || s.DailyCap < 0 {
			return bad(f, "数值不能为负 / negative value")
		}
		for _, ch := range s.Channels {
			if !ch.Valid() {
				return bad(f+".channels", "未知通道 %q / unknown channel %q", ch, ch)
			}
		}
		for _, hm := range []string{s.IssueFrom, s.IssueUntil} {
			if hm != "" {
				if _, err := parseHM(hm); err != nil {
					return bad(f+".issue_from/until", "%v", err)
				}
			}
		}
	}
	if len(c.Windows) == 0 {
		return bad("windows", "至少需要一个窗口 / at least one window")
	}
	wids := map[string]bool{}
	for i, w := range c.Windows {
		f := fmt.Sprintf("windows[%d]", i)
		if w.ID == "" || strings.ContainsAny(w.ID, "/ ?#") {
			return bad(f+".id", "需要不含空格和斜杠的标识 / needs an id without spaces or slashes")
		}
		if wids[w.ID] {
			return bad(f+".id", "重复 %q / duplicate %q", w.ID, w.ID)
		}
		wids[w.ID] = true
		if len(w.Services) == 0 {
			return bad(f+".services", "窗口 %s 不办理任何业务 / window %s serves nothing", w.ID, w.ID)
		}
		seen := map[string]bool{}
		for _, s := range w.Services {
			if !ids[s] {
				return bad(f+".services", "未知业务 %q / unknown service %q", s, s)
			}
			if seen[s] {
				return bad(f+".services", "重复业务 %q / duplicate service %q", s, s)
			}
			seen[s] = true
		}
	}
	for _, hm := range []struct{ f, v string }{{"hours.issue_from", c.Hours.IssueFrom}, {"hours.issue_until", c.Hours.IssueUntil}, {"hours.close", c.Hours.Close}} {
		if _, err := parseHM(hm.v); err != nil {
			return bad(hm.f, "%v", err)
		}
	}
	if _, err := c.Location(); err != nil {
		return bad("hours.timezone", "%v", err)
	}
	if c.Channels.LoveAgeFrom < 0 || c.Channels.LoveAgeFrom > 150 || c.Channels.LoveAgeUnder < 0 || c.Channels.LoveAgeUnder > 150 {
		return bad("channels", "年龄阈值超出范围 / age threshold out of range")
	}
	if c.Channels.AppointmentLateMinutes < 0 || c.Channels.AppointmentEarlyMinutes < 0 {
		return bad("channels", "预约时间不能为负 / negative appointment minutes")
	}
	r := c.Rules
	if r.MaxRecalls < 0 || r.NoShowAfterCalls < 1 || r.RequeueBehind < 0 {
		return bad("rules", "数值超出范围 / value out of range")
	}
	p := c.Policy
	if _, err := NewPolicy(p); err != nil {
		return bad("policy.name", "%v", err)
	}
	if p.GuardMinutes <= 0 || p.LoveWeight <= 0 || p.NormalWeight <= 0 || p.MaxConsecutive < 1 {
		return bad("policy", "参数需为正数 / parameters must be positive")
	}
	if p.ConsecutiveScope != "window" && p.ConsecutiveScope != "hall" {
		return bad("policy.consecutive_scope", "应为 window 或 hall / must be window or hall")
	}
	return nil
}

// Location is the hall's time zone. China has one zone without summer time,
// so Asia/Shanghai falls back to a fixed +08:00 where no tz database exists.
func (c *Config) Location() (*time.Location, error) {
	loc, err := time.LoadLocation(c.Hours.Timezone)
	if err != nil {
		if c.Hours.Timezone == "Asia/Shanghai" {
			return time.FixedZone("CST", 8*3600), nil
		}
		return nil, err
	}
	return loc, nil
}

// parseHM parses "HH:MM" into minutes after midnight; "24:00" is allowed as
// the end of the day.
func parseHM(s string) (int, error) {
	var h, m int
	if len(s) != 5 || s[2] != ':' {
		return 0, fmt.Errorf("时间应为 HH:MM: %q / time must be HH:MM", s)
	}
	if _, err := fmt.Sscanf(s, "%02d:%02d", &h, &m); err != nil || h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("时间无效: %q / invalid time", s)
	}
	return h*60 + m, nil
}
