package hqfw

import (
	"fmt"
	"os"

	"hallq/firmware-images/bundle"
)

func init() {
	register("keygen", "create an ed25519 bundle signing key pair (NAME.key, NAME.pub)", keygen)
}

func keygen(e *Env, args []string) error {
	fs := newFlags(e, "keygen")
	out := fs.String("o", "hallq-release", "output name; writes NAME.key (keep offline) and NAME.pub (bake into images)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	pub, priv, err := bundle.GenerateKey()
	if err != nil {
		return err
	}
	if _, err := os.Stat(*out + ".key"); err == nil {
		return fmt.Errorf("%s.key exists; refusing to overwrite a signing key", *out)
	}
	if err := os.WriteFile(*out+".key", bundle.MarshalPrivateKey(priv), 0o600); err != nil {
		return err
	}
	if err := os.WriteFile(*out+".pub", bundle.MarshalPublicKey(pub), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "key id %s: %s.key (private), %s.pub (public)\n", bundle.KeyID(pub), *out, *out)
	return nil
}
