// Package boot abstracts the boot loader's A/B trial-boot support for the
// update agent: systemd-boot boot counting on x86-64 UEFI, Raspberry Pi
// tryboot, and U-Boot bootcount. A fake for tests lives in boot/boottest.
//
// The contract: Arm makes the next boots try a slot up to n times; if no
// Commit happens before the tries run out, the loader falls back to the
// committed slot by itself, without any help from the (possibly broken)
// trial system.
package boot

import (
	"errors"
	"fmt"
)

// Slots of an A/B device.
const (
	SlotA = "a"
	SlotB = "b"
)

// Other returns the other slot.
func Other(slot string) string {
	if slot == SlotA {
		return SlotB
	}
	return SlotA
}

// ValidSlot reports whether s names a slot.
func ValidSlot(s string) bool { return s == SlotA || s == SlotB }

// TrialState is what the boot loader knows about a slot's trial.
type TrialState int

const (
	// NoTrial: the slot is not armed (and not known good).
	NoTrial TrialState = iota
	// Pending: the slot is armed with tries left.
	Pending
	// Exhausted: the slot used all its tries without a commit.
	Exhausted
	// Good: the slot is committed.
	Good
)

func (s TrialState) String() string {
	return [...]string{"none", "pending", "exhausted", "good"}[s]
}

// Trial is a slot's trial state and remaining tries.
type Trial struct {
	State     TrialState
	TriesLeft int
}

// Adapter is a boot loader's A/B interface.
type Adapter interface {
	// Booted returns the slot the running system was booted from.
	Booted() (string, error)
	// Arm makes the next boots try slot up to tries times.
	Arm(slot string, tries int) error
	// Trial reports slot's trial state.
	Trial(slot string) (Trial, error)
	// Commit marks slot good and the default. It is idempotent.
	Commit(slot string) error
	// Disarm cancels a pending or exhausted trial of slot.
	Disarm(slot string) error
	String() string
}

// ErrBootloader: the boot loader configuration is missing or inconsistent.
var ErrBootloader = errors.New("boot: boot loader state")

func badSlot(s string) error { return fmt.Errorf("%w: unknown slot %q", ErrBootloader, s) }
