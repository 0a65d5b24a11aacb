package flash

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Node is what stat says about a target path.
type Node struct {
	Exists       bool
	Block        bool
	Regular      bool
	Major, Minor uint32
}

// Opts configures the safety checks. The roots exist so tests can run the
// checks against a fake sysfs and proc tree.
type Opts struct {
	SysRoot  string // default "/sys"
	ProcRoot string // default "/proc"
	// AllowFixedDisk permits writing a disk whose sysfs "removable" is 0 and
	// that is not on a USB bus (an internal SATA/NVMe disk of a kiosk being
	// reinstalled from a live stick).
	AllowFixedDisk bool
	// Stat describes a path; default uses stat(2).
	Stat func(path string) (Node, error)
}

// DefaultOpts are the real system's paths.
var DefaultOpts = Opts{SysRoot: "/sys", ProcRoot: "/proc"}

// Target is a checked flash target.
type Target struct {
	Path  string
	Block bool
	Size  int64  // bytes; for files, 0 (they grow)
	Name  string // kernel name, e.g. sdb
}

func (t *Target) String() string {
	if !t.Block {
		return "file " + t.Path
	}
	return fmt.Sprintf("%s (%s, %.1f GiB)", t.Path, t.Name, float64(t.Size)/(1<<30))
}

func statNode(path string) (Node, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		if errors.Is(err, unix.ENOENT) {
			return Node{}, nil
		}
		return Node{}, fmt.Errorf("flash: stat %s: %w", path, err)
	}
	n := Node{Exists: true}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFBLK:
		n.Block = true
		n.Major, n.Minor = unix.Major(uint64(st.Rdev)), unix.Minor(uint64(st.Rdev))
	case unix.S_IFREG:
		n.Regular = true
	}
	return n, nil
}

// Check decides whether path may receive an image of need bytes.
func Check(path string, need int64, o *Opts) (*Target, error) {
	if o == nil {
		o = &DefaultOpts
	}
	sysRoot, procRoot := or(o.SysRoot, "/sys"), or(o.ProcRoot, "/proc")
	stat := o.Stat
	if stat == nil {
		stat = statNode
	}
	n, err := stat(path)
	if err != nil {
		return nil, err
	}
	if !n.Exists || n.Regular {
		return &Target{Path: path}, nil
	}
	if !n.Block {
		return nil, fmt.Errorf("%w: %s", ErrNotDisk, path)
	}
	devID := fmt.Sprintf("%d:%d", n.Major, n.Minor)
	sys := filepath.Join(sysRoot, "dev", "block", devID)
	if _, err := os.Stat(filepath.Join(sys, "partition")); err == nil {
		return nil, fmt.Errorf("%w: %s", ErrPartition, path)
	}
	t := &Target{Path: path, Block: true, Name: ueventName(sys)}
	sectors, err := readInt(filepath.Join(sys, "size"))
	if err != nil {
		return nil, fmt.Errorf("flash: %s: size: %w", path, err)
	}
	t.Size = sectors * 512
	if t.Size < need {
		return nil, fmt.Errorf("%w: %s holds %d bytes, image needs %d", ErrTooSmall, path, t.Size, need)
	}
	// The disk and all its partitions, by dev number and kernel name.
	devs := map[string]string{devID: t.Name}
	entries, _ := os.ReadDir(sys)
	for _, e := range entries {
		d, err := os.ReadFile(filepath.Join(sys, e.Name(), "dev"))
		if err == nil {
			devs[strings.TrimSpace(string(d))] = e.Name()
		}
	}
	if holders, _ := os.ReadDir(filepath.Join(sys, "holders")); len(holders) > 0 {
		return nil, fmt.Errorf("%w: %s is held by %s", ErrSystemDisk, path, holders[0].Name())
	}
	for _, e := range entries {
		if holders, _ := os.ReadDir(filepath.Join(sys, e.Name(), "holders")); len(holders) > 0 {
			return nil, fmt.Errorf("%w: %s partition %s is held by %s", ErrSystemDisk, path, e.Name(), holders[0].Name())
		}
	}
	if err := checkMounts(filepath.Join(procRoot, "self", "mountinfo"), devs, path); err != nil {
		return nil, err
	}
	if err := checkSwaps(filepath.Join(procRoot, "swaps"), devs, path); err != nil {
		return nil, err
	}
	if !o.AllowFixedDisk && !removable(sys) {
		return nil, fmt.Errorf("%w: %s", ErrNotRemovable, t)
	}
	return t, nil
}

// systemMounts are mount points whose disk is the running system.
var systemMounts = map[string]bool{"/": true, "/boot": true, "/boot/efi": true, "/efi": true, "/usr": true, "/var": true, "/home": true}

func checkMounts(mountinfo string, devs map[string]string, path string) error {
	f, err := os.Open(mountinfo)
	if err != nil {
		return fmt.Errorf("flash: cannot tell whether %s is mounted: %w", path, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		// 36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 {
			continue
		}
		name, ok := devs[fields[2]]
		if !ok {
			continue
		}
		mp := unescapeMount(fields[4])
		if systemMounts[mp] {
			return fmt.Errorf("%w: %s (%s) is mounted at %s", ErrSystemDisk, path, name, mp)
		}
		return fmt.Errorf("%w: %s (%s) at %s; unmount it first", ErrMounted, path, name, mp)
	}
	return sc.Err()
}

func checkSwaps(swaps string, devs map[string]string, path string) error {
	b, err := os.ReadFile(swaps)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	names := map[string]bool{}
	for _, n := range devs {
		names[n] = true
	}
	for _, line := range strings.Split(string(b), "\n")[1:] {
		fields := strings.Fields(line)
		if len(fields) > 0 && names[filepath.Base(fields[0])] {
			return fmt.Errorf("%w: %s is used as swap (%s)", ErrSystemDisk, path, fields[0])
		}
	}
	return nil
}

// removable trusts the kernel's removable flag, and also any disk on a USB
// bus: many USB sticks and card readers report removable=0.
func removable(sys string) bool {
	if v, err := readInt(filepath.Join(sys, "removable")); err == nil && v == 1 {
		return true
	}
	if real, err := filepath.EvalSymlinks(sys); err == nil && strings.Contains(real, "/usb") {
		return true
	}
	return false
}

func ueventName(sys string) string {
	b, _ := os.ReadFile(filepath.Join(sys, "uevent"))
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "DEVNAME="); ok {
			return v
		}
	}
	if real, err := filepath.EvalSymlinks(sys); err == nil {
		return filepath.Base(real)
	}
	return filepath.Base(sys)
}

func readInt(path string) (int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
}

func unescapeMount(s string) string {
	r := strings.NewReplacer(`\040`, " ", `\011`, "\t", `\012`, "\n", `\134`, `\`)
	return r.Replace(s)
}

func or(a, b string) string {
	if a == "" {
		return b
	}
	return a
}
