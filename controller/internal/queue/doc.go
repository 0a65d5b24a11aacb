// Package queue is the pure domain of the hall controller: services, windows,
// tickets, the four channels, the ticket life cycle and window actions of
// shared/design/queueing.md, and the call-next policies.
//
// Nothing here does I/O or reads the clock: every command takes `now`, and
// every state change is an Event that Apply replays, so the controller's store
// can rebuild a Hall from its log and the simulator can drive the same code.
// A Hall is not safe for concurrent use: the controller gives it to one writer
// goroutine.
package queue
