package hallproto

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// update rewrites the golden samples: go test ./controller/hallproto -update.
// A changed sample is a changed public contract: list it in the History of
// doc.go.
var update = flag.Bool("update", false, "rewrite testdata/*.json from the Go values")

// cst is the hall's zone as the controller renders times (Asia/Shanghai has
// had no DST since 1991).
var cst = time.FixedZone("CST", 8*3600)

func at(h, m, s int) time.Time { return time.Date(2026, 11, 21, h, m, s, 0, cst) }
func atp(h, m, s int) *time.Time {
	t := at(h, m, s)
	return &t
}
func intp(v int) *int { return &v }

type golden struct {
	name string // file name under testdata, without .json
	v    any    // a pointer to the Go value
}

// goldenEventTicket is the ticket of the ticket events below.
var goldenEventTicket = &EventTicket{ID: 23, Number: "A023", Service: "social", Channel: Normal}

// goldenEvents holds one sample per event type, each with the fields the
// controller sets for that type.
var goldenEvents = map[EventType]*Event{
	EvIssued:   {Seq: 101, Type: EvIssued, At: at(9, 12, 5), Ticket: goldenEventTicket},
	EvCalled:   {Seq: 102, Type: EvCalled, At: at(9, 31, 40), Ticket: goldenEventTicket, Window: "2", Staff: "S017", Calls: 1},
	EvRecalled: {Seq: 103, Type: EvRecalled, At: at(9, 32, 40), Ticket: goldenEventTicket, Window: "2", Staff: "S017", Calls: 2},
	EvNoShow:   {Seq: 104, Type: EvNoShow, At: at(9, 34, 0), Ticket: goldenEventTicket, Window: "2", Staff: "S017", Calls: 2},
	EvRequeued: {Seq: 105, Type: EvRequeued, At: at(9, 50, 0), Ticket: goldenEventTicket, Window: "2", Staff: "S017"},
	EvStarted:  {Seq: 106, Type: EvStarted, At: at(10, 2, 11), Ticket: goldenEventTicket, Window: "2", Staff: "S017", Calls: 1},
	EvFinished: {Seq: 107, Type: EvFinished, At: at(10, 11, 30), Ticket: goldenEventTicket, Window: "2", Staff: "S017", Calls: 1,
		Outcome: "done", CaseNumber: "SB20261121-0042"},
	EvTransferred: {Seq: 108, Type: EvTransferred, At: at(10, 12, 0), Ticket: goldenEventTicket, Window: "2", Staff: "S017", Calls: 1,
		ToService: "tax", ToWindow: "6", NewTicket: 57},
	EvParked:    {Seq: 109, Type: EvParked, At: at(10, 14, 0), Ticket: goldenEventTicket, Window: "2", Staff: "S017", Calls: 1},
	EvTakenBack: {Seq: 110, Type: EvTakenBack, At: at(10, 25, 0), Ticket: goldenEventTicket, Window: "2", Staff: "S017", Calls: 1},
	EvCancelled: {Seq: 111, Type: EvCancelled, At: at(10, 30, 0), Ticket: goldenEventTicket, Window: "2", Staff: "S017",
		Reason: "群众主动放弃"},
	EvChannelChanged: {Seq: 112, Type: EvChannelChanged, At: at(10, 31, 0),
		Ticket: &EventTicket{ID: 24, Number: "A024", Service: "social", Channel: Green}, Window: "2", Staff: "S017", Reason: "特事特办"},
	EvWindowPaused:    {Seq: 113, Type: EvWindowPaused, At: at(11, 0, 0), Window: "2", Staff: "S017", Reason: "暂停服务"},
	EvWindowResumed:   {Seq: 114, Type: EvWindowResumed, At: at(11, 10, 0), Window: "2", Staff: "S017"},
	EvStaffLoggedIn:   {Seq: 115, Type: EvStaffLoggedIn, At: at(8, 25, 0), Window: "2", Staff: "S017"},
	EvStaffLoggedOut:  {Seq: 116, Type: EvStaffLoggedOut, At: at(17, 5, 0), Window: "2", Staff: "S017"},
	EvStaffHandedOver: {Seq: 117, Type: EvStaffHandedOver, At: at(12, 0, 0), Window: "2", Staff: "S021", Reason: "S017"},
	EvDayRolled:       {Seq: 118, Type: EvDayRolled, At: time.Date(2026, 11, 22, 0, 0, 3, 0, cst), Day: "2026-11-22"},
}

// eventFile names the sample of an event type: event_ticket_called.json.
func eventFile(t EventType) string {
	return "event_" + strings.ReplaceAll(string(t), ".", "_")
}

func goldens() []golden {
	issued := &Ticket{ID: 23, Number: "A023", Service: "social", ServiceName: "社保医保", Channel: Normal, Status: Waiting,
		IssuedAt: at(9, 12, 5), ArrivedAt: at(9, 12, 5), WaitingAhead: 4, EstimatedWaitMinutes: 16}
	love := &Ticket{ID: 24, Number: "A024", Service: "social", ServiceName: "社保医保", Channel: Love, Status: Waiting,
		IssuedAt: at(9, 13, 0), ArrivedAt: at(9, 13, 0), WaitingAhead: 0, EstimatedWaitMinutes: 2,
		Category: "pregnant", MaskedName: "张*三"}
	called := &Ticket{ID: 23, Number: "A023", Service: "social", ServiceName: "社保医保", Channel: Normal, Status: Called,
		IssuedAt: at(9, 12, 5), ArrivedAt: at(9, 12, 5), Window: "2", Staff: "S017", Calls: 1, CalledAt: atp(9, 31, 40)}
	finished := &Ticket{ID: 25, Number: "E007", Service: "property", ServiceName: "不动产登记", Channel: Appointment, Status: Done,
		IssuedAt: at(9, 40, 0), ArrivedAt: at(10, 0, 0), AppointmentID: "YY20261121-0815", AppointmentAt: atp(10, 0, 0),
		Window: "7", Staff: "S030", Calls: 1, CalledAt: atp(10, 1, 0), StartedAt: atp(10, 1, 40), FinishedAt: atp(10, 19, 2),
		Outcome: "done", CaseNumber: "BDC-2026-11-0815"}
	transferred := &Ticket{ID: 26, Number: "B031", Service: "household", ServiceName: "户籍证件", Channel: Normal, Status: Transferred,
		IssuedAt: at(9, 20, 0), ArrivedAt: at(9, 20, 0), Window: "3", Staff: "S005", Calls: 1, CalledAt: atp(9, 58, 0),
		StartedAt: atp(9, 58, 30), FinishedAt: atp(10, 4, 0), TransferredTo: 58}
	serving := *called
	serving.Status, serving.StartedAt = Serving, atp(9, 32, 10)
	windowServing := &Window{ID: "2", Name: "2号窗口", Services: []string{"social", "household"}, Status: WindowServing,
		Staff: "S017", Current: &serving, Parked: []uint64{19}}
	windows := &[]Window{
		{ID: "1", Name: "1号窗口", Services: []string{"social"}, Status: WindowClosed},
		*windowServing,
		{ID: "3", Name: "3号窗口", Services: []string{"household"}, Status: WindowPaused, Staff: "S005", PauseReason: "暂停服务"},
		{ID: "8", Name: "8号综合窗口", Services: []string{"property", "business", "tax", "household", "social"}, Status: WindowIdle, Staff: "S040"},
	}
	all := []Channel{Normal, Appointment, Love, Green}
	services := &[]Service{
		{ID: "social", Name: "社保医保", NameEN: "Social insurance", Prefix: "A", First: 1, Last: 999, ExpectedMinutes: 8,
			Channels: all, Issuing: true, IssueFrom: "08:30", IssueUntil: "16:30"},
		{ID: "property", Name: "不动产登记", NameEN: "Real estate", Prefix: "E", First: 1, Last: 999, ExpectedMinutes: 20,
			Channels: all, Issuing: false, NotIssuingWhy: "今日号源已取完", IssueFrom: "08:30", IssueUntil: "16:00"},
	}
	queues := &Queues{At: at(10, 0, 0), Services: []QueueStatus{
		{Service: "social", Waiting: map[Channel]int{Normal: 12, Appointment: 1, Love: 2, Green: 0}, Total: 15, LongestWaitSeconds: 1710},
		{Service: "property", Waiting: map[Channel]int{Normal: 0, Appointment: 0, Love: 0, Green: 0}, Total: 0},
	}}
	out := []golden{
		{"issue_request", &IssueRequest{RequestID: "k01-7f3a9c2e5b14d6a8", Service: "social", Category: "pregnant", Source: "kiosk-01"}},
		{"issue_request_idcard", &IssueRequest{RequestID: "k01-0b1c2d3e4f506172", Service: "household",
			IDCard: &IDCard{Number: "11010519491231002X", Name: "张三", BirthDate: "1949-12-31"}, Source: "kiosk-01"}},
		{"issue_request_appointment", &IssueRequest{RequestID: "k02-2a3b4c5d6e7f8091", Service: "property", Channel: Appointment,
			AppointmentID: "YY20261121-0815", AppointmentAt: atp(10, 0, 0)}},
		{"action_call", &ActionRequest{RequestID: "w2-5e0c2b7d1a994f03", Service: "social"}},
		{"action_finish", &ActionRequest{RequestID: "w2-91d0e3c6b2a84f77", Outcome: "done", CaseNumber: "SB20261121-0042"}},
		{"action_requeue", &ActionRequest{RequestID: "w2-3c4d5e6f708192a3", Ticket: 23, Behind: intp(3)}},
		{"action_transfer", &ActionRequest{RequestID: "w2-a1b2c3d4e5f60718", Service: "tax", ToWindow: "6"}},
		{"ticket_issued", issued},
		{"ticket_issued_love", love},
		{"ticket_called", called},
		{"ticket_finished", finished},
		{"ticket_transferred", transferred},
		{"window", windowServing},
		{"windows", windows},
		{"services", services},
		{"queues", queues},
		{"error", &Error{Error: ErrorBody{Code: "window_paused", Message: "窗口已暂停服务", MessageEN: "the window is paused"}}},
		{"error_request_id_reused", &Error{Error: ErrorBody{Code: "request_id_reused", Message: "request_id 已用于其他请求",
			MessageEN: "request_id was used for a different request"}}},
	}
	for typ, e := range goldenEvents {
		c := *e
		if c.Ticket != nil {
			tk := *c.Ticket
			c.Ticket = &tk
		}
		out = append(out, golden{eventFile(typ), &c})
	}
	slices.SortFunc(out, func(a, b golden) int { return strings.Compare(a.name, b.name) })
	return out
}

func marshalGolden(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// The controller escapes nothing either way; keep the samples readable.
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	err := enc.Encode(v)
	return buf.Bytes(), err
}

func TestGolden(t *testing.T) {
	for i, g := range goldens() {
		t.Run(g.name, func(t *testing.T) {
			got, err := marshalGolden(g.v)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", g.name+".json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./controller/hallproto -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the Go value: the wire format changed.\n got: %s\nwant: %s\n"+
					"If the change is intended, run go test ./controller/hallproto -update and record it in doc.go's History.",
					path, got, want)
			}
			// Round trip: the sample decodes, strictly, to the same value.
			back := reflect.New(reflect.TypeOf(g.v).Elem())
			dec := json.NewDecoder(bytes.NewReader(want))
			dec.DisallowUnknownFields()
			if err := dec.Decode(back.Interface()); err != nil {
				t.Fatalf("decode %s: %v", path, err)
			}
			// A fresh copy of the fixture: utcTimes changes what it reaches.
			orig := reflect.ValueOf(goldens()[i].v)
			utcTimes(orig)
			utcTimes(back)
			if !reflect.DeepEqual(orig.Interface(), back.Interface()) {
				t.Errorf("%s does not decode to the value it was made from:\n got %+v\nwant %+v", path, back.Elem().Interface(), orig.Elem().Interface())
			}
		})
	}
}

// TestGoldenFilesAreUsed catches a stale sample left behind after a rename.
func TestGoldenFilesAreUsed(t *testing.T) {
	names := map[string]bool{}
	for _, g := range goldens() {
		if names[g.name] {
			t.Errorf("two samples named %s", g.name)
		}
		names[g.name] = true
	}
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		n := strings.TrimSuffix(filepath.Base(f), ".json")
		if !names[n] {
			t.Errorf("%s has no Go value in goldens(): delete it or add one", f)
		}
	}
}

// TestGoldenEveryEventType: each event type declared in hallproto.go has a sample.
func TestGoldenEveryEventType(t *testing.T) {
	consts := declaredConsts(t)
	types := consts["EventType"]
	if len(types) < 18 {
		t.Fatalf("found only %d EventType constants in the source", len(types))
	}
	for _, typ := range types {
		e, ok := goldenEvents[EventType(typ)]
		if !ok {
			t.Errorf("event type %s has no golden sample", typ)
			continue
		}
		if string(e.Type) != typ {
			t.Errorf("sample for %s has type %s", typ, e.Type)
		}
	}
	if len(goldenEvents) != len(types) {
		t.Errorf("%d event samples for %d event types", len(goldenEvents), len(types))
	}
}

var timeType = reflect.TypeFor[time.Time]()

// utcTimes sets every time.Time reachable from v to UTC: a decoded time has
// a fixed zone of the same offset, not the original *time.Location, and the
// contract is the instant and the offset (the offset is pinned by the
// golden bytes).
func utcTimes(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			utcTimes(v.Elem())
		}
	case reflect.Struct:
		if v.Type() == timeType {
			if v.CanSet() {
				v.Set(reflect.ValueOf(v.Interface().(time.Time).UTC()))
			}
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				utcTimes(v.Field(i))
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			utcTimes(v.Index(i))
		}
	}
}
