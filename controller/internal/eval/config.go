package eval

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"hallq/controller/internal/workday"
)

// Config is the evaluation section of the hall configuration
// (hallconfig.File.Evaluation, YAML key "evaluation").
type Config struct {
	// Reasons a citizen may choose for a rating of 1 or 2 on a touch
	// evaluator. A 5-key keypad sends "reason pending" instead.
	Reasons []string `yaml:"reasons"`
	// FollowupDays is the follow-up deadline in working days (15).
	FollowupDays int `yaml:"followup_days"`
	// AcceptMinutes is how long after finish a rating is taken (10).
	AcceptMinutes int `yaml:"accept_minutes"`
	// Owner is who follow-ups are assigned to when created ("" = nobody
	// yet; staff set it with PATCH).
	Owner string `yaml:"owner"`
	// Calendar for working days; absent: the 2026 national schedule.
	Calendar *workday.Config `yaml:"calendar"`
}

// DefaultReasons are the usual reasons of provincial 好差评 systems.
var DefaultReasons = []string{"等候时间长", "服务态度差", "办事效率低", "一次性告知不清", "材料要求不合理", "其他"}

// Defaults fills unset fields.
func (c *Config) Defaults() {
	if len(c.Reasons) == 0 {
		c.Reasons = append([]string(nil), DefaultReasons...)
	}
	if c.FollowupDays == 0 {
		c.FollowupDays = 15
	}
	if c.AcceptMinutes == 0 {
		c.AcceptMinutes = 10
	}
	if c.Calendar == nil {
		d := workday.DefaultConfig()
		c.Calendar = &d
	}
}

// maxText bounds reasons, owners, callback results and notes (runes).
const maxText = 200

// Validate reports the first bad field, named as in the YAML.
func (c *Config) Validate() error {
	for i, r := range c.Reasons {
		if r == "" || utf8.RuneCountInString(r) > 32 || strings.ContainsAny(r, "\r\n\x00") || !utf8.ValidString(r) {
			return fmt.Errorf("eval: evaluation.reasons[%d]: empty, longer than 32 characters or not one line", i)
		}
	}
	if c.FollowupDays < 1 || c.FollowupDays > 60 {
		return fmt.Errorf("eval: evaluation.followup_days: %d is not 1..60", c.FollowupDays)
	}
	if c.AcceptMinutes < 1 || c.AcceptMinutes > 24*60 {
		return fmt.Errorf("eval: evaluation.accept_minutes: %d is not 1..1440", c.AcceptMinutes)
	}
	if utf8.RuneCountInString(c.Owner) > 64 {
		return fmt.Errorf("eval: evaluation.owner: longer than 64 characters")
	}
	if c.Calendar != nil {
		if _, err := workday.New(*c.Calendar); err != nil {
			return fmt.Errorf("eval: evaluation.calendar: %w", err)
		}
	}
	return nil
}
