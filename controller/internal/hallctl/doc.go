// Package hallctl is the logic of the hallctl command: operator commands over
// the controller's HTTP API (issue, call, window actions, queue and window
// tables, following the event stream) and technician commands that work on
// the database file directly while the controller is stopped (check,
// compact, stats), plus configuration helpers.
//
// Each subcommand lives in its own file; Main dispatches. Every mutating
// request carries a random request id, and a retry after a lost answer or a
// 503 reuses it, so a retried command never acts twice.
package hallctl
