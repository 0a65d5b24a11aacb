package hqfw

import (
	"fmt"
	"io"
	"os"

	"hallq/firmware-images/bmap"
	"hallq/firmware-images/flash"
	"hallq/firmware-images/gpt"
)

func init() {
	register("flash", "write an image to a card or file (mapped blocks only), verify by reading back, optionally grow data", flashCmd)
}

func flashCmd(e *Env, args []string) error {
	fs := newFlags(e, "flash")
	image := fs.String("image", "", "disk image")
	bmapPath := fs.String("bmap", "", "block map (default IMAGE.bmap if present, else computed from the image's holes)")
	target := fs.String("target", "", "whole-disk block device (/dev/sdb) or image file")
	fixed := fs.Bool("allow-fixed-disk", false, "allow a non-removable disk (reinstalling a device's internal disk)")
	noVerify := fs.Bool("no-verify", false, "skip the read-back verification")
	grow := fs.Bool("grow", true, "grow the data partition to fill a larger target")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := required(fs, "image", "target"); err != nil {
		return err
	}
	img, err := os.Open(*image)
	if err != nil {
		return err
	}
	defer img.Close()
	m, err := loadMap(*image, *bmapPath)
	if err != nil {
		return err
	}
	t, err := flash.Check(*target, m.ImageSize, &flash.Opts{AllowFixedDisk: *fixed})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "writing %s to %s: %.1f MiB mapped of %.1f MiB\n", *image, t, float64(m.MappedBlocks()*m.BlockSize)/(1<<20), float64(m.ImageSize)/(1<<20))
	dst, err := flash.OpenTarget(t)
	if err != nil {
		return err
	}
	defer dst.Close()
	last := int64(0)
	ws, err := flash.Write(dst, img, m, func(done, total int64) {
		if done-last >= 64<<20 || done == total {
			fmt.Fprintf(e.Stderr, "\r%5.1f%%", 100*float64(done)/float64(max(total, 1)))
			last = done
		}
	})
	fmt.Fprintln(e.Stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "written %.1f MiB in %.1fs (%.1f MiB/s)\n", mib(ws.Bytes), ws.Duration.Seconds(), mib(ws.Bytes)/ws.Duration.Seconds())
	if !*noVerify {
		vs, err := flash.Verify(dst, m)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.Stdout, "verified %.1f MiB in %.1fs (%.1f MiB/s)\n", mib(vs.Bytes), vs.Duration.Seconds(), mib(vs.Bytes)/vs.Duration.Seconds())
	}
	if *grow && t.Block && t.Size > m.ImageSize {
		p, err := gpt.Grow(dst, m.ImageSize, t.Size)
		if err != nil {
			return fmt.Errorf("grow: %w", err)
		}
		if err := dst.Sync(); err != nil {
			return err
		}
		fmt.Fprintf(e.Stdout, "partition %s grown to %.1f GiB (the file system grows at first boot)\n", p.Name, float64(p.Size())/(1<<30))
	}
	return nil
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }

func loadMap(image, path string) (*bmap.Map, error) {
	if path == "" {
		if _, err := os.Stat(image + ".bmap"); err == nil {
			path = image + ".bmap"
		}
	}
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		m, err := bmap.Parse(b)
		if err != nil {
			return nil, err
		}
		fi, err := os.Stat(image)
		if err != nil {
			return nil, err
		}
		if fi.Size() != m.ImageSize {
			return nil, fmt.Errorf("%s describes %d bytes, image is %d", path, m.ImageSize, fi.Size())
		}
		return m, nil
	}
	m, err := bmap.Generate(image, bmap.DefaultBlockSize)
	if err != nil {
		return nil, err
	}
	return m, nil
}

func diskSize(f *os.File) (int64, error) { return f.Seek(0, io.SeekEnd) }
