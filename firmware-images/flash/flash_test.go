package flash_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"hallq/firmware-images/bmap"
	"hallq/firmware-images/flash"
)

type disk struct {
	name, devPath string
	major, minor  uint32
	sectors       int64
	removable     bool
	parts         int
	holder        string
}

// fakeTree builds a sysfs and proc tree with the given disks, mounts
// ("8:17 /media/stick") and swap devices.
func fakeTree(t *testing.T, disks []disk, mounts []string, swaps []string) (flash.Opts, map[string]flash.Node) {
	t.Helper()
	root := t.TempDir()
	sys, proc := filepath.Join(root, "sys"), filepath.Join(root, "proc")
	nodes := map[string]flash.Node{}
	w := func(p, s string) {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range disks {
		dir := filepath.Join(sys, "devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0/block", d.name)
		if d.devPath != "" {
			dir = filepath.Join(sys, d.devPath, "block", d.name)
		}
		rem := "0"
		if d.removable {
			rem = "1"
		}
		w(filepath.Join(dir, "size"), fmt.Sprint(d.sectors))
		w(filepath.Join(dir, "removable"), rem)
		w(filepath.Join(dir, "uevent"), "MAJOR=8\nDEVNAME="+d.name+"\nDEVTYPE=disk\n")
		os.MkdirAll(filepath.Join(dir, "holders"), 0o755)
		if d.holder != "" {
			w(filepath.Join(dir, "holders", d.holder), "")
		}
		os.MkdirAll(filepath.Join(sys, "dev/block"), 0o755)
		id := fmt.Sprintf("%d:%d", d.major, d.minor)
		if err := os.Symlink(dir, filepath.Join(sys, "dev/block", id)); err != nil {
			t.Fatal(err)
		}
		nodes["/dev/"+d.name] = flash.Node{Exists: true, Block: true, Major: d.major, Minor: d.minor}
		for p := 1; p <= d.parts; p++ {
			pn := fmt.Sprintf("%s%d", d.name, p)
			pid := fmt.Sprintf("%d:%d", d.major, int(d.minor)+p)
			w(filepath.Join(dir, pn, "dev"), pid+"\n")
			w(filepath.Join(dir, pn, "partition"), fmt.Sprint(p))
			os.Symlink(filepath.Join(dir, pn), filepath.Join(sys, "dev/block", pid))
			nodes["/dev/"+pn] = flash.Node{Exists: true, Block: true, Major: d.major, Minor: d.minor + uint32(p)}
		}
	}
	mi := "22 1 0:21 / /proc rw,nosuid - proc proc rw\n"
	for i, m := range mounts {
		var dev, mp string
		fmt.Sscan(m, &dev, &mp)
		mi += fmt.Sprintf("%d 1 %s / %s rw,relatime shared:1 - ext4 /dev/x rw\n", 30+i, dev, mp)
	}
	w(filepath.Join(proc, "self/mountinfo"), mi)
	sw := "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
	for _, s := range swaps {
		sw += s + "                               partition\t4194300\t\t0\t\t-2\n"
	}
	w(filepath.Join(proc, "swaps"), sw)
	nodes["/dev/ttyS0"] = flash.Node{Exists: true}
	nodes["/tmp/out.img"] = flash.Node{Exists: true, Regular: true}
	opts := flash.Opts{SysRoot: sys, ProcRoot: proc, Stat: func(p string) (flash.Node, error) { return nodes[p], nil }}
	return opts, nodes
}

const usbPath = "devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0/host6/target6:0:0/6:0:0:0"

func TestCheck(t *testing.T) {
	sysDisk := disk{name: "sda", major: 8, minor: 0, sectors: 500 << 21, parts: 3}
	stick := disk{name: "sdb", major: 8, minor: 16, sectors: 16 << 21, parts: 2, devPath: usbPath}    // USB, removable=0
	card := disk{name: "mmcblk0", major: 179, minor: 0, sectors: 32 << 21, removable: true, parts: 1} // SD slot
	fixed := disk{name: "nvme0n1", major: 259, minor: 0, sectors: 256 << 21}
	lvm := disk{name: "sdc", major: 8, minor: 32, sectors: 64 << 21, removable: true, holder: "dm-0"}
	swap := disk{name: "sdd", major: 8, minor: 48, sectors: 64 << 21, removable: true, parts: 2}
	all := []disk{sysDisk, stick, card, fixed, lvm, swap}
	const GiB = 1 << 30
	cases := []struct {
		name   string
		target string
		need   int64
		mounts []string
		fixed  bool
		want   error
	}{
		{"usb stick", "/dev/sdb", 2 * GiB, nil, false, nil},
		{"sd card", "/dev/mmcblk0", 2 * GiB, nil, false, nil},
		{"usb stick partition mounted", "/dev/sdb", 2 * GiB, []string{"8:18 /media/tech/HALLQ"}, false, flash.ErrMounted},
		{"card mounted", "/dev/mmcblk0", 2 * GiB, []string{"179:0 /mnt"}, false, flash.ErrMounted},
		{"running system", "/dev/sda", 2 * GiB, []string{"8:2 /", "8:1 /boot/efi"}, true, flash.ErrSystemDisk},
		{"fixed disk", "/dev/nvme0n1", 2 * GiB, nil, false, flash.ErrNotRemovable},
		{"fixed disk allowed", "/dev/nvme0n1", 2 * GiB, nil, true, nil},
		{"partition", "/dev/sdb1", 1, nil, false, flash.ErrPartition},
		{"too small", "/dev/sdb", 17 * GiB, nil, false, flash.ErrTooSmall},
		{"held by device mapper", "/dev/sdc", 1, nil, false, flash.ErrSystemDisk},
		{"swap", "/dev/sdd", 1, nil, false, flash.ErrSystemDisk},
		{"char device", "/dev/ttyS0", 1, nil, false, flash.ErrNotDisk},
		{"image file", "/tmp/out.img", 100 * GiB, nil, false, nil},
		{"new file", "/tmp/new.img", 100 * GiB, nil, false, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opts, _ := fakeTree(t, all, c.mounts, []string{"/dev/sdd2"})
			opts.AllowFixedDisk = c.fixed
			tg, err := flash.Check(c.target, c.need, &opts)
			if !errors.Is(err, c.want) {
				t.Fatalf("Check(%s) = %v, want %v", c.target, err, c.want)
			}
			if err == nil && tg.Path != c.target {
				t.Fatalf("target %v", tg)
			}
		})
	}
}

func sparseImage(t testing.TB, size int64, every int64) (string, *bmap.Map) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "img")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.Truncate(size)
	blk := bytes.Repeat([]byte("hallq!"), 50000)[:256<<10]
	for off := int64(0); off < size; off += every {
		f.WriteAt(blk, off)
	}
	m, err := bmap.Generate(p, 4096)
	if err != nil {
		t.Fatal(err)
	}
	return p, m
}

func TestWriteVerify(t *testing.T) {
	imgPath, m := sparseImage(t, 8<<20, 1<<20)
	img, _ := os.Open(imgPath)
	defer img.Close()
	out := filepath.Join(t.TempDir(), "card")
	dst, err := flash.OpenTarget(&flash.Target{Path: out})
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	st, err := flash.Write(dst, img, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.Bytes != m.MappedBlocks()*4096 || st.Bytes >= 8<<20 {
		t.Fatalf("wrote %d bytes, mapped %d", st.Bytes, m.MappedBlocks()*4096)
	}
	if _, err := flash.Verify(dst, m); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(imgPath)
	b, _ := os.ReadFile(out)
	if !bytes.Equal(a, b) {
		t.Fatal("target differs from image")
	}
	// A flipped byte on the medium is caught.
	dst.WriteAt([]byte{0xff}, 3<<20+100)
	if _, err := flash.Verify(dst, m); !errors.Is(err, flash.ErrVerify) {
		t.Fatalf("corrupted target verified: %v", err)
	}
}

func TestWriteRefusesImageNotMatchingMap(t *testing.T) {
	imgPath, m := sparseImage(t, 4<<20, 1<<20)
	f, _ := os.OpenFile(imgPath, os.O_RDWR, 0)
	f.WriteAt([]byte("tampered"), 1<<20+10)
	defer f.Close()
	dst, _ := flash.OpenTarget(&flash.Target{Path: filepath.Join(t.TempDir(), "card")})
	defer dst.Close()
	if _, err := flash.Write(dst, f, m, nil); !errors.Is(err, flash.ErrImage) {
		t.Fatalf("got %v", err)
	}
}

func TestWriteWithoutMap(t *testing.T) {
	imgPath, _ := sparseImage(t, 1<<20+5, 1<<19)
	img, _ := os.Open(imgPath)
	defer img.Close()
	m := flash.MapAll(1<<20 + 5)
	dst, _ := flash.OpenTarget(&flash.Target{Path: filepath.Join(t.TempDir(), "card")})
	defer dst.Close()
	if _, err := flash.Write(dst, img, m, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := flash.Verify(dst, m); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkWriteVerify64MiB flashes a 64 MiB image with half its blocks
// mapped to a file and reads it back.
func BenchmarkWriteVerify64MiB(b *testing.B) {
	imgPath, m := sparseImage(b, 64<<20, 512<<10)
	img, _ := os.Open(imgPath)
	defer img.Close()
	var wsum, vsum float64
	for i := 0; i < b.N; i++ {
		out := filepath.Join(b.TempDir(), "card")
		dst, _ := flash.OpenTarget(&flash.Target{Path: out})
		ws, err := flash.Write(dst, img, m, nil)
		if err != nil {
			b.Fatal(err)
		}
		vs, err := flash.Verify(dst, m)
		if err != nil {
			b.Fatal(err)
		}
		dst.Close()
		os.Remove(out)
		wsum += ws.Duration.Seconds()
		vsum += vs.Duration.Seconds()
	}
	mib := float64(m.MappedBlocks()*4096) / (1 << 20)
	b.ReportMetric(mib, "mapped-MiB")
	b.ReportMetric(mib/(wsum/float64(b.N)), "write-MiB/s")
	b.ReportMetric(mib/(vsum/float64(b.N)), "verify-MiB/s")
}
