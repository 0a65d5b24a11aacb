// Package store keeps the hall controller's state in bbolt: an append-only
// event log, periodic snapshots, and the answers to mutating requests by
// request id (so a retry gets the first answer). Every bucket and key is
// declared in schema.go; Check verifies the invariants a test helper runs
// after every test.
package store
