package hqfw

import (
	"crypto/ed25519"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"hallq/firmware-images/bundle"
)

func init() {
	register("bundle create", "build an update bundle from payload files (signed with -key, or unsigned for 'bundle sign')", bundleCreate)
}

func bundleCreate(e *Env, args []string) error {
	fs := newFlags(e, "bundle create")
	product := fs.String("product", "", "product, e.g. hallq-kiosk")
	version := fs.String("version", "", "version, e.g. 2026.11.1 (must increase)")
	epoch := fs.Uint("epoch", 0, "security epoch (devices refuse lower epochs)")
	boards := fs.String("boards", "x86-64-uefi", "comma-separated compatible boards")
	keyPath := fs.String("key", "", "private key file; empty leaves the bundle unsigned")
	out := fs.String("o", "", "output bundle file")
	var payloads listFlag
	fs.Var(&payloads, "payload", "NAME=FILE, repeatable (rootfs=root.img kernel=vmlinuz initrd=initrd.img)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := required(fs, "product", "version", "o", "payload"); err != nil {
		return err
	}
	var srcs []bundle.Source
	for _, p := range payloads {
		name, file, ok := strings.Cut(p, "=")
		if !ok {
			return fmt.Errorf("-payload %q: want NAME=FILE", p)
		}
		srcs = append(srcs, bundle.FileSource(name, file))
	}
	var key ed25519.PrivateKey
	if *keyPath != "" {
		var err error
		if key, err = bundle.ReadPrivateKey(*keyPath); err != nil {
			return err
		}
	}
	f, err := os.Create(*out + ".tmp")
	if err != nil {
		return err
	}
	defer os.Remove(*out + ".tmp")
	start := time.Now()
	m, err := bundle.Create(f, bundle.Manifest{Product: *product, Version: *version, Epoch: uint32(*epoch), Compatible: strings.Split(*boards, ",")},
		srcs, key, &bundle.CreateOpts{TempDir: filepath.Dir(*out)})
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Rename(*out+".tmp", *out); err != nil {
		return err
	}
	fi, _ := os.Stat(*out)
	signed := "unsigned"
	if key != nil {
		signed = "signed by " + bundle.KeyID(key.Public().(ed25519.PublicKey))
	}
	fmt.Fprintf(e.Stdout, "%s: %s %s epoch %d, %d payloads, %d bytes, %s, %.1fs\n", *out, m.Product, m.Version, m.Epoch, len(m.Payloads), fi.Size(), signed, time.Since(start).Seconds())
	return nil
}
