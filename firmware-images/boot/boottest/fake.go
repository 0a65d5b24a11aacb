// Package boottest is a fake boot loader for update-agent tests and demos. It
// models what survives a power cut (the loader's state) and what a power
// cycle does: boot the armed slot while it has tries, otherwise the
// committed one. It does not import testing.
package boottest

import (
	"fmt"
	"sync"

	"hallq/firmware-images/boot"
)

// Fake implements boot.Adapter.
type Fake struct {
	mu        sync.Mutex
	committed string
	booted    string
	armed     string
	left      int
	exhausted bool
	// TrialBoots counts boots into an armed slot.
	TrialBoots int
}

// New returns a loader with slot a committed and booted.
func New() *Fake { return &Fake{committed: boot.SlotA, booted: boot.SlotA} }

func (f *Fake) String() string { return "fake-boot" }

// Booted returns the running slot.
func (f *Fake) Booted() (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.booted, nil
}

// Committed returns the default slot.
func (f *Fake) Committed() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.committed
}

// Arm arms slot.
func (f *Fake) Arm(slot string, tries int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !boot.ValidSlot(slot) {
		return fmt.Errorf("fake boot: slot %q", slot)
	}
	f.armed, f.left, f.exhausted = slot, tries, false
	return nil
}

// Trial reports slot's state.
func (f *Fake) Trial(slot string) (boot.Trial, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case f.armed == slot && f.exhausted:
		return boot.Trial{State: boot.Exhausted}, nil
	case f.armed == slot:
		return boot.Trial{State: boot.Pending, TriesLeft: f.left}, nil
	case f.committed == slot:
		return boot.Trial{State: boot.Good}, nil
	}
	return boot.Trial{State: boot.NoTrial}, nil
}

// Commit makes slot the default.
func (f *Fake) Commit(slot string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.committed = slot
	if f.armed == slot {
		f.armed, f.left, f.exhausted = "", 0, false
	}
	return nil
}

// Disarm cancels a trial.
func (f *Fake) Disarm(slot string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.armed == slot {
		f.armed, f.left, f.exhausted = "", 0, false
	}
	return nil
}

// PowerCycle boots the machine: the armed slot while it has tries (each
// boot uses one), otherwise the committed slot. It returns the booted slot.
func (f *Fake) PowerCycle() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.armed != "" && !f.exhausted {
		if f.left > 0 {
			f.left--
			f.TrialBoots++
			f.booted = f.armed
			return f.booted
		}
		f.exhausted = true
	}
	f.booted = f.committed
	return f.booted
}
