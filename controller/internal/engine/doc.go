// Package engine runs the hall: one goroutine owns the queue.Hall, applies
// commands in order, writes their events to the store in group commits and
// answers each caller only after its events are on disk. It keeps request
// ids so a retried command gets its first answer, and fans committed events
// out to subscribers of the event stream.
package engine
