package flow

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"hallq/controller/hallproto"
)

var cst = time.FixedZone("CST", 8*3600)

// t0 is a Monday morning inside the issue hours.
var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, cst)

var (
	elderly = Card{Number: "110101194501011234", Name: "张三丰", ValidTo: time.Date(2035, 1, 1, 0, 0, 0, 0, time.UTC), Photo: []byte("WLT-PHOTO-ELDER")}
	adult   = Card{Number: "110101199601011235", Name: "李四", ValidTo: time.Date(2035, 1, 1, 0, 0, 0, 0, time.UTC), Photo: []byte("WLT-PHOTO-ADULT")}
	child   = Card{Number: "110101201601011236", Name: "王小明", NoExpiry: true}
	expired = Card{Number: "110101198001011237", Name: "赵六", ValidTo: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}
)

func testServices() []hallproto.Service {
	return []hallproto.Service{
		{ID: "hukou", Name: "户籍业务", NameEN: "Household registration", Prefix: "A", Issuing: true},
		{ID: "shebao", Name: "社保业务", NameEN: "Social insurance", Prefix: "B", Issuing: true, Channels: []hallproto.Channel{hallproto.Normal, hallproto.Appointment, hallproto.Green}},
		{ID: "budongchan", Name: "不动产登记", NameEN: "Real estate", Prefix: "C", Issuing: false, NotIssuingWhy: "系统维护中"},
		{ID: "gongjijin", Name: "公积金", NameEN: "Housing fund", Prefix: "D", Issuing: true, Channels: []hallproto.Channel{hallproto.Appointment}},
		{ID: "nashui", Name: "税务", NameEN: "Tax", Prefix: "E", Issuing: true},
	}
}

func testConfig() Config {
	n := 0
	return Config{
		Groups: []Group{
			{ID: "police", Name: Text{"公安", "Police"}, Services: []string{"hukou"}},
			{ID: "hr", Name: Text{"人社", "Human resources"}, Services: []string{"shebao", "gongjijin", "nosuch"}},
			{ID: "land", Name: Text{"自然资源", "Land"}, Services: []string{"budongchan"}},
		},
		Location:     cst,
		TechPIN:      "246810",
		GreenPIN:     "1357",
		Version:      "1.2.3",
		NewRequestID: func(time.Time) string { n++; return fmt.Sprintf("req-%d", n) },
	}
}

type harness struct {
	t   *testing.T
	m   *Machine
	now time.Time
	eff []Effect // effects of the last event
	all []Effect
}

// newHarness returns a machine with services and a ready printer.
func newHarness(t *testing.T, cfg Config) *harness {
	t.Helper()
	h := &harness{t: t, m: New(cfg), now: t0}
	h.do(ServicesUpdated{Services: testServices()})
	h.do(PrinterStatus{State: PrinterOK})
	h.all = nil
	return h
}

func (h *harness) do(evs ...Event) []Effect {
	h.t.Helper()
	h.eff = nil
	for _, ev := range evs {
		h.eff = append(h.eff, h.m.Handle(h.now, ev)...)
	}
	h.all = append(h.all, h.eff...)
	return h.eff
}

func (h *harness) advance(d time.Duration) []Effect {
	h.now = h.now.Add(d)
	return h.do(Tick{})
}

func (h *harness) st() State { return h.m.State() }

func (h *harness) screen(want Screen) {
	h.t.Helper()
	if got := h.st().Screen; got != want {
		h.t.Fatalf("screen %v, want %v (message %q, notice %q)", got, want, h.st().Message, h.st().Notice)
	}
}

func (h *harness) messageHas(zh string) {
	h.t.Helper()
	if m := h.st().Message; !strings.Contains(m.ZH, zh) || m.EN == "" {
		h.t.Fatalf("message %q, want Chinese containing %q and an English text", m, zh)
	}
}

func (h *harness) noticeHas(zh string) {
	h.t.Helper()
	if m := h.st().Notice; !strings.Contains(m.ZH, zh) || m.EN == "" {
		h.t.Fatalf("notice %q, want Chinese containing %q and an English text", m, zh)
	}
}

func effectsOf[T Effect](effs []Effect) []T {
	var out []T
	for _, e := range effs {
		if x, ok := e.(T); ok {
			out = append(out, x)
		}
	}
	return out
}

func one[T Effect](h *harness) T {
	h.t.Helper()
	xs := effectsOf[T](h.eff)
	if len(xs) != 1 {
		var z T
		h.t.Fatalf("%d effects of type %T in %#v, want 1", len(xs), z, h.eff)
	}
	return xs[0]
}

func none[T Effect](h *harness) {
	h.t.Helper()
	if xs := effectsOf[T](h.eff); len(xs) != 0 {
		h.t.Fatalf("unexpected %#v", xs)
	}
}

// toMenu takes a card holder past identification and check-in.
func (h *harness) toMenu(c Card) {
	h.t.Helper()
	h.do(Start{}, CardReading{}, CardPlaced{Card: c})
	ci := effectsOf[CheckInAppointment](h.eff)
	if len(ci) != 1 {
		h.t.Fatalf("no check-in for a card: %#v", h.eff)
	}
	h.do(CheckInFailed{RequestID: ci[0].RequestID, Code: "no_appointment", Message: "没有预约"})
	h.screen(ScreenGroups)
}

// issue confirms the current choice and answers with a ticket.
func (h *harness) issue(t hallproto.Ticket, offline bool) IssueTicket {
	h.t.Helper()
	h.screen(ScreenConfirm)
	h.do(Confirm{})
	it := one[IssueTicket](h)
	h.screen(ScreenIssuing)
	h.do(IssueSucceeded{RequestID: it.RequestID, Ticket: t, Offline: offline})
	return it
}

func ticketA(ch hallproto.Channel) hallproto.Ticket {
	return hallproto.Ticket{ID: 7, Number: "A023", Service: "hukou", ServiceName: "户籍业务", Channel: ch,
		Status: hallproto.Waiting, IssuedAt: t0, WaitingAhead: 4, EstimatedWaitMinutes: 12, MaskedName: "张*丰"}
}

// assertNoPersonalData walks the machine and its state and fails on any
// string holding a secret (ID number, name) or a byte slice equal to one.
func assertNoPersonalData(t *testing.T, m *Machine, secrets ...string) {
	t.Helper()
	for _, where := range []struct {
		name string
		v    any
	}{{"Machine", m}, {"State", m.State()}} {
		if p := findSecret(reflect.ValueOf(where.v), secrets, map[uintptr]bool{}, 0); p != "" {
			t.Fatalf("%s still holds personal data: %s", where.name, p)
		}
	}
}

func findSecret(v reflect.Value, secrets []string, seen map[uintptr]bool, depth int) string {
	if depth > 20 || !v.IsValid() {
		return ""
	}
	switch v.Kind() {
	case reflect.String:
		s := v.String()
		for _, x := range secrets {
			if x != "" && strings.Contains(s, x) {
				return fmt.Sprintf("string %q", s)
			}
		}
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return ""
		}
		if v.Kind() == reflect.Pointer {
			if seen[v.Pointer()] {
				return ""
			}
			seen[v.Pointer()] = true
		}
		return findSecret(v.Elem(), secrets, seen, depth+1)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if p := findSecret(v.Field(i), secrets, seen, depth+1); p != "" {
				return v.Type().Field(i).Name + "." + p
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
			b := make([]byte, v.Len())
			for i := range b {
				b[i] = byte(v.Index(i).Uint())
			}
			for _, x := range secrets {
				if x != "" && strings.Contains(string(b), x) {
					return fmt.Sprintf("bytes %q", b)
				}
			}
			return ""
		}
		for i := 0; i < v.Len(); i++ {
			if p := findSecret(v.Index(i), secrets, seen, depth+1); p != "" {
				return fmt.Sprintf("[%d].%s", i, p)
			}
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			if p := findSecret(it.Key(), secrets, seen, depth+1); p != "" {
				return "key." + p
			}
			if p := findSecret(it.Value(), secrets, seen, depth+1); p != "" {
				return "value." + p
			}
		}
	}
	return ""
}
