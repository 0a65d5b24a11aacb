package hqfw

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"hallq/firmware-images/image"
)

func init() {
	register("image", "build a role's x86-64 UEFI disk image with a bmap (needs root, mmdebstrap, e2fsprogs, dosfstools, mtools)", imageCmd)
}

func imageCmd(e *Env, args []string) error {
	fs := newFlags(e, "image")
	role := fs.String("role", "", "kiosk, window, display or controller")
	version := fs.String("version", "", "image version")
	epoch := fs.Uint("epoch", 0, "security epoch")
	out := fs.String("o", "", "output image (default hallq-ROLE-VERSION.img)")
	work := fs.String("work", "", "work directory (default OUT.work)")
	module := fs.String("module", ".", "repository root")
	dev := fs.Bool("dev", false, "development image: trust the development key")
	reuse := fs.Bool("reuse-rootfs", false, "reuse the work directory's root file system (skip mmdebstrap)")
	mirror := fs.String("mirror", "http://deb.debian.org/debian", "Debian mirror")
	cmdline := fs.String("cmdline", "", "extra kernel command line")
	timeout := fs.Duration("step-timeout", 30*time.Minute, "bound for each external step")
	healthFile := fs.String("health-file", "", "override the role's health file (tests: a path that never appears makes a failing update)")
	var keys listFlag
	fs.Var(&keys, "key-pub", "trusted public key file, repeatable")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := required(fs, "role", "version"); err != nil {
		return err
	}
	r, err := image.LoadRole(*role)
	if err != nil {
		return err
	}
	if *out == "" {
		*out = fmt.Sprintf("hallq-%s-%s.img", r.Role, *version)
	}
	if *work == "" {
		*work = *out + ".work"
	}
	root, _ := filepath.Abs(*module)
	start := time.Now()
	res, err := image.Build(context.Background(), image.Opts{Role: r, ModuleRoot: root, Work: *work, Out: *out, Version: *version, Epoch: uint32(*epoch),
		TrustedKeys: keys, Dev: *dev, Mirror: *mirror, KernelCmdline: *cmdline, SkipDebootstrap: *reuse, HealthFile: *healthFile,
		Run: image.ExecRunner{Timeout: *timeout}, Logf: func(f string, a ...any) { fmt.Fprintf(e.Stderr, f+"\n", a...) }})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "%s: %.1f MiB image, %.1f MiB mapped, built in %.0fs\n", res.Image, mib(res.ImageSize), mib(res.Mapped), time.Since(start).Seconds())
	fmt.Fprintf(e.Stdout, "bmap %s; update payloads: rootfs=%s kernel=%s initrd=%s\n", res.Bmap, res.RootImage, res.Kernel, res.Initrd)
	if len(res.Skipped) > 0 {
		fmt.Fprintf(e.Stdout, "not built (package does not exist yet): %s\n", strings.Join(res.Skipped, ", "))
	}
	var steps []string
	for k, v := range res.Durations {
		steps = append(steps, fmt.Sprintf("%s=%.1fs", k, v.Seconds()))
	}
	sort.Strings(steps)
	fmt.Fprintln(e.Stdout, "steps:", strings.Join(steps, " "))
	if fi, err := os.Stat(res.RootImage); err == nil {
		fmt.Fprintf(e.Stdout, "root image %.1f MiB\n", mib(fi.Size()))
	}
	return nil
}
