package bundle

import "errors"

// Sentinel errors. Every error returned by this package wraps one of these so
// that callers (the update agent, the technician's tool) can react by kind and
// report a clear message.
var (
	// ErrManifest: manifest.json is missing, too large or malformed.
	ErrManifest = errors.New("bundle: invalid manifest")
	// ErrLayout: the tar members are not manifest.json, manifest.sig, payloads.
	ErrLayout = errors.New("bundle: invalid layout")
	// ErrUnsigned: the bundle carries no signature.
	ErrUnsigned = errors.New("bundle: not signed")
	// ErrUnknownKey: the signature names a key the device does not trust.
	ErrUnknownKey = errors.New("bundle: signed by an unknown key")
	// ErrBadSignature: the signature does not verify with the named key.
	ErrBadSignature = errors.New("bundle: bad signature")
	// ErrDevKey: a development key was offered to a release trust store.
	ErrDevKey = errors.New("bundle: development key not trusted by release images")
	// ErrProduct: the bundle is for another product.
	ErrProduct = errors.New("bundle: wrong product")
	// ErrBoard: the bundle does not list the device's board as compatible.
	ErrBoard = errors.New("bundle: incompatible board")
	// ErrVersion: the bundle's version is not strictly higher than the installed one.
	ErrVersion = errors.New("bundle: version not newer than installed")
	// ErrEpoch: the bundle's security epoch is lower than the installed one.
	ErrEpoch = errors.New("bundle: security epoch lower than installed")
	// ErrTooLarge: a payload does not fit its target.
	ErrTooLarge = errors.New("bundle: payload larger than target")
	// ErrHash: a payload's size or sha256 differs from the manifest.
	ErrHash = errors.New("bundle: payload hash mismatch")
	// ErrTruncated: the stream ended before the bundle did.
	ErrTruncated = errors.New("bundle: truncated")
	// ErrKey: a key file is malformed.
	ErrKey = errors.New("bundle: invalid key")
)
