// Package policies holds the peers' call-next rules of queueing.md §4,
// re-implemented from their described behaviour (clean room) as
// queue.Policy values, so that the simulator can run them against the
// controller's composite policy on the same hall days.
//
// Every policy here calls tickets transferred to the window first, like the
// composite, and never calls an appointment before its booked time (the
// hall rule), so that the comparison is about the ordering rules only.
// Policies with memory (work-profile counters, the re-call embargo) keep it
// in the policy value and assume that each ticket Pick returns is called,
// which is what queue.Hall.Call does; build a fresh one per hall day.
package policies
