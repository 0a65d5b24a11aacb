package hqfw

import (
	"crypto/ed25519"
	"fmt"
	"os"

	"hallq/firmware-images/bundle"
)

func init() {
	register("bundle sign", "sign (or re-sign) a bundle with a private key", bundleSign)
}

func bundleSign(e *Env, args []string) error {
	fs := newFlags(e, "bundle sign")
	keyPath := fs.String("key", "", "private key file")
	in := fs.String("in", "", "input bundle")
	out := fs.String("o", "", "output bundle (may equal -in)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := required(fs, "key", "in", "o"); err != nil {
		return err
	}
	key, err := bundle.ReadPrivateKey(*keyPath)
	if err != nil {
		return err
	}
	r, err := os.Open(*in)
	if err != nil {
		return err
	}
	defer r.Close()
	w, err := os.Create(*out + ".tmp")
	if err != nil {
		return err
	}
	defer os.Remove(*out + ".tmp")
	m, err := bundle.Sign(w, r, key)
	if err == nil {
		err = w.Sync()
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Rename(*out+".tmp", *out); err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "%s: %s %s signed by %s\n", *out, m.Product, m.Version, bundle.KeyID(key.Public().(ed25519.PublicKey)))
	return nil
}
