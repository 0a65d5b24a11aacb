package hqfw

import (
	"fmt"
	"os"

	"hallq/firmware-images/bmap"
)

func init() {
	register("bmap", "write a bmap 2.0 block map for a sparse image", bmapCmd)
}

func bmapCmd(e *Env, args []string) error {
	fs := newFlags(e, "bmap")
	out := fs.String("o", "", "output (default IMAGE.bmap)")
	bs := fs.Int64("block-size", bmap.DefaultBlockSize, "block size")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("give one image file")
	}
	m, err := bmap.Generate(fs.Arg(0), *bs)
	if err != nil {
		return err
	}
	if *out == "" {
		*out = fs.Arg(0) + ".bmap"
	}
	if err := os.WriteFile(*out, m.Marshal(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "%s: %d of %d blocks mapped (%.1f MiB of %.1f MiB)\n", *out, m.MappedBlocks(), m.BlocksCount,
		float64(m.MappedBlocks()*m.BlockSize)/(1<<20), float64(m.ImageSize)/(1<<20))
	return nil
}
