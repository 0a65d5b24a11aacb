package boot

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Tryboot drives the Raspberry Pi firmware's tryboot: autoboot.txt on the
// first FAT partition names the normal and the [tryboot] partition, and
// "reboot '0 tryboot'" boots the latter once. Because tryboot is one-shot
// (a failed try always lands on the committed slot), tries beyond one are
// counted by the adapter in hallq-tries.txt: Arm records n, each trial boot
// the agent finds itself in consumes one (RebootArgs keeps returning the
// tryboot flag while tries are left).
type Tryboot struct {
	Boot    string // mount point of the firmware FAT partition
	Cmdline string
	// Partition numbers of the slots' boot partitions.
	PartA, PartB int
}

func (t *Tryboot) String() string { return "rpi-tryboot(" + t.Boot + ")" }

func (t *Tryboot) part(slot string) int {
	if slot == SlotA {
		return t.PartA
	}
	return t.PartB
}

func (t *Tryboot) read() (committed string, trial string, left int, err error) {
	b, err := os.ReadFile(filepath.Join(t.Boot, "autoboot.txt"))
	if err != nil {
		return "", "", 0, fmt.Errorf("%w: %v", ErrBootloader, err)
	}
	section := ""
	for _, l := range strings.Split(string(b), "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "[") {
			section = l
			continue
		}
		if v, ok := strings.CutPrefix(l, "boot_partition="); ok {
			n, _ := strconv.Atoi(v)
			s := SlotA
			if n == t.PartB {
				s = SlotB
			}
			if section == "[tryboot]" {
				trial = s
			} else {
				committed = s
			}
		}
	}
	if c, err := os.ReadFile(filepath.Join(t.Boot, "hallq-tries.txt")); err == nil {
		left, _ = strconv.Atoi(strings.TrimSpace(string(c)))
	}
	return committed, trial, left, nil
}

func (t *Tryboot) write(committed, trial string, left int) error {
	body := fmt.Sprintf("[all]\ntryboot_a_b=1\nboot_partition=%d\n[tryboot]\nboot_partition=%d\n", t.part(committed), t.part(trial))
	if err := writeAtomic(filepath.Join(t.Boot, "autoboot.txt"), []byte(body)); err != nil {
		return err
	}
	if err := writeAtomic(filepath.Join(t.Boot, "hallq-tries.txt"), []byte(strconv.Itoa(left)+"\n")); err != nil {
		return err
	}
	return syncDir(t.Boot)
}

// Booted reads hallq.slot= from the kernel command line of the slot's own
// cmdline.txt.
func (t *Tryboot) Booted() (string, error) { return slotFromCmdline(t.Cmdline) }

// Arm points [tryboot] at slot with n tries.
func (t *Tryboot) Arm(slot string, tries int) error {
	if !ValidSlot(slot) {
		return badSlot(slot)
	}
	c, _, _, err := t.read()
	if err != nil {
		return err
	}
	return t.write(c, slot, tries)
}

// ConsumeTry is called by the agent when it finds itself in a trial boot.
func (t *Tryboot) ConsumeTry() error {
	c, tr, left, err := t.read()
	if err != nil {
		return err
	}
	return t.write(c, tr, max(left-1, 0))
}

// RebootArgs returns the reboot(2) argument that requests the trial.
func (t *Tryboot) RebootArgs() string {
	if _, tr, left, err := t.read(); err == nil && left > 0 && tr != "" {
		return "0 tryboot"
	}
	return ""
}

// Trial reports the slot's state.
func (t *Tryboot) Trial(slot string) (Trial, error) {
	c, tr, left, err := t.read()
	switch {
	case err != nil:
		return Trial{}, err
	case c == slot:
		return Trial{State: Good}, nil
	case tr != slot:
		return Trial{State: NoTrial}, nil
	case left == 0:
		return Trial{State: Exhausted}, nil
	}
	return Trial{State: Pending, TriesLeft: left}, nil
}

// Commit makes slot the normal boot partition.
func (t *Tryboot) Commit(slot string) error { return t.write(slot, Other(slot), 0) }

// Disarm clears the tries.
func (t *Tryboot) Disarm(slot string) error {
	c, _, _, err := t.read()
	if err != nil {
		return err
	}
	return t.write(c, Other(c), 0)
}
