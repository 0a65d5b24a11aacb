package hqfw

import (
	"fmt"
	"os"

	"hallq/firmware-images/flash"
	"hallq/firmware-images/gpt"
)

func init() {
	register("grow", "grow the last (data) partition of a flashed card to fill it", growCmd)
}

func growCmd(e *Env, args []string) error {
	fs := newFlags(e, "grow")
	target := fs.String("target", "", "flashed disk or image file")
	size := fs.Int64("size", 0, "for image files: extend the file to this many bytes first")
	fixed := fs.Bool("allow-fixed-disk", false, "allow a non-removable disk")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := required(fs, "target"); err != nil {
		return err
	}
	t, err := flash.Check(*target, 0, &flash.Opts{AllowFixedDisk: *fixed})
	if err != nil {
		return err
	}
	f, err := os.OpenFile(*target, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	if !t.Block && *size > 0 {
		if err := f.Truncate(*size); err != nil {
			return err
		}
	}
	n, err := diskSize(f)
	if err != nil {
		return err
	}
	p, err := gpt.Grow(f, 0, n)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "partition %s now %.1f MiB\n", p.Name, mib(p.Size()))
	return nil
}
