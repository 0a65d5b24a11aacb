package image

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"hallq/firmware-images/bmap"
	"hallq/firmware-images/boot"
	"hallq/firmware-images/bundle"
	"hallq/firmware-images/gpt"
)

// Runner runs external tools; tests replace it.
type Runner interface {
	Run(ctx context.Context, dir string, env []string, name string, args ...string) error
}

// ExecRunner runs commands for real, each bounded by Timeout.
type ExecRunner struct {
	Timeout time.Duration
	Log     io.Writer
}

// Run executes name with args.
func (r ExecRunner) Run(ctx context.Context, dir string, env []string, name string, args ...string) error {
	if r.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, r.Timeout)
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var tail bytes.Buffer
	out := io.Writer(&tail)
	if r.Log != nil {
		out = io.MultiWriter(&tail, r.Log)
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Run(); err != nil {
		t := tail.String()
		if len(t) > 2000 {
			t = t[len(t)-2000:]
		}
		return fmt.Errorf("image: %s %s: %w\n%s", name, strings.Join(args, " "), err, t)
	}
	return nil
}

// Opts configures Build.
type Opts struct {
	Role       *Role
	ModuleRoot string // repository root, for go build
	Work       string // scratch directory
	Out        string // output disk image; the bmap goes to Out+".bmap"
	Version    string
	Epoch      uint32
	// TrustedKeys are public key files baked into /etc/hallq/trusted-keys.
	TrustedKeys []string
	// Dev builds a development image: the development key is trusted and
	// the agent runs with -dev-trust. Release builds refuse the dev key.
	Dev             bool
	Suite, Mirror   string
	ESPSize         int64
	DataSize        int64
	Run             Runner
	Logf            func(format string, args ...any)
	ExtraPackages   []string
	KernelCmdline   string // extra kernel options
	SkipDebootstrap bool   // reuse Work/rootfs from an earlier build
	// HealthFile overrides the role's health file (the QEMU script uses it
	// to build an update whose health check fails).
	HealthFile string

	haveApp bool
}

// Result lists what Build produced.
type Result struct {
	Image, Bmap       string
	RootImage         string // the rootfs payload for update bundles
	Kernel, Initrd    string
	Built, Skipped    []string // binaries
	ImageSize, Mapped int64
	Durations         map[string]time.Duration
}

func (o *Opts) defaults() {
	if o.Suite == "" {
		o.Suite = "bookworm"
	}
	if o.Mirror == "" {
		o.Mirror = "http://deb.debian.org/debian"
	}
	if o.ESPSize == 0 {
		o.ESPSize = 256 << 20
	}
	if o.DataSize == 0 {
		o.DataSize = 256 << 20
	}
	if o.Run == nil {
		o.Run = ExecRunner{Timeout: 30 * time.Minute}
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
}

// Build produces the role's disk image.
func Build(ctx context.Context, o Opts) (*Result, error) {
	o.defaults()

	if _, err := bundle.ParseVersion(o.Version); err != nil {
		return nil, fmt.Errorf("image: %w", err)
	}
	if err := os.MkdirAll(o.Work, 0o755); err != nil {
		return nil, err
	}
	res := &Result{Durations: map[string]time.Duration{}}
	step := func(name string, f func() error) error {
		t := time.Now()
		o.Logf("image: %s ...", name)
		err := f()
		res.Durations[name] = time.Since(t)
		if err != nil {
			return fmt.Errorf("image: %s: %w", name, err)
		}
		return nil
	}
	overlay := filepath.Join(o.Work, "overlay")
	rootfs := filepath.Join(o.Work, "rootfs")
	if err := step("binaries", func() error { return o.buildBinaries(ctx, overlay, res) }); err != nil {
		return nil, err
	}
	if err := step("overlay", func() error { return o.writeOverlay(overlay) }); err != nil {
		return nil, err
	}
	if !o.SkipDebootstrap {
		if err := step("debootstrap", func() error { return o.debootstrap(ctx, rootfs, overlay) }); err != nil {
			return nil, err
		}
	} else if err := step("overlay-sync", func() error { return o.Run.Run(ctx, "", nil, "cp", "-a", overlay+"/.", rootfs+"/") }); err != nil {
		return nil, err
	}
	if err := step("fixups", func() error { return fixups(rootfs, o.Role) }); err != nil {
		return nil, err
	}
	if err := step("kernel", func() error { return findKernel(rootfs, o.Work, res) }); err != nil {
		return nil, err
	}
	rootSize, _ := ParseSize(o.Role.RootSizeOr("1GiB"))
	res.RootImage = filepath.Join(o.Work, "root.img")
	if err := step("root", func() error {
		os.Remove(res.RootImage)
		return o.Run.Run(ctx, "", nil, "mkfs.ext4", "-q", "-F", "-L", "hallq-root", "-b", "4096", "-E", "root_owner=0:0", "-d", rootfs,
			res.RootImage, fmt.Sprintf("%dk", rootSize>>10))
	}); err != nil {
		return nil, err
	}
	dataImg := filepath.Join(o.Work, "data.img")
	if err := step("data", func() error {
		skel := filepath.Join(o.Work, "data-skel")
		os.MkdirAll(filepath.Join(skel, "hallq", "inbox"), 0o755)
		os.Remove(dataImg)
		return o.Run.Run(ctx, "", nil, "mkfs.ext4", "-q", "-F", "-L", "hallq-data", "-b", "4096", "-d", skel, dataImg, fmt.Sprintf("%dk", o.DataSize>>10))
	}); err != nil {
		return nil, err
	}
	espImg := filepath.Join(o.Work, "esp.img")
	if err := step("esp", func() error { return o.buildESP(ctx, rootfs, espImg, res) }); err != nil {
		return nil, err
	}
	res.Image, res.Bmap = o.Out, o.Out+".bmap"
	if err := step("assemble", func() error {
		return Assemble(o.Out, []Part{
			{Name: "esp", Type: gpt.TypeESP, Size: o.ESPSize, Image: espImg},
			{Name: "root-a", Type: gpt.TypeRootX86, Size: rootSize, Image: res.RootImage},
			{Name: "root-b", Type: gpt.TypeRootX86, Size: rootSize},
			{Name: "data", Type: gpt.TypeLinuxData, Size: o.DataSize, Image: dataImg},
		})
	}); err != nil {
		return nil, err
	}
	if err := step("bmap", func() error {
		m, err := bmap.Generate(o.Out, bmap.DefaultBlockSize)
		if err != nil {
			return err
		}
		res.ImageSize, res.Mapped = m.ImageSize, m.MappedBlocks()*m.BlockSize
		return os.WriteFile(res.Bmap, m.Marshal(), 0o644)
	}); err != nil {
		return nil, err
	}
	return res, nil
}

func (o *Opts) buildBinaries(ctx context.Context, overlay string, res *Result) error {
	bins := append([]Binary{{Pkg: "firmware-images/cmd/hqagent", Install: "/usr/bin/hqagent"}}, o.Role.Binaries...)
	for _, b := range bins {
		if _, err := os.Stat(filepath.Join(o.ModuleRoot, b.Pkg)); err != nil {
			o.Logf("image: %s does not exist yet; skipped", b.Pkg)
			res.Skipped = append(res.Skipped, b.Pkg)
			continue
		}
		dst := filepath.Join(overlay, b.Install)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		args := []string{"build", "-trimpath", "-ldflags=-s -w", "-o", dst}
		if len(b.Tags) > 0 {
			args = append(args, "-tags", strings.Join(b.Tags, ","))
		}
		args = append(args, "./"+b.Pkg)
		if err := o.Run.Run(ctx, o.ModuleRoot, []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64"}, "go", args...); err != nil {
			return err
		}
		res.Built = append(res.Built, b.Pkg)
		if b.Install == "/usr/bin/hallq-app" {
			o.haveApp = true
		}
	}
	return nil
}

func (o *Opts) healthFile() string {
	switch {
	case o.HealthFile != "":
		return o.HealthFile
	case o.haveApp:
		return o.Role.HealthFile
	}
	return ""
}

func (o *Opts) writeOverlay(dir string) error {
	err := fs.WalkDir(overlayFS, "overlay", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := overlayFS.ReadFile(p)
		if err != nil {
			return err
		}
		return writeFile(filepath.Join(dir, strings.TrimPrefix(p, "overlay/")), b, 0o644)
	})
	if err != nil {
		return err
	}
	files := map[string]string{
		"etc/systemd/system/hallq-app.service": o.Role.AppUnit(),
		"etc/hallq/agent.env":                  o.Role.AgentEnv(o.Dev, o.healthFile(), o.haveApp),
		"etc/hallq/version":                    fmt.Sprintf("%s %d\n", o.Version, o.Epoch),
		"etc/hallq/product":                    o.Role.Product + "\n",
		"etc/hostname":                         "hallq-" + o.Role.Role + "\n",
		"etc/machine-id":                       "",
	}
	for p, c := range files {
		if err := writeFile(filepath.Join(dir, p), []byte(c), 0o644); err != nil {
			return err
		}
	}
	if t, err := o.Role.AppConfigTemplate(); err != nil {
		return err
	} else if t != nil {
		if err := writeFile(filepath.Join(dir, strings.TrimPrefix(o.Role.App.Config.TemplatePath(), "/")), t, 0o644); err != nil {
			return err
		}
	}
	// Enabled here as well as by systemctl in mmdebstrap, so that a build
	// reusing an earlier root file system gets units added since.
	wants := filepath.Join(dir, "etc/systemd/system/multi-user.target.wants")
	if err := os.MkdirAll(wants, 0o755); err != nil {
		return err
	}
	for _, u := range []string{"hallq-first-frame.path"} {
		l := filepath.Join(wants, u)
		os.Remove(l)
		if err := os.Symlink("/etc/systemd/system/"+u, l); err != nil {
			return err
		}
	}
	keys := filepath.Join(dir, "etc/hallq/trusted-keys")
	if err := os.MkdirAll(keys, 0o755); err != nil {
		return err
	}
	mode := bundle.Release
	if o.Dev {
		mode = bundle.Development
	}
	ts, _ := bundle.NewTrustStore(mode)
	for _, k := range o.TrustedKeys {
		pub, err := bundle.ReadPublicKey(k)
		if err != nil {
			return err
		}
		if err := ts.Add(pub); err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
		if err := writeFile(filepath.Join(keys, bundle.KeyID(pub)+".pub"), bundle.MarshalPublicKey(pub), 0o644); err != nil {
			return err
		}
	}
	if o.Dev {
		dev := bundle.DevPublicKey()
		if err := writeFile(filepath.Join(keys, "development.pub"), bundle.MarshalPublicKey(ed25519.PublicKey(dev)), 0o644); err != nil {
			return err
		}
	}
	if len(ts.IDs()) == 0 && !o.Dev {
		return fmt.Errorf("a release image needs at least one trusted key (-key-pub)")
	}
	return nil
}

func (o *Opts) debootstrap(ctx context.Context, rootfs, overlay string) error {
	if err := os.RemoveAll(rootfs); err != nil {
		return err
	}
	pkgs := append(o.Role.AllPackages(), o.ExtraPackages...)
	units := "hallq-agent.service hallq-health.service hallq-app.service hallq-data.service hallq-boot-report.service hallq-first-frame.path systemd-networkd.service"
	args := []string{
		"--variant=minbase", "--components=main", "--include=" + strings.Join(pkgs, ","),
		"--dpkgopt=path-exclude=/usr/share/doc/*", "--dpkgopt=path-exclude=/usr/share/man/*",
		"--dpkgopt=path-exclude=/usr/share/locale/*", "--dpkgopt=path-include=/usr/share/locale/zh_CN/*",
		"--customize-hook=sync-in " + overlay + " /",
		"--customize-hook=chroot \"$1\" systemctl enable " + units,
		"--customize-hook=chroot \"$1\" passwd -l root",
		"--customize-hook=rm -f \"$1\"/etc/machine-id && touch \"$1\"/etc/machine-id",
		"--customize-hook=mkdir -p \"$1\"/data \"$1\"/boot/efi \"$1\"/media",
		o.Suite, rootfs, o.Mirror,
	}
	return o.Run.Run(ctx, "", nil, "mmdebstrap", args...)
}

// fixups prepares the tree for a read-only root (links that systemd-tmpfiles
// would otherwise try, and fail, to create at every boot) and for the role.
func fixups(rootfs string, r *Role) error {
	if r.App.NeedsFramebuffer {
		// The app owns the screen: no login prompt on tty1 under it.
		mask := filepath.Join(rootfs, "etc/systemd/system/getty@tty1.service")
		if err := os.MkdirAll(filepath.Dir(mask), 0o755); err != nil {
			return err
		}
		os.Remove(mask)
		if err := os.Symlink("/dev/null", mask); err != nil {
			return err
		}
	}
	dbus := filepath.Join(rootfs, "var/lib/dbus")
	if err := os.MkdirAll(dbus, 0o755); err != nil {
		return err
	}
	link := filepath.Join(dbus, "machine-id")
	if _, err := os.Lstat(link); err != nil {
		return os.Symlink("/etc/machine-id", link)
	}
	return nil
}

func findKernel(rootfs, work string, res *Result) error {
	ks, _ := filepath.Glob(filepath.Join(rootfs, "boot", "vmlinuz-*"))
	is, _ := filepath.Glob(filepath.Join(rootfs, "boot", "initrd.img-*"))
	sort.Strings(ks)
	sort.Strings(is)
	if len(ks) == 0 || len(is) == 0 {
		return fmt.Errorf("no kernel or initrd in %s/boot", rootfs)
	}
	res.Kernel, res.Initrd = filepath.Join(work, "vmlinuz"), filepath.Join(work, "initrd.img")
	for src, dst := range map[string]string{ks[len(ks)-1]: res.Kernel, is[len(is)-1]: res.Initrd} {
		b, err := os.ReadFile(src)
		if err != nil {
			return err
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func (o *Opts) buildESP(ctx context.Context, rootfs, img string, res *Result) error {
	os.Remove(img)
	if err := o.Run.Run(ctx, "", nil, "mkfs.vfat", "-C", "-F", "32", "-S", "512", "-s", "1", "-n", "HALLQ-ESP", img, fmt.Sprint(o.ESPSize>>10)); err != nil {
		return err
	}
	// Loader configuration and the committed entry for slot a, rendered by
	// the same adapter the agent uses on the device.
	stage := filepath.Join(o.Work, "esp-stage")
	os.RemoveAll(stage)
	sd := boot.NewSystemdBoot(stage)
	if o.KernelCmdline != "" {
		sd.Options += " " + o.KernelCmdline
	}
	if err := sd.InstallEntries(); err != nil {
		return err
	}
	entries, _ := filepath.Glob(filepath.Join(stage, "loader", "entries", "*.conf"))
	mt := func(args ...string) error {
		return o.Run.Run(ctx, "", []string{"MTOOLS_SKIP_CHECK=1"}, args[0], args[1:]...)
	}
	for _, d := range []string{"::/EFI", "::/EFI/BOOT", "::/loader", "::/loader/entries", "::/hallq", "::/hallq/a", "::/hallq/b"} {
		if err := mt("mmd", "-i", img, d); err != nil {
			return err
		}
	}
	efi := filepath.Join(rootfs, "usr/lib/systemd/boot/efi/systemd-bootx64.efi")
	copies := [][2]string{
		{efi, "::/EFI/BOOT/BOOTX64.EFI"},
		{filepath.Join(stage, "loader", "loader.conf"), "::/loader/loader.conf"},
		{res.Kernel, "::/hallq/a/vmlinuz"},
		{res.Initrd, "::/hallq/a/initrd.img"},
	}
	for _, e := range entries {
		copies = append(copies, [2]string{e, "::/loader/entries/" + filepath.Base(e)})
	}
	for _, c := range copies {
		if err := mt("mcopy", "-o", "-i", img, c[0], c[1]); err != nil {
			return err
		}
	}
	return nil
}

func writeFile(path string, b []byte, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, b, mode)
}
