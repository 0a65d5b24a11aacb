package boot

import (
	"fmt"
	"os/exec"
	"strconv"
	"strings"
)

// Env reads and writes U-Boot environment variables.
type Env interface {
	Get(name string) (string, error)
	Set(vars map[string]string) error
}

// FwEnv uses the fw_printenv and fw_setenv tools (libubootenv).
type FwEnv struct{}

// Get runs fw_printenv -n.
func (FwEnv) Get(name string) (string, error) {
	out, err := exec.Command("fw_printenv", "-n", name).Output()
	if err != nil {
		return "", nil // unset
	}
	return strings.TrimSpace(string(out)), nil
}

// Set runs fw_setenv -s - with all variables at once, so the change is one
// redundant-environment write.
func (FwEnv) Set(vars map[string]string) error {
	var b strings.Builder
	for k, v := range vars {
		fmt.Fprintf(&b, "%s %s\n", k, v)
	}
	cmd := exec.Command("fw_setenv", "-s", "-")
	cmd.Stdin = strings.NewReader(b.String())
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("boot: fw_setenv: %v: %s", err, out)
	}
	return nil
}

// UBoot drives U-Boot's bootcount: the boot script boots hallq_trial while
// upgrade_available=1 and bootcount <= bootlimit, otherwise hallq_slot (the
// altbootcmd path). bootcount is incremented by U-Boot at each boot.
type UBoot struct {
	Env     Env
	Cmdline string
}

func (u *UBoot) String() string { return "u-boot-bootcount" }

// Booted reads hallq.slot= from the kernel command line.
func (u *UBoot) Booted() (string, error) { return slotFromCmdline(u.Cmdline) }

// Arm sets the trial variables.
func (u *UBoot) Arm(slot string, tries int) error {
	if !ValidSlot(slot) {
		return badSlot(slot)
	}
	return u.Env.Set(map[string]string{"hallq_trial": slot, "upgrade_available": "1", "bootcount": "0", "bootlimit": strconv.Itoa(tries)})
}

// Trial reads the variables.
func (u *UBoot) Trial(slot string) (Trial, error) {
	cur, _ := u.Env.Get("hallq_slot")
	trial, _ := u.Env.Get("hallq_trial")
	up, _ := u.Env.Get("upgrade_available")
	cnt, _ := u.Env.Get("bootcount")
	lim, _ := u.Env.Get("bootlimit")
	n, _ := strconv.Atoi(cnt)
	l, _ := strconv.Atoi(lim)
	switch {
	case cur == slot:
		return Trial{State: Good}, nil
	case trial != slot || up != "1":
		return Trial{State: NoTrial}, nil
	case n >= l:
		return Trial{State: Exhausted}, nil
	}
	return Trial{State: Pending, TriesLeft: l - n}, nil
}

// Commit makes slot the default and ends the trial.
func (u *UBoot) Commit(slot string) error {
	return u.Env.Set(map[string]string{"hallq_slot": slot, "hallq_trial": "", "upgrade_available": "0", "bootcount": "0"})
}

// Disarm ends the trial.
func (u *UBoot) Disarm(slot string) error {
	return u.Env.Set(map[string]string{"hallq_trial": "", "upgrade_available": "0", "bootcount": "0"})
}
