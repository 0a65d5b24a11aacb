package store

import "errors"

// Sentinel errors of the store.
var (
	// ErrClosed: the database is closed; writes fail with 503.
	ErrClosed = errors.New("store: closed")
	// ErrSchema: the file was written by a newer version of hallq.
	ErrSchema = errors.New("store: unknown schema version")
	// ErrGap: the event log is not contiguous; the file is damaged.
	ErrGap = errors.New("store: gap in the event log")
	// ErrFault: an injected fault (tests only; see faults.go).
	ErrFault = errors.New("store: injected fault")
)
