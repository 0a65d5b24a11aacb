package console

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"go.etcd.io/bbolt"

	"hallq/controller/hallproto"
	"hallq/controller/internal/engine"
	"hallq/controller/internal/queue"
)

// Version is one configuration of the hall: the queue's part, applied as
// a queue event, and the texts for tickets and signs.
type Version struct {
	Version int          `json:"version"`
	At      time.Time    `json:"at"`
	By      string       `json:"by"`
	Source  string       `json:"source"` // "file" or "console"
	Hall    queue.Config `json:"hall"`
	Texts   Texts        `json:"texts"`
	Summary []string     `json:"summary"`
	// Base hashes the configuration file when the version was made.
	Base string `json:"base"`
	// Applied is false for a version whose event never committed (a crash
	// between the two writes, or a refusal being recorded).
	Applied bool `json:"applied"`
}

// fileBase hashes the file's part of the configuration: the hall section
// and the console texts.
func fileBase(h queue.Config, t Texts) string {
	h.Defaults()
	t.Defaults()
	b, _ := json.Marshal(struct {
		H queue.Config
		T Texts
	}{h, t})
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:12])
}

func vkey(n int) []byte {
	k := make([]byte, 8)
	binary.BigEndian.PutUint64(k, uint64(n))
	return k
}

func (c *Console) putVersion(v *Version) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return c.db.Update(func(tx *bbolt.Tx) error { return tx.Bucket(bucketVersions).Put(vkey(v.Version), b) })
}

func (c *Console) getVersion(n int) (*Version, error) {
	var v *Version
	err := c.db.View(func(tx *bbolt.Tx) error {
		if b := tx.Bucket(bucketVersions).Get(vkey(n)); b != nil {
			v = &Version{}
			return json.Unmarshal(b, v)
		}
		return nil
	})
	return v, err
}

// Versions lists stored versions, newest first, without their bodies'
// configuration (Summary says what changed).
func (c *Console) Versions(limit int) ([]Version, error) {
	out := []Version{}
	err := c.db.View(func(tx *bbolt.Tx) error {
		cur := tx.Bucket(bucketVersions).Cursor()
		for k, v := cur.Last(); k != nil && len(out) < limit; k, v = cur.Prev() {
			var ver Version
			if json.Unmarshal(v, &ver) != nil {
				continue
			}
			ver.Hall = queue.Config{}
			out = append(out, ver)
		}
		return nil
	})
	return out, err
}

func (c *Console) lastVersionNumber() int {
	n := 0
	c.db.View(func(tx *bbolt.Tx) error {
		if k, _ := tx.Bucket(bucketVersions).Cursor().Last(); k != nil {
			n = int(binary.BigEndian.Uint64(k))
		}
		return nil
	})
	return n
}

// loadCurrent decides which configuration is in force at start (see the
// package doc) and applies the file when it was edited since.
func (c *Console) loadCurrent(ctx context.Context) error {
	var st queue.ConfigState
	var hall queue.Config
	if err := c.eng.Read(ctx, func(h *queue.Hall, _ time.Time) { st, hall = h.ConfigState(), h.Config() }); err != nil {
		return fmt.Errorf("console: read hall: %w", err)
	}
	fileVer := Version{Version: 0, Source: "file", By: "file", Hall: c.fileHall, Texts: c.set.Texts, Base: c.base, Applied: true}
	if !st.Reconfigured {
		c.cur = fileVer
		return nil
	}
	v, err := c.getVersion(st.Version)
	if err != nil || v == nil {
		c.lg.Warn("console: the applied configuration version has no record; texts from the file", "version", st.Version)
		v = &Version{Version: st.Version, At: st.At, By: st.By, Source: "console", Texts: c.set.Texts, Base: st.Base, Applied: true}
	}
	v.Hall = hall
	c.cur = *v
	if st.Base == c.base {
		return nil
	}
	c.lg.Info("console: the configuration file changed since the last console version; applying the file", "version", st.Version)
	if _, err := c.apply(ctx, change{By: "file", Role: RoleManager, Source: "file", Hall: c.fileHall, Texts: c.set.Texts, BaseVersion: c.cur.Version}); err != nil {
		c.lg.Warn("console: the edited configuration file was refused; the last console version stays in force", "err", err)
	}
	return nil
}

type change struct {
	By, IP, Source string
	Role           Role
	Hall           queue.Config
	Texts          Texts
	BaseVersion    int
}

// applyError is a refused change with its Chinese reason.
type applyError struct {
	Status    int
	Code      string
	Message   string
	MessageEN string
}

func (e *applyError) Error() string { return "console: config: " + e.Code + ": " + e.MessageEN }

// apply validates, records and applies a new version.
func (c *Console) apply(ctx context.Context, ch change) (Version, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ch.BaseVersion != c.cur.Version {
		return Version{}, &applyError{409, "stale_version", fmt.Sprintf("配置已被他人修改（当前版本 %d），请刷新后重试", c.cur.Version),
			fmt.Sprintf("the configuration changed meanwhile (now version %d)", c.cur.Version)}
	}
	ch.Hall.Defaults()
	ch.Texts.Defaults()
	if err := ch.Hall.Validate(); err != nil {
		return Version{}, queueError(err)
	}
	if err := ch.Texts.Validate(); err != nil {
		return Version{}, &applyError{400, "invalid", "文字设置错误：" + err.Error(), err.Error()}
	}
	summary := diffSummary(c.cur, ch.Hall, ch.Texts)
	if len(summary) == 0 {
		return Version{}, &applyError{400, "no_change", "配置没有变化", "nothing changed"}
	}
	v := Version{Version: max(c.lastVersionNumber(), c.cur.Version) + 1, At: c.now(), By: ch.By, Source: ch.Source,
		Hall: ch.Hall, Texts: ch.Texts, Summary: summary, Base: c.base}
	if err := c.putVersion(&v); err != nil {
		return Version{}, &applyError{503, "store_unavailable", "系统暂时无法保存，请稍后重试", err.Error()}
	}
	var refused error
	_, err := c.eng.Do(ctx, &engine.Command{Run: func(h *queue.Hall, now time.Time) engine.Reply {
		refused = h.Reconfigure(now, queue.ReconfigureArgs{Config: ch.Hall, Version: v.Version, Base: c.base, By: ch.By})
		return engine.Reply{Status: 200}
	}})
	if err == nil {
		err = refused
	}
	ae := AuditEntry{User: ch.By, Role: ch.Role, Action: "config", Target: fmt.Sprintf("版本 %d", v.Version),
		Before: fmt.Sprintf("版本 %d", c.cur.Version), After: strings.Join(summary, "；"), IP: ch.IP}
	if err != nil {
		c.db.Update(func(tx *bbolt.Tx) error { return tx.Bucket(bucketVersions).Delete(vkey(v.Version)) })
		e := queueError(err)
		ae.Result = e.Message
		c.audit(ae)
		return Version{}, e
	}
	v.Applied = true
	if err := c.putVersion(&v); err != nil {
		c.lg.Error("console: version record not marked applied", "version", v.Version, "err", err)
	}
	ae.Result = "ok"
	c.audit(ae)
	c.cur = v
	return v, nil
}

func queueError(err error) *applyError {
	var qe *queue.Error
	if errors.As(err, &qe) {
		st := map[queue.Kind]int{queue.KindInvalid: 400, queue.KindNotFound: 404, queue.KindConflict: 409}[qe.Kind]
		return &applyError{st, qe.Code, qe.Message, qe.MessageEN}
	}
	var ae *applyError
	if errors.As(err, &ae) {
		return ae
	}
	if errors.Is(err, engine.ErrUnavailable) || errors.Is(err, engine.ErrStopped) {
		return &applyError{503, "store_unavailable", "系统暂时无法保存，请稍后重试", err.Error()}
	}
	return &applyError{500, "internal", "内部错误", err.Error()}
}

// current is the version in force.
func (c *Console) current() Version {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cur
}

// HallInfo is the answer of GET /api/v1/hall.
func (c *Console) HallInfo() hallproto.HallInfo {
	v := c.current()
	v.Texts.Defaults()
	return hallproto.HallInfo{Name: v.Hall.Name, NameEN: v.Texts.NameEN, TicketFooter: v.Texts.TicketFooter,
		SignIdle: v.Texts.SignIdle, SignPaused: v.Texts.SignPaused, SignEmpty: v.Texts.SignEmpty,
		Notices: slices.Clone(v.Texts.Notices),
		Hours: hallproto.HallHours{IssueFrom: v.Hall.Hours.IssueFrom, IssueUntil: v.Hall.Hours.IssueUntil,
			Close: v.Hall.Hours.Close, Timezone: v.Hall.Hours.Timezone}, ConfigVersion: v.Version}
}

// diffSummary says in Chinese what a change does, one line per item.
func diffSummary(old Version, h queue.Config, t Texts) []string {
	var out []string
	if old.Hall.Name != h.Name {
		out = append(out, fmt.Sprintf("大厅名称：%s → %s", old.Hall.Name, h.Name))
	}
	byID := func(ss []queue.ServiceConfig) map[string]queue.ServiceConfig {
		m := map[string]queue.ServiceConfig{}
		for _, s := range ss {
			m[s.ID] = s
		}
		return m
	}
	os, ns := byID(old.Hall.Services), byID(h.Services)
	for _, s := range h.Services {
		o, ok := os[s.ID]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("新增业务 %s（%s，%s 字头）", s.ID, s.Name, s.Prefix))
		default:
			if f := changedFields(o, s); f != "" {
				out = append(out, fmt.Sprintf("业务 %s 修改：%s", s.ID, f))
			}
		}
	}
	for _, s := range old.Hall.Services {
		if _, ok := ns[s.ID]; !ok {
			out = append(out, fmt.Sprintf("删除业务 %s（%s）", s.ID, s.Name))
		}
	}
	ow := map[string]queue.WindowConfig{}
	for _, w := range old.Hall.Windows {
		ow[w.ID] = w
	}
	nw := map[string]bool{}
	for _, w := range h.Windows {
		nw[w.ID] = true
		o, ok := ow[w.ID]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("新增窗口 %s（%s）：%s", w.ID, w.Name, strings.Join(w.Services, "、")))
		case !slices.Equal(o.Services, w.Services):
			out = append(out, fmt.Sprintf("窗口 %s 业务：%s → %s", w.ID, strings.Join(o.Services, "、"), strings.Join(w.Services, "、")))
		case o.Name != w.Name:
			out = append(out, fmt.Sprintf("窗口 %s 名称：%s → %s", w.ID, o.Name, w.Name))
		}
	}
	for _, w := range old.Hall.Windows {
		if !nw[w.ID] {
			out = append(out, fmt.Sprintf("删除窗口 %s（%s）", w.ID, w.Name))
		}
	}
	for _, p := range []struct {
		label string
		a, b  any
	}{{"营业时间", old.Hall.Hours, h.Hours}, {"优先通道与年龄", old.Hall.Channels, h.Channels},
		{"窗口规则", old.Hall.Rules, h.Rules}, {"叫号策略", old.Hall.Policy, h.Policy}, {"票面与屏显文字", old.Texts, t}} {
		if f := changedFields(p.a, p.b); f != "" {
			out = append(out, p.label+"："+f)
		}
	}
	return out
}

// changedFields lists "field: old → new" for the JSON fields that differ.
func changedFields(a, b any) string {
	var ma, mb map[string]any
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	json.Unmarshal(ja, &ma)
	json.Unmarshal(jb, &mb)
	var keys []string
	for k := range mb {
		keys = append(keys, k)
	}
	for k := range ma {
		if _, ok := mb[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		va, _ := json.Marshal(ma[k])
		vb, _ := json.Marshal(mb[k])
		if string(va) != string(vb) {
			parts = append(parts, fmt.Sprintf("%s %s → %s", k, va, vb))
		}
	}
	return strings.Join(parts, "，")
}
