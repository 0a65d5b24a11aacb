// Package agent is the on-device update agent: a state machine whose state
// is persisted (write, fsync, rename, fsync dir) before every side effect, so
// that a power cut at any point resumes from disk and always comes up on a
// working slot.
//
//	idle ──desired/local bundle──▶ downloading ──▶ installing ──▶ armed
//	  ▲                                                            │ idle or maintenance hour
//	  │                                                            ▼
//	  └──── commit ◀── health ok ── trial ◀──── reboot ──── rebooting
//	  └──── rollback ◀── tries exhausted (loader booted the old slot)
//
// The running slot is never written: the target slot is always the other
// one, computed from what the boot loader says is booted. Every step is
// reported to the controller through an outbox kept in the state file.
package agent
