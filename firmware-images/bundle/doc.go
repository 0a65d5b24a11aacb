// Package bundle reads, writes, signs and verifies hallq update bundles.
//
// A bundle is a POSIX tar stream whose first member is manifest.json, whose
// second member is manifest.sig (an ed25519 signature over the manifest) and
// whose remaining members are the zstd-compressed payloads named in the
// manifest, in manifest order. The order lets a device check the signature,
// product, board, version and security epoch before it reads a single payload
// byte, and hash every payload while streaming it into the inactive slot.
// Bundles never carry install scripts: a payload is only ever data written to
// a slot.
package bundle
