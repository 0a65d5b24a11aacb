package flow

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"hallq/controller/hallproto"
)

var fuzzCards = []Card{elderly, adult, child, expired,
	{Number: "44030519900307001X", Name: "欧阳建华", Birth: time.Date(1990, 3, 7, 0, 0, 0, 0, time.UTC), NoExpiry: true}}

func fuzzSecrets() []string {
	var s []string
	for _, c := range fuzzCards {
		s = append(s, c.Number, c.Name)
		if len(c.Photo) > 0 {
			s = append(s, string(c.Photo))
		}
	}
	return s
}

// fuzzer turns bytes into events, answering the machine's effects with
// matching or stale request ids, and checks the invariants after each one.
type fuzzer struct {
	t       *testing.T
	m       *Machine
	now     time.Time
	data    []byte
	reqs    []string // request ids and jobs seen in effects
	nextID  uint64
	pending string // IssueTicket not answered by IssueFailed
	issued  map[uint64]bool
	printed map[uint64]bool
	valid   map[string]bool // request ids of IssueTicket / CheckInAppointment this session
	tickets int             // tickets handed to the machine this session
}

func (f *fuzzer) byte() byte {
	if len(f.data) == 0 {
		return 0
	}
	b := f.data[0]
	f.data = f.data[1:]
	return b
}

func (f *fuzzer) req() string {
	b := f.byte()
	if len(f.reqs) == 0 || b%5 == 0 {
		return fmt.Sprintf("req-%d", b)
	}
	return f.reqs[len(f.reqs)-1-int(b)%min(len(f.reqs), 4)]
}

func (f *fuzzer) ticket(ch hallproto.Channel) hallproto.Ticket {
	f.nextID++
	return hallproto.Ticket{ID: f.nextID, Number: fmt.Sprintf("A%03d", f.nextID%1000), Service: "hukou", Channel: ch}
}

func (f *fuzzer) event() Event {
	op, p := f.byte(), f.byte()
	switch op % 48 {
	case 0:
		return Start{}
	case 1:
		return NoIDCard{}
	case 2:
		return ChooseGroup{ID: []string{"police", "hr", "land", "", "x"}[p%5]}
	case 3, 4:
		return ChooseService{ID: []string{"hukou", "shebao", "budongchan", "gongjijin", "nashui", "x"}[p%6]}
	case 5, 6:
		return ChooseChannel{Index: int(p%9) - 1}
	case 7, 8:
		return Confirm{}
	case 9:
		return Back{}
	case 10:
		return StartOver{}
	case 11:
		return ToggleLargeText{}
	case 12:
		return Acknowledge{}
	case 13:
		return TakeNormal{}
	case 14:
		return StartDocuments{}
	case 15:
		return ChooseMaterial{ID: []string{"other", "idcard_copy", "x"}[p%3]}
	case 16:
		return Capture{}
	case 17:
		return Retake{}
	case 18:
		return KeepPage{}
	case 19:
		return FinishDocuments{}
	case 20:
		return OpenTechnician{}
	case 21:
		return StaffGreen{}
	case 22:
		return PINDigit{Digit: int(p%12) - 1}
	case 23:
		return []Event{PINDelete{}, PINSubmit{}, TechTestPrint{}, TechCardTest{}}[p%4]
	case 24:
		return CardReading{}
	case 25, 26:
		return CardPlaced{Card: fuzzCards[int(p)%len(fuzzCards)]}
	case 27:
		return CardFailed{Err: CardError(p % 8)}
	case 28:
		return CardRemoved{}
	case 29:
		return ReaderState{Online: p%2 == 0}
	case 30:
		return StaffCard{Staff: []string{"", "staff-1"}[p%2]}
	case 31:
		if p%3 == 0 {
			return CameraFrame{}
		}
		return CameraFrame{JPEG: []byte{0xff, 0xd8, p}}
	case 32:
		return []Event{CameraBroken{}, CameraMissing{}}[p%2]
	case 33:
		return PrinterStatus{State: PrinterState(p % 5)}
	case 34:
		return PrintDone{Job: f.req()}
	case 35:
		return PrintFailed{Job: f.req(), State: PrinterState(p % 5)}
	case 36:
		ss := testServices()
		for i := range ss {
			ss[i].Issuing = (p>>i)&1 == 0
		}
		return ServicesUpdated{Services: ss[:1+int(p)%len(ss)]}
	case 37:
		return QueuesUpdated{Queues: hallproto.Queues{Services: []hallproto.QueueStatus{{Service: "hukou", Total: int(p)}}}}
	case 38:
		return HallInfo{IssueFrom: fmt.Sprintf("%02d:00", p%25), IssueUntil: []string{"16:30", "", "99:99"}[p%3]}
	case 39, 40:
		return IssueSucceeded{RequestID: f.req(), Ticket: f.ticket(hallproto.Normal), Offline: p%2 == 0}
	case 41:
		return IssueFailed{RequestID: f.req(), Network: p%7 == 0,
			Code:    []string{"duplicate_ticket", "not_issuing", "channel_refused", "bad_idcard", "green_needs_staff", "x", "invalid"}[p%7],
			Message: []string{"您已取过该业务的号（A001），请耐心等候", "", "（未闭合", "x"}[p%4]}
	case 42:
		return CheckInSucceeded{RequestID: f.req(), Ticket: f.ticket(hallproto.Appointment)}
	case 43:
		return CheckInFailed{RequestID: f.req(), Network: p%5 == 0,
			Code:    []string{"no_appointment", "appointment_early", "appointment_lapsed", "x"}[p%4],
			Message: []string{"请于 09:45 后签到", "", "99:99 12:3"}[p%3]}
	case 44:
		return []Event{UploadDone{RequestID: f.req()}, UploadFailed{RequestID: f.req()}}[p%2]
	case 45:
		return LinkState{Online: p%2 == 0, Pending: int(p) - 100}
	}
	return Tick{}
}

func (f *fuzzer) step() {
	t := f.t
	// Time moves by seconds, sometimes by hours (after-hours, lockouts).
	adv := f.byte()
	switch {
	case adv < 200:
		f.now = f.now.Add(time.Duration(adv%40) * time.Second)
	case adv < 250:
		f.now = f.now.Add(time.Duration(adv-199) * time.Minute)
	default:
		f.now = f.now.Add(time.Duration(adv-240) * time.Hour)
	}
	ev := f.event()
	// Answers count as tickets handed over only when they match a request.
	switch e := ev.(type) {
	case IssueSucceeded:
		if f.valid[e.RequestID] {
			f.issued[e.Ticket.ID] = true
		}
	case CheckInSucceeded:
		if f.valid[e.RequestID] {
			f.issued[e.Ticket.ID] = true
		}
	}
	before := f.m.s.issueReq
	effs := f.m.Handle(f.now, ev)
	issues := 0
	cleared, restarted := false, false
	for _, e := range effs {
		switch x := e.(type) {
		case IssueTicket:
			issues++
			if _, ok := ev.(Confirm); !ok {
				t.Fatalf("IssueTicket from %T", ev)
			}
			if f.pending != "" {
				t.Fatalf("second IssueTicket while %s is pending", f.pending)
			}
			f.pending = x.RequestID
			f.valid[x.RequestID] = true
			f.reqs = append(f.reqs, x.RequestID)
		case CheckInAppointment:
			f.valid[x.RequestID] = true
			f.reqs = append(f.reqs, x.RequestID)
		case Print:
			f.reqs = append(f.reqs, x.Job)
			if x.Test {
				continue
			}
			if !f.issued[x.Ticket.ID] {
				t.Fatalf("print of ticket %d that was never issued", x.Ticket.ID)
			}
			if f.printed[x.Ticket.ID] {
				t.Fatalf("ticket %d printed twice", x.Ticket.ID)
			}
			f.printed[x.Ticket.ID] = true
		case UploadDocument:
			f.reqs = append(f.reqs, x.RequestID)
		case ClearPersonalData:
			cleared = true
			f.pending = ""
			f.valid = map[string]bool{}
		case Busy:
			// A session ended by a timeout may be followed at once by the
			// next citizen's card: check only when none follows.
			restarted = x.On && cleared
		}
	}
	if issues > 1 {
		t.Fatalf("%d IssueTicket effects for one confirm", issues)
	}
	if e, ok := ev.(IssueFailed); ok && e.RequestID == before && before != "" && f.m.s.issueReq == "" {
		f.pending = "" // the machine took the refusal: a new confirm may issue
	}
	if cleared && !restarted {
		assertNoPersonalData(t, f.m, fuzzSecrets()...)
	}
	st := f.m.State()
	if p := findSecret(reflect.ValueOf(st), fuzzSecrets(), map[uintptr]bool{}, 0); p != "" {
		t.Fatalf("State shows personal data: %s", p)
	}
	if st.Screen != ScreenAttract && st.Screen != ScreenClosed && !st.Deadline.After(f.now) {
		t.Fatalf("screen %v can freeze: deadline %v, now %v", st.Screen, st.Deadline, f.now)
	}
	if (st.Screen == ScreenAttract || st.Screen == ScreenClosed) && (st.Person != nil || st.Ticket != nil || st.Pages != 0) {
		t.Fatalf("idle screen with session data: %+v", st)
	}
	for _, tx := range []Text{st.Message, st.Notice} {
		if tx.ZH != "" && tx.EN == "" {
			t.Fatalf("text without English: %q", tx.ZH)
		}
	}
}

func FuzzJourney(f *testing.F) {
	// Seeds: the happy paths as byte strings (advance, op, param) and a
	// few fault sequences.
	happy := []byte{0, 0, 0, 0, 25, 0, 0, 43, 1, 0, 2, 0, 0, 3, 0, 0, 5, 1, 0, 7, 0, 0, 39, 1, 0, 34, 1, 20, 46, 0}
	f.Add(happy)
	f.Add([]byte{0, 1, 0, 0, 2, 0, 0, 3, 0, 0, 5, 1, 0, 7, 0, 0, 33, 1, 0, 39, 1, 0, 35, 1, 0, 10, 0})
	f.Add([]byte{0, 14, 0, 0, 26, 1, 0, 15, 0, 0, 31, 1, 0, 16, 0, 0, 18, 0, 0, 31, 2, 0, 16, 0, 0, 19, 0, 0, 44, 1, 0, 44, 0})
	f.Add([]byte{0, 20, 0, 0, 22, 3, 0, 22, 5, 0, 23, 1, 0, 23, 2, 0, 23, 3, 250, 46, 0, 255, 46, 0})
	f.Add([]byte{0, 24, 0, 0, 28, 0, 0, 12, 0, 0, 27, 2, 0, 25, 3, 0, 26, 0, 0, 41, 0, 0, 7, 0, 0, 8, 0, 0, 41, 1})
	f.Add([]byte("\x00\x00\x00\x00\x1a\x01\x00\x2b\x01\x00\x0d\x00\xc8\x2e\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 3000 {
			data = data[:3000]
		}
		fz := &fuzzer{t: t, data: data, now: t0, issued: map[uint64]bool{}, printed: map[uint64]bool{}, valid: map[string]bool{}}
		cfg := testConfig()
		if len(data) > 0 && data[0]%4 == 0 {
			cfg.Groups = nil
		}
		fz.m = New(cfg)
		for len(fz.data) > 0 {
			fz.step()
		}
		// Walk away: every session ends by itself.
		for i := 0; i < 4; i++ {
			fz.now = fz.now.Add(time.Minute)
			fz.data = []byte{0, 46, 0}
			fz.step()
		}
		if st := fz.m.State(); st.Screen != ScreenAttract && st.Screen != ScreenClosed {
			t.Fatalf("left alone, the kiosk stays on %v", st.Screen)
		}
		assertNoPersonalData(t, fz.m, fuzzSecrets()...)
	})
}
