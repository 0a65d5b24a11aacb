// Package sim is the hall simulator and staffing planner of issue 6.
//
// It is a seeded discrete-event simulation that drives the controller's own
// queue.Hall: citizens take tickets with Hall.Issue, windows call with
// Hall.Call (so the call-next policy under test is the very code the
// controller runs), start, finish, recall and mark no-shows. Peer policies
// for comparison live in sim/policies. Metrics follow queueing.md §4, the
// Erlang C and Cobham formulas in erlang.go validate the engine, and Plan
// finds the fewest windows per hour that keep 95% of every channel's waits
// within 30 minutes.
//
// The same scenario and seed always give the same result.
package sim
