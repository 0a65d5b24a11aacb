package agent

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// SlotFile is one payload's target inside a slot.
type SlotFile interface {
	io.Writer
	io.ReaderAt
	Sync() error
	Close() error
}

// Slots opens payload targets of a slot.
type Slots interface {
	// Open opens the target of payload in slot for writing from offset 0.
	Open(slot, payload string) (SlotFile, error)
	// Capacity is the largest payload the target holds.
	Capacity(slot, payload string) (int64, error)
	// Payloads lists the payload names this device accepts.
	Payloads() []string
}

// DiskSlots is the production layout: the rootfs payload goes to the
// partition labelled root-<slot>, the kernel and initrd payloads to files in
// the slot's directory on the ESP.
type DiskSlots struct {
	ByPartLabel string // /dev/disk/by-partlabel
	ESPDir      string // /boot/efi/hallq
	// ESPCapacity bounds kernel and initrd files (the ESP is shared).
	ESPCapacity int64
}

// Payloads lists rootfs, kernel and initrd.
func (d *DiskSlots) Payloads() []string { return []string{"rootfs", "kernel", "initrd"} }

func (d *DiskSlots) path(slot, payload string) (string, bool, error) {
	switch payload {
	case "rootfs":
		return filepath.Join(d.ByPartLabel, "root-"+slot), true, nil
	case "kernel":
		return filepath.Join(d.ESPDir, slot, "vmlinuz"), false, nil
	case "initrd":
		return filepath.Join(d.ESPDir, slot, "initrd.img"), false, nil
	}
	return "", false, fmt.Errorf("agent: no target for payload %q", payload)
}

// Open opens the block device or ESP file.
func (d *DiskSlots) Open(slot, payload string) (SlotFile, error) {
	p, dev, err := d.path(slot, payload)
	if err != nil {
		return nil, err
	}
	if dev {
		return os.OpenFile(p, os.O_RDWR, 0)
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return nil, err
	}
	return os.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
}

// Capacity returns the partition size or the ESP bound.
func (d *DiskSlots) Capacity(slot, payload string) (int64, error) {
	p, dev, err := d.path(slot, payload)
	if err != nil {
		return 0, err
	}
	if !dev {
		return d.ESPCapacity, nil
	}
	f, err := os.Open(p)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return f.Seek(0, io.SeekEnd)
}

// DirSlots keeps every payload as a file in Dir/<slot>/<payload>: for tests,
// demos and the QEMU script's host side.
type DirSlots struct {
	Dir   string
	Names []string
	Cap   int64
}

// Payloads lists Names.
func (d *DirSlots) Payloads() []string { return d.Names }

// Open creates or truncates the file.
func (d *DirSlots) Open(slot, payload string) (SlotFile, error) {
	if err := os.MkdirAll(filepath.Join(d.Dir, slot), 0o755); err != nil {
		return nil, err
	}
	return os.OpenFile(filepath.Join(d.Dir, slot, payload), os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
}

// Capacity returns Cap.
func (d *DirSlots) Capacity(slot, payload string) (int64, error) { return d.Cap, nil }
