package agent

import "errors"

// Sentinel errors.
var (
	// ErrState: the state file is unreadable.
	ErrState = errors.New("agent: corrupt state file")
	// ErrRebooting is returned by Step after the agent asked for a reboot.
	ErrRebooting = errors.New("agent: rebooting")
	// ErrReadBack: the slot read back differently from what was written.
	ErrReadBack = errors.New("agent: slot read-back mismatch")
	// ErrOffline may be returned by a Controller that has no connection yet
	// (not enrolled); the agent keeps its outbox without logging.
	ErrOffline = errors.New("agent: controller not available")
	// ErrBusy: a local bundle was offered while an update is in progress.
	ErrBusy = errors.New("agent: update already in progress")
)
