package console

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"hallq/controller/internal/api"
)

// Settings is the console section of the hall configuration file
// (hallconfig.File.Console).
type Settings struct {
	Users []User `yaml:"users" json:"users"`
	// SessionIdle ends a session unused this long (default 30m);
	// SessionMax ends any session this old (default 12h).
	SessionIdle Duration `yaml:"session_idle" json:"session_idle"`
	SessionMax  Duration `yaml:"session_max" json:"session_max"`
	// Texts are the hall's texts for tickets and signs until the console
	// changes them.
	Texts Texts `yaml:"texts" json:"texts"`
}

// User is one console user. PasswordHash is a bcrypt hash
// (`hallctl` or `htpasswd -nbBC 10 user pw` make one).
type User struct {
	Name         string `yaml:"name" json:"name"`
	Display      string `yaml:"display" json:"display"`
	Role         Role   `yaml:"role" json:"role"`
	PasswordHash string `yaml:"password_hash" json:"-"`
}

// Role is a console role.
type Role string

// Console roles, mapped to api roles for the JSON APIs.
const (
	RoleManager    Role = "manager"    // 大厅管理员: everything, configuration included
	RoleSupervisor Role = "supervisor" // 窗口主管: supervisor actions, appointments, follow-ups
	RoleTechnician Role = "technician" // 技术员: devices; reads the rest
	RoleAuditor    Role = "auditor"    // 审计员: reads everything, changes nothing
)

// APIRole is the api role a console role acts with.
func (r Role) APIRole() api.Role {
	switch r {
	case RoleManager:
		return api.RoleAdmin
	case RoleSupervisor:
		return api.RoleStaff
	case RoleTechnician:
		return api.RoleTechnician
	}
	return api.RoleAuditor
}

// Label is the role's Chinese name.
func (r Role) Label() string {
	return map[Role]string{RoleManager: "大厅管理员", RoleSupervisor: "窗口主管", RoleTechnician: "技术员", RoleAuditor: "审计员"}[r]
}

// Texts are what tickets and signs say (HallInfo).
type Texts struct {
	NameEN       string   `yaml:"name_en" json:"name_en"`
	TicketFooter string   `yaml:"ticket_footer" json:"ticket_footer"`
	SignIdle     string   `yaml:"sign_idle" json:"sign_idle"`
	SignPaused   string   `yaml:"sign_paused" json:"sign_paused"`
	SignEmpty    string   `yaml:"sign_empty" json:"sign_empty"`
	Notices      []string `yaml:"notices" json:"notices"`
}

// Duration is a time.Duration written as "30m" in YAML and JSON.
type Duration time.Duration

// UnmarshalText parses "30m", "12h".
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// MarshalText writes the duration as Go does.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// Defaults fills zero values.
func (s *Settings) Defaults() {
	if s.SessionIdle == 0 {
		s.SessionIdle = Duration(30 * time.Minute)
	}
	if s.SessionMax == 0 {
		s.SessionMax = Duration(12 * time.Hour)
	}
	s.Texts.Defaults()
}

// Defaults fills the sign texts of common.md.
func (t *Texts) Defaults() {
	if t.SignIdle == "" {
		t.SignIdle = "欢迎光临"
	}
	if t.SignPaused == "" {
		t.SignPaused = "暂停服务"
	}
	if t.SignEmpty == "" {
		t.SignEmpty = "无人等候"
	}
	if t.Notices == nil {
		t.Notices = []string{}
	}
}

// Validate checks the section; messages are Chinese with English after a slash.
func (s *Settings) Validate() error {
	seen := map[string]bool{}
	for i, u := range s.Users {
		f := fmt.Sprintf("console.users[%d]", i)
		if u.Name == "" || len(u.Name) > 32 || strings.ContainsAny(u.Name, " /:\x00\r\n") {
			return fmt.Errorf("%w: %s.name: 用户名无效 / invalid name %q", ErrSettings, f, u.Name)
		}
		if seen[u.Name] {
			return fmt.Errorf("%w: %s.name: 用户名重复 / duplicate user %q", ErrSettings, f, u.Name)
		}
		seen[u.Name] = true
		if u.Role.Label() == "" {
			return fmt.Errorf("%w: %s.role: 未知角色 %q（manager, supervisor, technician, auditor）/ unknown role", ErrSettings, f, u.Role)
		}
		if _, err := bcrypt.Cost([]byte(u.PasswordHash)); err != nil {
			return fmt.Errorf("%w: %s.password_hash: 不是 bcrypt 哈希 / not a bcrypt hash: %v", ErrSettings, f, err)
		}
	}
	if s.SessionIdle < Duration(time.Minute) || s.SessionMax < s.SessionIdle {
		return fmt.Errorf("%w: console.session_idle/session_max: 时长无效 / idle at least 1m and max not below idle", ErrSettings)
	}
	if err := s.Texts.Validate(); err != nil {
		return fmt.Errorf("%w: console.texts: %v", ErrSettings, err)
	}
	return nil
}

// Validate limits the texts to what the printer and the signs can show.
func (t *Texts) Validate() error {
	check := func(field, v string, max int) error {
		if !utf8.ValidString(v) || utf8.RuneCountInString(v) > max || strings.ContainsAny(v, "\x00\r\n") {
			return fmt.Errorf("%s 无效或超过 %d 个字 / %s invalid or longer than %d characters", field, max, field, max)
		}
		return nil
	}
	for _, c := range []struct {
		f, v string
		n    int
	}{{"name_en", t.NameEN, 80}, {"ticket_footer", t.TicketFooter, 64}, {"sign_idle", t.SignIdle, 16},
		{"sign_paused", t.SignPaused, 16}, {"sign_empty", t.SignEmpty, 16}} {
		if err := check(c.f, c.v, c.n); err != nil {
			return err
		}
	}
	if len(t.Notices) > 10 {
		return fmt.Errorf("通知最多 10 条 / at most 10 notices")
	}
	for i, n := range t.Notices {
		if err := check(fmt.Sprintf("notices[%d]", i), n, 100); err != nil {
			return err
		}
		if strings.TrimSpace(n) == "" {
			return fmt.Errorf("notices[%d] 为空 / empty notice", i)
		}
	}
	return nil
}
