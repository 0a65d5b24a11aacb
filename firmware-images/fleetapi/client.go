package fleetapi

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// APIError is an error answer from the controller.
type APIError struct {
	Status  int
	Code    string
	Message string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("fleetapi: %d %s: %s", e.Status, e.Code, e.Message)
}

// Client talks to the fleet API, as a device (DeviceID and Key set) or as
// an administrator (AdminToken set, sent as a bearer token).
type Client struct {
	Base       string // https://10.0.0.2:8443
	HTTP       *http.Client
	DeviceID   string
	Key        ed25519.PrivateKey
	AdminToken string
	Now        func() time.Time
}

// PinnedHTTP returns an HTTP client that accepts only server chains whose
// root (or any) certificate has the given sha256 fingerprint: the seed file's
// CA fingerprint replaces a public CA on a hall LAN.
func PinnedHTTP(fingerprint string, timeout time.Duration) *http.Client {
	fp := strings.ToLower(strings.ReplaceAll(fingerprint, ":", ""))
	tr := &http.Transport{TLSClientConfig: &tls.Config{
		InsecureSkipVerify: true, // replaced by VerifyPeerCertificate below
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			certs := make([]*x509.Certificate, 0, len(raw))
			for _, r := range raw {
				c, err := x509.ParseCertificate(r)
				if err != nil {
					return err
				}
				certs = append(certs, c)
			}
			for i, c := range certs {
				sum := sha256.Sum256(c.Raw)
				if hex.EncodeToString(sum[:]) != fp {
					continue
				}
				// The pinned certificate must really sign the chain.
				roots := x509.NewCertPool()
				roots.AddCert(c)
				inter := x509.NewCertPool()
				for j, x := range certs {
					if j > 0 && j != i {
						inter.AddCert(x)
					}
				}
				_, err := certs[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter})
				return err
			}
			return errors.New("fleetapi: server certificate does not chain to the pinned CA")
		},
	}}
	return &http.Client{Transport: tr, Timeout: timeout}
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) httpc() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return &http.Client{Timeout: 30 * time.Second}
}

func (c *Client) newRequest(ctx context.Context, method, path string, body []byte) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.Base, "/")+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Key != nil && c.DeviceID != "" {
		Sign(req, c.DeviceID, c.Key, c.now(), body)
	}
	if c.AdminToken != "" {
		req.Header.Set("Authorization", "Bearer "+c.AdminToken)
	}
	return req, nil
}

// Do sends in as JSON (nil for none) and decodes the answer into out.
func (c *Client) Do(ctx context.Context, method, path string, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return err
		}
	}
	req, err := c.newRequest(ctx, method, path, body)
	if err != nil {
		return err
	}
	resp, err := c.httpc().Do(req)
	if err != nil {
		return fmt.Errorf("fleetapi: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("fleetapi: %s %s: %w", method, path, err)
	}
	if resp.StatusCode >= 300 {
		var eb ErrorBody
		json.Unmarshal(b, &eb)
		return &APIError{Status: resp.StatusCode, Code: eb.Error.Code, Message: eb.Error.Message}
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("fleetapi: %s %s: decode: %w", method, path, err)
		}
	}
	return nil
}

// Checkin reports status and returns the desired update.
func (c *Client) Checkin(ctx context.Context, st Status) (*CheckinResponse, error) {
	var out CheckinResponse
	return &out, c.Do(ctx, http.MethodPost, PathCheckin, st, &out)
}

// Report sends events.
func (c *Client) Report(ctx context.Context, ev []Event) error {
	return c.Do(ctx, http.MethodPost, PathReport, ReportRequest{Events: ev}, nil)
}

// Fetch opens a bundle from offset with an HTTP Range request. It returns
// the body and the total size of the file.
func (c *Client) Fetch(ctx context.Context, path string, offset int64) (io.ReadCloser, int64, error) {
	req, err := c.newRequest(ctx, http.MethodGet, path, nil)
	if err != nil {
		return nil, 0, err
	}
	if offset > 0 {
		req.Header.Set("Range", "bytes="+strconv.FormatInt(offset, 10)+"-")
	}
	resp, err := c.httpc().Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("fleetapi: fetch %s: %w", path, err)
	}
	switch {
	case offset > 0 && resp.StatusCode == http.StatusPartialContent:
		cr := resp.Header.Get("Content-Range") // bytes 100-999/1000
		var a, b, total int64
		if _, err := fmt.Sscanf(cr, "bytes %d-%d/%d", &a, &b, &total); err != nil || a != offset {
			resp.Body.Close()
			return nil, 0, fmt.Errorf("fleetapi: fetch %s: bad Content-Range %q", path, cr)
		}
		return resp.Body, total, nil
	case offset == 0 && resp.StatusCode == http.StatusOK:
		return resp.Body, resp.ContentLength, nil
	case resp.StatusCode == http.StatusOK:
		// A proxy or server that ignores Range: skip what we already have.
		if _, err := io.CopyN(io.Discard, resp.Body, offset); err != nil {
			resp.Body.Close()
			return nil, 0, fmt.Errorf("fleetapi: fetch %s: skipping %d bytes: %w", path, offset, err)
		}
		return resp.Body, resp.ContentLength, nil
	case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable:
		resp.Body.Close()
		return nil, 0, fmt.Errorf("fleetapi: fetch %s: range from %d not satisfiable", path, offset)
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	var eb ErrorBody
	json.Unmarshal(b, &eb)
	return nil, 0, &APIError{Status: resp.StatusCode, Code: eb.Error.Code, Message: eb.Error.Message}
}
