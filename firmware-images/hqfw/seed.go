package hqfw

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"os"

	"hallq/firmware-images/flash"
	"hallq/firmware-images/seed"
)

func init() {
	register("seed", "write the enrolment seed (controller, CA fingerprint, one-time token) to a flashed card", seedCmd)
}

func seedCmd(e *Env, args []string) error {
	fs := newFlags(e, "seed")
	target := fs.String("target", "", "flashed disk or image file")
	controller := fs.String("controller", e.Getenv("HALLQ_CONTROLLER"), "controller URL, e.g. https://10.20.0.2:8443")
	caCert := fs.String("ca-cert", "", "controller CA certificate (PEM); its sha256 is pinned")
	caSum := fs.String("ca-sha256", "", "or the CA fingerprint directly")
	token := fs.String("token", "", "one-time enrolment token ('hqfw token')")
	fixed := fs.Bool("allow-fixed-disk", false, "allow a non-removable disk")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := required(fs, "target", "token"); err != nil {
		return err
	}
	fp := *caSum
	if *caCert != "" {
		b, err := os.ReadFile(*caCert)
		if err != nil {
			return err
		}
		blk, _ := pem.Decode(b)
		if blk == nil {
			return fmt.Errorf("%s: no PEM certificate", *caCert)
		}
		s := sha256.Sum256(blk.Bytes)
		fp = hex.EncodeToString(s[:])
	}
	if _, err := flash.Check(*target, 0, &flash.Opts{AllowFixedDisk: *fixed}); err != nil {
		return err
	}
	f, err := os.OpenFile(*target, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	n, err := diskSize(f)
	if err != nil {
		return err
	}
	s := &seed.Seed{Controller: *controller, CAFingerprint: fp, Token: *token}
	if err := seed.WriteToDisk(f, n, s); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if _, err := seed.ReadFromDisk(f, n); err != nil {
		return fmt.Errorf("read back: %w", err)
	}
	fmt.Fprintf(e.Stdout, "seed written to %s: controller %s\n", *target, s.Controller)
	return nil
}
