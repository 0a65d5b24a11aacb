package boot

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// SystemdBoot drives systemd-boot's boot counting. Each slot has one entry
// file in ESP/loader/entries named hallq-<generation>-<slot>[+<left>[-<done>]].conf.
// loader.conf says "default hallq-*"; systemd-boot sorts entries in reverse
// version order and entries with no tries left last, so the newest armed
// entry boots while it has tries and the committed one takes over when they
// run out. systemd-boot decrements the counter in the file name at each boot;
// systemd-bless-boot.service (after boot-complete.target, which our health
// check gates) drops the counter, and Commit does the same idempotently.
type SystemdBoot struct {
	ESP     string // mount point of the EFI system partition, e.g. /boot/efi
	Cmdline string // default /proc/cmdline
	// Kernel and initrd paths inside the ESP, %s replaced by the slot.
	Kernel, Initrd string
	// Options is the kernel command line; %s replaced by the slot.
	Options string
	Title   string
}

// NewSystemdBoot returns an adapter with hallq's ESP layout.
func NewSystemdBoot(esp string) *SystemdBoot {
	return &SystemdBoot{ESP: esp, Cmdline: "/proc/cmdline", Kernel: "/hallq/%s/vmlinuz", Initrd: "/hallq/%s/initrd.img",
		Options: "root=PARTLABEL=root-%s ro rootwait hallq.slot=%s console=ttyS0,115200 console=tty0 quiet loglevel=3", Title: "hallq slot %s"}
}

func (s *SystemdBoot) String() string { return "systemd-boot(" + s.ESP + ")" }

var entryRE = regexp.MustCompile(`^hallq-(\d+)-([ab])(?:\+(\d+)(?:-(\d+))?)?\.conf$`)

type entry struct {
	name       string
	gen        int
	slot       string
	counting   bool
	left, done int
}

func (s *SystemdBoot) dir() string { return filepath.Join(s.ESP, "loader", "entries") }

func (s *SystemdBoot) entries() ([]entry, error) {
	des, err := os.ReadDir(s.dir())
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBootloader, err)
	}
	var out []entry
	for _, d := range des {
		m := entryRE.FindStringSubmatch(d.Name())
		if m == nil {
			continue
		}
		e := entry{name: d.Name(), slot: m[2]}
		e.gen, _ = strconv.Atoi(m[1])
		if m[3] != "" {
			e.counting = true
			e.left, _ = strconv.Atoi(m[3])
			e.done, _ = strconv.Atoi(m[4])
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].gen > out[j].gen })
	return out, nil
}

// Booted reads hallq.slot= from the kernel command line.
func (s *SystemdBoot) Booted() (string, error) { return slotFromCmdline(s.Cmdline) }

func slotFromCmdline(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrBootloader, err)
	}
	for _, f := range strings.Fields(string(b)) {
		if v, ok := strings.CutPrefix(f, "hallq.slot="); ok && ValidSlot(v) {
			return v, nil
		}
	}
	return "", fmt.Errorf("%w: no hallq.slot= on the kernel command line", ErrBootloader)
}

// Arm writes a new, highest-generation counting entry for slot.
func (s *SystemdBoot) Arm(slot string, tries int) error {
	if !ValidSlot(slot) {
		return badSlot(slot)
	}
	es, err := s.entries()
	if err != nil {
		return err
	}
	gen := 1
	if len(es) > 0 {
		gen = es[0].gen + 1
		if es[0].slot == slot && es[0].counting {
			gen = es[0].gen // re-arming after power loss: same generation
		}
	}
	options := strings.ReplaceAll(s.Options, "%s", slot)
	if len(es) > 0 {
		// Keep the options the device boots with now (a technician's serial
		// console, quirks), pointed at the new slot.
		if o := s.options(es[0].name); o != "" {
			o = strings.ReplaceAll(o, "root=PARTLABEL=root-"+es[0].slot, "root=PARTLABEL=root-"+slot)
			options = strings.ReplaceAll(o, "hallq.slot="+es[0].slot, "hallq.slot="+slot)
		}
	}
	body := fmt.Sprintf("title %s\nversion %d\nlinux %s\ninitrd %s\noptions %s\n",
		fmt.Sprintf(s.Title, slot), gen, fmt.Sprintf(s.Kernel, slot), fmt.Sprintf(s.Initrd, slot), options)
	name := fmt.Sprintf("hallq-%04d-%s+%d.conf", gen, slot, tries)
	if err := writeAtomic(filepath.Join(s.dir(), name), []byte(body)); err != nil {
		return err
	}
	for _, e := range es {
		if e.slot == slot && e.name != name {
			os.Remove(filepath.Join(s.dir(), e.name))
		}
	}
	return syncDir(s.dir())
}

func (s *SystemdBoot) options(name string) string {
	b, err := os.ReadFile(filepath.Join(s.dir(), name))
	if err != nil {
		return ""
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "options "); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func (s *SystemdBoot) latest(slot string) (entry, bool, error) {
	es, err := s.entries()
	if err != nil {
		return entry{}, false, err
	}
	for _, e := range es {
		if e.slot == slot {
			return e, true, nil
		}
	}
	return entry{}, false, nil
}

// Trial reads the slot's entry name.
func (s *SystemdBoot) Trial(slot string) (Trial, error) {
	e, ok, err := s.latest(slot)
	switch {
	case err != nil:
		return Trial{}, err
	case !ok:
		return Trial{State: NoTrial}, nil
	case !e.counting:
		return Trial{State: Good}, nil
	case e.left == 0:
		return Trial{State: Exhausted}, nil
	}
	return Trial{State: Pending, TriesLeft: e.left}, nil
}

// Commit drops the counter from the slot's entry, as systemd-bless-boot does.
func (s *SystemdBoot) Commit(slot string) error {
	e, ok, err := s.latest(slot)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%w: no entry for slot %s", ErrBootloader, slot)
	}
	if !e.counting {
		// Blessed already (systemd-bless-boot may have been first): make
		// sure that rename is on the disk too.
		return syncDir(s.dir())
	}
	good := fmt.Sprintf("hallq-%04d-%s.conf", e.gen, slot)
	if err := os.Rename(filepath.Join(s.dir(), e.name), filepath.Join(s.dir(), good)); err != nil {
		return fmt.Errorf("boot: commit: %w", err)
	}
	return syncDir(s.dir())
}

// Disarm removes the slot's counting entries.
func (s *SystemdBoot) Disarm(slot string) error {
	es, err := s.entries()
	if err != nil {
		return err
	}
	for _, e := range es {
		if e.slot == slot && e.counting {
			if err := os.Remove(filepath.Join(s.dir(), e.name)); err != nil {
				return fmt.Errorf("boot: disarm: %w", err)
			}
		}
	}
	return syncDir(s.dir())
}

// InstallEntries writes loader.conf and a committed entry for slot a, for
// the image builder.
func (s *SystemdBoot) InstallEntries() error {
	if err := os.MkdirAll(s.dir(), 0o755); err != nil {
		return err
	}
	if err := writeAtomic(filepath.Join(s.ESP, "loader", "loader.conf"), []byte("default hallq-*\ntimeout 0\nconsole-mode keep\neditor no\n")); err != nil {
		return err
	}
	if err := s.Arm(SlotA, 1); err != nil {
		return err
	}
	return s.Commit(SlotA)
}

func writeAtomic(path string, b []byte) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("boot: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("boot: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("boot: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("boot: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("boot: %w", err)
	}
	return nil
}

// syncDir makes renames in dir durable. The ESP is FAT, where a rename
// rewrites directory entries in place: until the file system is synced a
// power cut can lose the rename or even both names (seen in QEMU: a commit
// followed by a power cut made the committed entry vanish). syncfs flushes
// the whole (small) ESP.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	d.Sync()
	if err := unix.Syncfs(int(d.Fd())); err != nil {
		return fmt.Errorf("boot: syncfs %s: %w", dir, err)
	}
	return nil
}
