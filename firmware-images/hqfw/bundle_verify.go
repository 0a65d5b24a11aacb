package hqfw

import (
	"fmt"
	"os"
	"time"

	"hallq/firmware-images/bundle"
)

func init() {
	register("bundle verify", "check a bundle's signature, policy and every payload hash", bundleVerify)
}

func bundleVerify(e *Env, args []string) error {
	fs := newFlags(e, "bundle verify")
	var pubs listFlag
	fs.Var(&pubs, "pub", "trusted public key file, repeatable (two during key rotation)")
	trustDir := fs.String("trust", "", "directory of trusted *.pub files (as on a device)")
	dev := fs.Bool("dev", false, "development trust store: accept the development key (never on release images)")
	product := fs.String("product", "", "require this product")
	board := fs.String("board", "", "require this board")
	installed := fs.String("installed", "", "refuse versions not newer than this")
	epoch := fs.Uint("epoch", 0, "refuse security epochs below this")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("give one bundle file")
	}
	mode := bundle.Release
	if *dev {
		mode = bundle.Development
	}
	var ts *bundle.TrustStore
	var err error
	if *trustDir != "" {
		if ts, err = bundle.LoadTrustStore(mode, *trustDir); err != nil {
			return err
		}
	} else {
		ts, _ = bundle.NewTrustStore(mode)
	}
	for _, p := range pubs {
		k, err := bundle.ReadPublicKey(p)
		if err != nil {
			return err
		}
		if err := ts.Add(k); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	start := time.Now()
	m, err := bundle.Verify(f, bundle.Policy{Trust: ts, Product: *product, Board: *board, Installed: *installed, Epoch: uint32(*epoch)})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "OK %s %s epoch %d boards %v (%.2fs)\n", m.Product, m.Version, m.Epoch, m.Compatible, time.Since(start).Seconds())
	for _, p := range m.Payloads {
		fmt.Fprintf(e.Stdout, "  %-8s %12d bytes (%d compressed) sha256 %s\n", p.Name, p.Size, p.CompressedSize, p.SHA256)
	}
	return nil
}
