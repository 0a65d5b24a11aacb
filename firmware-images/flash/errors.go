// Package flash writes disk images to removable media for technicians:
// safety checks that refuse the wrong disk (mounted, holding the running
// system, not removable), block-map writes of only the mapped ranges, and a
// read-back verification that bypasses the page cache.
package flash

import "errors"

// Sentinel errors; each refusal names the target so a technician knows why.
var (
	// ErrMounted: the target or one of its partitions is mounted.
	ErrMounted = errors.New("flash: target is mounted")
	// ErrSystemDisk: the target holds the running system (root, boot, swap, or is held by dm/md).
	ErrSystemDisk = errors.New("flash: target holds the running system")
	// ErrNotRemovable: the target is a fixed disk and no override was given.
	ErrNotRemovable = errors.New("flash: target is not removable (use --allow-fixed-disk if you are sure)")
	// ErrPartition: the target is a partition, not a whole disk.
	ErrPartition = errors.New("flash: target is a partition, give the whole disk")
	// ErrTooSmall: the image does not fit the target.
	ErrTooSmall = errors.New("flash: target too small for image")
	// ErrNotDisk: the target is neither a block device nor a regular file.
	ErrNotDisk = errors.New("flash: target is not a disk or image file")
	// ErrImage: the image does not match its block map.
	ErrImage = errors.New("flash: image does not match block map")
	// ErrVerify: reading back the target found different bytes.
	ErrVerify = errors.New("flash: verification failed")
)
