package queue

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// EvReconfigured replaces the hall's configuration. It carries the whole
// new configuration, so replaying the log after a crash reproduces every
// change made from the console without the console's own store.
const EvReconfigured EventType = "reconfigured"

// ErrStrands refuses a configuration change that would leave tickets
// nobody can serve: a service removed while tickets of it are live, a
// window removed while it holds tickets or staff, or a waiting service left
// without any window serving it.
var ErrStrands = &Error{KindConflict, "config_strands_tickets", "配置变更会使等候中的号票无法办理", "the change would strand live tickets"}

// ReconfigureArgs is a new configuration and where it came from.
type ReconfigureArgs struct {
	Config Config
	// Version is the console's version number for the change.
	Version int
	// Base is ConfigHash of the configuration file's hall section when the
	// change was made: after a restart the controller compares it with the
	// file to tell whether the file was edited since (then the file wins).
	Base string
	// By names who made the change (console user or "file").
	By string
}

// ConfigHash is a stable digest of a configuration with defaults filled in.
func ConfigHash(c Config) string {
	c.Defaults()
	b, _ := json.Marshal(c)
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:12])
}

// ConfigState says which configuration is in force.
type ConfigState struct {
	// Reconfigured is false while the hall runs the configuration it was
	// built with (the file's).
	Reconfigured bool
	Version      int
	Base         string
	By           string
	At           time.Time
}

// ConfigState reports the configuration in force.
func (h *Hall) ConfigState() ConfigState { return h.cfgState }

// Reconfigure checks a new configuration against the live state and applies
// it as one event. On error nothing changed.
func (h *Hall) Reconfigure(now time.Time, a ReconfigureArgs) error {
	h.Tick(now)
	now = h.clock(now)
	cfg := a.Config
	cfg.Defaults()
	if err := cfg.Validate(); err != nil {
		return err
	}
	if err := h.checkStrands(&cfg); err != nil {
		return err
	}
	if err := checkText("by", a.By, 64); err != nil {
		return err
	}
	e := Event{Type: EvReconfigured, At: now, Staff: a.By, Config: &cfg, ConfigVersion: a.Version, Base: a.Base, Seq: h.lastSeq + 1}
	// A record the log cannot read back would stop the next start.
	if rec, err := EncodeRecord(&e); err != nil || len(rec) > MaxRecord {
		return errf(ErrInvalid, "配置过大（超过 %d 字节）", "configuration too large (over %d bytes)", MaxRecord, MaxRecord)
	}
	h.emit(e)
	return nil
}

// checkStrands refuses changes that would leave live tickets unservable.
func (h *Hall) checkStrands(cfg *Config) error {
	svc := map[string]bool{}
	for _, s := range cfg.Services {
		svc[s.ID] = true
	}
	win := map[string]WindowConfig{}
	for _, w := range cfg.Windows {
		win[w.ID] = w
	}
	live := map[string]int{}    // service -> live tickets
	waiting := map[string]int{} // service -> waiting tickets
	for _, t := range h.tickets {
		switch t.Status {
		case Waiting:
			waiting[t.Service]++
			live[t.Service]++
			if t.ForWindow != "" {
				if _, ok := win[t.ForWindow]; !ok {
					return errf(ErrStrands, "窗口 %s 有转给它的号票 %s 在等候，不能删除", "window %s has ticket %s transferred to it waiting", t.ForWindow, t.Number, t.ForWindow, t.Number)
				}
			}
		case Called, Serving, Parked, NoShow:
			live[t.Service]++
		}
	}
	for _, id := range h.serviceOrder {
		if !svc[id] && live[id] > 0 {
			return errf(ErrStrands, "业务“%s”仍有 %d 张未办结号票，不能删除", "service %s still has %d live tickets", h.services[id].cfg.Name, live[id], id, live[id])
		}
	}
	for _, id := range h.windowOrder {
		if _, ok := win[id]; ok {
			continue
		}
		w := h.windows[id]
		if w.Staff != "" || w.Current != 0 || len(w.Parked) > 0 {
			return errf(ErrStrands, "窗口 %s 有工作人员登录或有办理中的号票，不能删除", "window %s is staffed or holds tickets", id, id)
		}
	}
	for _, id := range h.serviceOrder {
		if waiting[id] == 0 {
			continue
		}
		served := false
		for _, w := range cfg.Windows {
			if slices.Contains(w.Services, id) {
				served = true
				break
			}
		}
		if !served {
			return errf(ErrStrands, "业务“%s”有 %d 人等候，至少保留一个办理它的窗口", "service %s has %d waiting: keep a window serving it", h.services[id].cfg.Name, waiting[id], id, waiting[id])
		}
	}
	return nil
}

// applyReconfigured swaps the configuration in, keeping the live state of
// the services and windows that remain.
func (h *Hall) applyReconfigured(e *Event) error {
	if e.Config == nil {
		return fmt.Errorf("reconfigured without config")
	}
	if err := h.reconfigure(*e.Config); err != nil {
		return err
	}
	h.cfgState = ConfigState{Reconfigured: true, Version: e.ConfigVersion, Base: e.Base, By: e.Staff, At: e.At}
	return nil
}

func (h *Hall) reconfigure(cfg Config) error {
	cfg.Defaults()
	if err := cfg.Validate(); err != nil {
		return err
	}
	loc, err := cfg.Location()
	if err != nil {
		return err
	}
	if _, composite := h.policy.(*Composite); composite || h.policy == nil {
		pol, err := NewPolicy(cfg.Policy)
		if err != nil {
			return err
		}
		h.policy = pol
	}
	from, _ := parseHM(cfg.Hours.IssueFrom)
	until, _ := parseHM(cfg.Hours.IssueUntil)
	services := map[string]*service{}
	var order []string
	for _, sc := range cfg.Services {
		s := &service{cfg: sc, issueFrom: from, issueUntil: until, next: sc.First}
		if old := h.services[sc.ID]; old != nil {
			s.next, s.issued, s.lines = old.next, old.issued, old.lines
			if s.next < sc.First || s.next > sc.Last {
				s.next = sc.First
			}
		}
		if sc.IssueFrom != "" {
			s.issueFrom, _ = parseHM(sc.IssueFrom)
		}
		if sc.IssueUntil != "" {
			s.issueUntil, _ = parseHM(sc.IssueUntil)
		}
		if len(sc.Channels) == 0 {
			s.accepts = [numChannels]bool{true, true, true, true}
		}
		for _, c := range sc.Channels {
			s.accepts[c] = true
		}
		services[sc.ID] = s
		order = append(order, sc.ID)
	}
	for _, t := range h.tickets {
		if services[t.Service] == nil && t.Status != Done && t.Status != Cancelled && t.Status != Transferred {
			return fmt.Errorf("service %q removed with live ticket %d", t.Service, t.ID)
		}
	}
	windows := map[string]*Window{}
	targeted := map[string]*line{}
	var worder []string
	for _, wc := range cfg.Windows {
		w := h.windows[wc.ID]
		if w == nil {
			w = &Window{ID: wc.ID, CalledFrom: map[string]int{}}
		}
		w.Name, w.Services = wc.Name, slices.Clone(wc.Services)
		windows[wc.ID] = w
		worder = append(worder, wc.ID)
		if l := h.targeted[wc.ID]; l != nil {
			targeted[wc.ID] = l
		} else {
			targeted[wc.ID] = &line{}
		}
	}
	// Tickets of services that are gone are finished ones (checked above);
	// drop them so no later lookup meets an unknown service.
	for id, t := range h.tickets {
		if services[t.Service] == nil {
			h.release(t, true)
			delete(h.tickets, id)
		}
	}
	h.cfg, h.loc = cfg, loc
	h.services, h.serviceOrder = services, order
	h.windows, h.windowOrder, h.targeted = windows, worder, targeted
	return nil
}

// LiveTickets returns copies of today's tickets that are not finished
// (waiting, called, serving, parked, no-show), by id, for consoles.
func (h *Hall) LiveTickets() []Ticket {
	out := []Ticket{}
	for _, t := range h.tickets {
		if t.Status.Live() {
			out = append(out, *t)
		}
	}
	slices.SortFunc(out, func(a, b Ticket) int {
		if a.ID < b.ID {
			return -1
		}
		if a.ID > b.ID {
			return 1
		}
		return 0
	})
	return out
}
