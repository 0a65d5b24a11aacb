package flow_test

import (
	"fmt"
	"time"

	"hallq/controller/hallproto"
	"hallq/kiosk/internal/flow"
)

// A citizen without an ID card takes a normal ticket. The glue performs
// every effect and feeds the answers back as events.
func Example() {
	cst := time.FixedZone("CST", 8*3600)
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, cst)
	m := flow.New(flow.Config{Location: cst, Categories: []flow.Category{}})
	m.Handle(now, flow.ServicesUpdated{Services: []hallproto.Service{
		{ID: "tax", Name: "税务", NameEN: "Tax", Prefix: "E", Issuing: true}}})
	m.Handle(now, flow.PrinterStatus{State: flow.PrinterOK})

	m.Handle(now, flow.NoIDCard{})
	m.Handle(now, flow.ChooseService{ID: "tax"})
	fmt.Println(m.State().Screen)
	var req string
	for _, e := range m.Handle(now, flow.Confirm{}) {
		if it, ok := e.(flow.IssueTicket); ok {
			req = it.RequestID
			fmt.Println("issue", it.Service, it.Channel)
		}
	}
	for _, e := range m.Handle(now, flow.IssueSucceeded{RequestID: req,
		Ticket: hallproto.Ticket{ID: 1, Number: "E001", Service: "tax", WaitingAhead: 2}}) {
		if p, ok := e.(flow.Print); ok {
			m.Handle(now, flow.PrintDone{Job: p.Job})
		}
	}
	st := m.State()
	fmt.Println(st.Screen, st.Ticket.Number, st.Ticket.WaitingAhead)
	// Output:
	// confirm
	// issue tax normal
	// done E001 2
}
