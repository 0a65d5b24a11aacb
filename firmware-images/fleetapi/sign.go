package fleetapi

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// Headers of a device-signed request.
const (
	HeaderDevice    = "X-Hallq-Device"
	HeaderTime      = "X-Hallq-Time" // unix nanoseconds
	HeaderSignature = "X-Hallq-Signature"
)

// MaxSkew is how far a device's clock may be from the controller's.
const MaxSkew = 5 * time.Minute

// Errors of request authentication.
var (
	ErrNoAuth    = errors.New("fleetapi: request not signed")
	ErrSkew      = errors.New("fleetapi: request time outside the allowed clock skew")
	ErrSignature = errors.New("fleetapi: bad request signature")
)

// signingString binds method, path with query, time and body hash, so a
// signature cannot be moved to another request.
func signingString(method, uri string, ts int64, body []byte) []byte {
	h := sha256.Sum256(body)
	return []byte("hallq-fleet-v1\n" + method + "\n" + uri + "\n" + strconv.FormatInt(ts, 10) + "\n" + hex.EncodeToString(h[:]))
}

// Sign adds the device headers to req, whose body is body.
func Sign(req *http.Request, deviceID string, key ed25519.PrivateKey, now time.Time, body []byte) {
	ts := now.UnixNano()
	sig := ed25519.Sign(key, signingString(req.Method, req.URL.RequestURI(), ts, body))
	req.Header.Set(HeaderDevice, deviceID)
	req.Header.Set(HeaderTime, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, base64.StdEncoding.EncodeToString(sig))
}

// Signed is a parsed, verified device request.
type Signed struct {
	DeviceID string
	Time     int64
	Body     []byte
}

// ReadSigned reads the body (at most max bytes) and returns the claimed
// device id; call Verify with that device's key afterwards.
func ReadSigned(r *http.Request, max int64) (*Signed, error) {
	id := r.Header.Get(HeaderDevice)
	if id == "" || r.Header.Get(HeaderSignature) == "" {
		return nil, ErrNoAuth
	}
	ts, err := strconv.ParseInt(r.Header.Get(HeaderTime), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("%w: bad %s", ErrSignature, HeaderTime)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > max {
		return nil, fmt.Errorf("fleetapi: body over %d bytes", max)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return &Signed{DeviceID: id, Time: ts, Body: body}, nil
}

// Verify checks the signature with pub and the time against now.
func (s *Signed) Verify(r *http.Request, pub ed25519.PublicKey, now time.Time) error {
	d := now.Sub(time.Unix(0, s.Time))
	if d > MaxSkew || d < -MaxSkew {
		return fmt.Errorf("%w: %v", ErrSkew, d.Round(time.Second))
	}
	sig, err := base64.StdEncoding.DecodeString(r.Header.Get(HeaderSignature))
	if err != nil || len(sig) != ed25519.SignatureSize {
		return ErrSignature
	}
	if !ed25519.Verify(pub, signingString(r.Method, r.URL.RequestURI(), s.Time, s.Body), sig) {
		return ErrSignature
	}
	return nil
}
