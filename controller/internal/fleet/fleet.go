// Package fleet is the hall controller's side of device management: one-time
// enrolment tokens, device enrolment, signed device check-ins and update
// reports, the admin's device list and desired versions, and serving signed
// update bundles (with HTTP Range, for resumable downloads) from a directory.
// It stores its state in the controller's bbolt database, in buckets of its
// own (schema.go), and serves everything under /api/v1/fleet/.
package fleet

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.etcd.io/bbolt"

	"hallq/firmware-images/bundle"
	"hallq/firmware-images/fleetapi"
)

// Service is the fleet API.
type Service struct {
	db      *bbolt.DB
	now     func() time.Time
	adminOK func(*http.Request) bool

	mu        sync.RWMutex
	bundleDir string
}

type tokenRecord struct {
	Role     string            `json:"role"`
	Settings fleetapi.Settings `json:"settings"`
	Created  time.Time         `json:"created"`
	Expires  time.Time         `json:"expires"`
	Note     string            `json:"note,omitempty"`
	UsedBy   string            `json:"used_by,omitempty"`
	UsedAt   time.Time         `json:"used_at,omitzero"`
}

type deviceRecord struct {
	fleetapi.Device
	PublicKey string `json:"public_key"`
	LastTime  int64  `json:"last_time"` // last signed request time, for replay protection
	Seq       int64  `json:"seq"`       // highest event seq stored
}

type desiredRecord struct {
	Bundle  string `json:"bundle"`
	Version string `json:"version"`
	Product string `json:"product"`
	Size    int64  `json:"size"`
}

// New opens the fleet service on the controller's database, creating its
// buckets. adminOK decides whether a request carries administrator rights.
func New(db *bbolt.DB, now func() time.Time, adminOK func(*http.Request) bool) (*Service, error) {
	if now == nil {
		now = time.Now
	}
	err := db.Update(func(tx *bbolt.Tx) error {
		for _, b := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bucketMeta)
		if v := meta.Get([]byte("schema")); v != nil {
			n, _ := strconv.Atoi(string(v))
			if n > SchemaVersion {
				return fmt.Errorf("fleet: database schema %d is newer than this controller (%d)", n, SchemaVersion)
			}
		}
		return meta.Put([]byte("schema"), []byte(strconv.Itoa(SchemaVersion)))
	})
	if err != nil {
		return nil, fmt.Errorf("fleet: init: %w", err)
	}
	return &Service{db: db, now: now, adminOK: adminOK}, nil
}

// SetBundleDir sets the directory bundles are served from.
func (s *Service) SetBundleDir(dir string) {
	s.mu.Lock()
	s.bundleDir = dir
	s.mu.Unlock()
}

func (s *Service) dir() string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.bundleDir
}

// Handler serves /api/v1/fleet/.
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+fleetapi.PathTokens, s.admin(s.createToken))
	mux.HandleFunc("POST "+fleetapi.PathEnrol, s.enrol)
	mux.HandleFunc("POST "+fleetapi.PathCheckin, s.device(s.checkin))
	mux.HandleFunc("POST "+fleetapi.PathReport, s.device(s.report))
	mux.HandleFunc("GET "+fleetapi.PathDevices, s.admin(s.listDevices))
	mux.HandleFunc("GET "+fleetapi.PathDevices+"/{id}/events", s.admin(s.listEvents))
	mux.HandleFunc("PUT "+fleetapi.PathDesired, s.admin(s.setDesired))
	mux.HandleFunc("GET "+fleetapi.PathBundleLs, s.admin(s.listBundles))
	mux.HandleFunc("GET "+fleetapi.PathBundles+"{file}", s.serveBundle)
	mux.HandleFunc(fleetapi.Prefix, func(w http.ResponseWriter, r *http.Request) {
		writeErr(w, http.StatusNotFound, fleetapi.CodeNotFound, "no such fleet route or method: "+r.Method+" "+r.URL.Path)
	})
	return mux
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeErr(w http.ResponseWriter, status int, code, msg string) {
	var e fleetapi.ErrorBody
	e.Error.Code, e.Error.Message = code, msg
	writeJSON(w, status, e)
}

func (s *Service) admin(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.adminOK == nil || !s.adminOK(r) {
			writeErr(w, http.StatusUnauthorized, fleetapi.CodeUnauthorized, "administrator credentials required")
			return
		}
		h(w, r)
	}
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeErr(w, http.StatusBadRequest, fleetapi.CodeBadRequest, "malformed JSON body: "+err.Error())
		return false
	}
	return true
}

func randomString(prefix string, n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

func tokenKey(tok string) []byte {
	h := sha256.Sum256([]byte(tok))
	return []byte(hex.EncodeToString(h[:]))
}

var portFnRE = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)

func validSettings(st fleetapi.Settings) error {
	if st.Window < 0 || st.Window > 999 {
		return fmt.Errorf("window %d out of range", st.Window)
	}
	for fn, p := range st.Ports {
		if !portFnRE.MatchString(fn) {
			return fmt.Errorf("port function %q", fn)
		}
		if !strings.HasPrefix(p, "/dev/serial/by-id/") && !strings.HasPrefix(p, "/dev/serial/by-path/") && !strings.HasPrefix(p, "/dev/hallq/") {
			return fmt.Errorf("port %s=%q: use a stable /dev/serial/by-id path", fn, p)
		}
	}
	return nil
}

func (s *Service) createToken(w http.ResponseWriter, r *http.Request) {
	var req fleetapi.TokenRequest
	if !decode(w, r, &req) {
		return
	}
	if !fleetapi.ValidRole(req.Role) {
		writeErr(w, http.StatusBadRequest, fleetapi.CodeBadRequest, fmt.Sprintf("unknown role %q", req.Role))
		return
	}
	if err := validSettings(req.Settings); err != nil {
		writeErr(w, http.StatusBadRequest, fleetapi.CodeBadRequest, err.Error())
		return
	}
	ttl := time.Duration(req.TTLSeconds) * time.Second
	if ttl <= 0 {
		ttl = 7 * 24 * time.Hour
	}
	if ttl > 90*24*time.Hour {
		writeErr(w, http.StatusBadRequest, fleetapi.CodeBadRequest, "ttl longer than 90 days")
		return
	}
	tok := randomString("hq_", 24)
	now := s.now().UTC()
	rec := tokenRecord{Role: req.Role, Settings: req.Settings, Created: now, Expires: now.Add(ttl), Note: req.Note}
	err := s.db.Update(func(tx *bbolt.Tx) error {
		b, _ := json.Marshal(rec)
		return tx.Bucket(bucketTokens).Put(tokenKey(tok), b)
	})
	if err != nil {
		writeErr(w, http.StatusInternalServerError, fleetapi.CodeInternal, err.Error())
		return
	}
	writeJSON(w, http.StatusCreated, fleetapi.TokenResponse{Token: tok, Role: req.Role, Expires: rec.Expires})
}

type apiErr struct {
	status     int
	code, text string
}

func (e *apiErr) Error() string { return e.text }

func (s *Service) enrol(w http.ResponseWriter, r *http.Request) {
	var req fleetapi.EnrolRequest
	if !decode(w, r, &req) {
		return
	}
	pub, err := base64.StdEncoding.DecodeString(req.PublicKey)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		writeErr(w, http.StatusBadRequest, fleetapi.CodeBadRequest, "public_key must be a base64 ed25519 key")
		return
	}
	if len(req.Hostname) > 64 || len(req.Board) > 64 || len(req.Product) > 64 || len(req.Version) > 32 {
		writeErr(w, http.StatusBadRequest, fleetapi.CodeBadRequest, "field too long")
		return
	}
	now := s.now().UTC()
	var resp fleetapi.EnrolResponse
	err = s.db.Update(func(tx *bbolt.Tx) error {
		tb := tx.Bucket(bucketTokens)
		raw := tb.Get(tokenKey(req.Token))
		if raw == nil {
			return &apiErr{http.StatusUnauthorized, fleetapi.CodeUnauthorized, "unknown enrolment token"}
		}
		var tr tokenRecord
		if err := json.Unmarshal(raw, &tr); err != nil {
			return err
		}
		if tr.UsedBy != "" {
			return &apiErr{http.StatusConflict, fleetapi.CodeTokenUsed, "enrolment token already used by " + tr.UsedBy}
		}
		if now.After(tr.Expires) {
			return &apiErr{http.StatusGone, fleetapi.CodeTokenExpired, "enrolment token expired at " + tr.Expires.Format(time.RFC3339)}
		}
		id := "dev-" + hex.EncodeToString(randBytes(6))
		dev := deviceRecord{Device: fleetapi.Device{ID: id, Role: tr.Role, Hostname: req.Hostname, Board: req.Board, Product: req.Product,
			Settings: tr.Settings, Enrolled: now, LastContact: now, Status: fleetapi.Status{Version: req.Version}}, PublicKey: req.PublicKey}
		tr.UsedBy, tr.UsedAt = id, now
		tb2, _ := json.Marshal(tr)
		if err := tb.Put(tokenKey(req.Token), tb2); err != nil {
			return err
		}
		db, _ := json.Marshal(dev)
		resp = fleetapi.EnrolResponse{DeviceID: id, Role: tr.Role, Settings: tr.Settings}
		return tx.Bucket(bucketDevices).Put([]byte(id), db)
	})
	if !s.fail(w, err) {
		writeJSON(w, http.StatusCreated, resp)
	}
}

func randBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// fail writes err as a JSON error and reports whether there was one.
func (s *Service) fail(w http.ResponseWriter, err error) bool {
	if err == nil {
		return false
	}
	var ae *apiErr
	if errors.As(err, &ae) {
		writeErr(w, ae.status, ae.code, ae.text)
	} else {
		writeErr(w, http.StatusInternalServerError, fleetapi.CodeInternal, err.Error())
	}
	return true
}

// authDevice verifies a signed request inside tx and returns the device,
// updating its replay counter and last contact.
func (s *Service) authDevice(tx *bbolt.Tx, r *http.Request, sr *fleetapi.Signed) (*deviceRecord, error) {
	raw := tx.Bucket(bucketDevices).Get([]byte(sr.DeviceID))
	if raw == nil {
		return nil, &apiErr{http.StatusUnauthorized, fleetapi.CodeUnauthorized, "unknown device"}
	}
	var dev deviceRecord
	if err := json.Unmarshal(raw, &dev); err != nil {
		return nil, err
	}
	pub, _ := base64.StdEncoding.DecodeString(dev.PublicKey)
	if err := sr.Verify(r, ed25519.PublicKey(pub), s.now()); err != nil {
		return nil, &apiErr{http.StatusUnauthorized, fleetapi.CodeUnauthorized, err.Error()}
	}
	if sr.Time <= dev.LastTime {
		return nil, &apiErr{http.StatusUnauthorized, fleetapi.CodeUnauthorized, "replayed or reordered request"}
	}
	dev.LastTime = sr.Time
	dev.LastContact = s.now().UTC()
	return &dev, nil
}

func putDevice(tx *bbolt.Tx, d *deviceRecord) error {
	b, err := json.Marshal(d)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketDevices).Put([]byte(d.ID), b)
}

type deviceHandler func(tx *bbolt.Tx, dev *deviceRecord, body []byte) (any, error)

func (s *Service) device(h deviceHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sr, err := fleetapi.ReadSigned(r, 4<<20)
		if err != nil {
			writeErr(w, http.StatusUnauthorized, fleetapi.CodeUnauthorized, err.Error())
			return
		}
		var out any
		err = s.db.Update(func(tx *bbolt.Tx) error {
			dev, err := s.authDevice(tx, r, sr)
			if err != nil {
				return err
			}
			if out, err = h(tx, dev, sr.Body); err != nil {
				return err
			}
			return putDevice(tx, dev)
		})
		if !s.fail(w, err) {
			writeJSON(w, http.StatusOK, out)
		}
	}
}

func strictJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &apiErr{http.StatusBadRequest, fleetapi.CodeBadRequest, "malformed JSON body: " + err.Error()}
	}
	return nil
}

func (s *Service) checkin(tx *bbolt.Tx, dev *deviceRecord, body []byte) (any, error) {
	var st fleetapi.Status
	if err := strictJSON(body, &st); err != nil {
		return nil, err
	}
	dev.Status = st
	resp := fleetapi.CheckinResponse{Role: dev.Role, Settings: dev.Settings}
	d := desiredFor(tx, dev)
	if d != nil {
		dev.Desired = d.Version
		if d.Product == "" || dev.Product == "" || d.Product == dev.Product {
			resp.Desired = &fleetapi.Desired{Version: d.Version, URL: fleetapi.PathBundles + d.Bundle, Size: d.Size}
		}
	} else {
		dev.Desired = ""
	}
	return resp, nil
}

func desiredFor(tx *bbolt.Tx, dev *deviceRecord) *desiredRecord {
	b := tx.Bucket(bucketDesired)
	for _, k := range []string{"device:" + dev.ID, "role:" + dev.Role} {
		if raw := b.Get([]byte(k)); raw != nil {
			var d desiredRecord
			if json.Unmarshal(raw, &d) == nil {
				return &d
			}
		}
	}
	return nil
}

func eventKey(id string, seq int64) []byte {
	k := append([]byte(id), 0)
	return binary.BigEndian.AppendUint64(k, uint64(seq))
}

func (s *Service) report(tx *bbolt.Tx, dev *deviceRecord, body []byte) (any, error) {
	var req fleetapi.ReportRequest
	if err := strictJSON(body, &req); err != nil {
		return nil, err
	}
	if len(req.Events) > 500 {
		return nil, &apiErr{http.StatusBadRequest, fleetapi.CodeBadRequest, "more than 500 events"}
	}
	eb := tx.Bucket(bucketEvents)
	for _, ev := range req.Events {
		// Resent outboxes are idempotent: events at or below the stored seq are skipped.
		if ev.Seq <= dev.Seq {
			continue
		}
		dev.Seq = ev.Seq
		if len(ev.Detail) > 2000 {
			ev.Detail = ev.Detail[:2000]
		}
		b, _ := json.Marshal(ev)
		if err := eb.Put(eventKey(dev.ID, ev.Seq), b); err != nil {
			return nil, err
		}
		e := ev
		dev.LastEvent = &e
		if !ev.OK && (ev.Step == fleetapi.StepRollback || ev.Step == fleetapi.StepRefused) && ev.Version != "" && !contains(dev.Failed, ev.Version) {
			dev.Failed = append(dev.Failed, ev.Version)
		}
	}
	// Keep the newest maxEventsPerDevice events.
	c := eb.Cursor()
	prefix := append([]byte(dev.ID), 0)
	var keys [][]byte
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		keys = append(keys, bytes.Clone(k))
	}
	for i := 0; i < len(keys)-maxEventsPerDevice; i++ {
		if err := eb.Delete(keys[i]); err != nil {
			return nil, err
		}
	}
	return map[string]int64{"acked_seq": dev.Seq}, nil
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func (s *Service) listDevices(w http.ResponseWriter, r *http.Request) {
	var out []fleetapi.Device
	err := s.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketDevices).ForEach(func(k, v []byte) error {
			var d deviceRecord
			if err := json.Unmarshal(v, &d); err != nil {
				return err
			}
			if dr := desiredFor(tx, &d); dr != nil {
				d.Desired = dr.Version
			}
			out = append(out, d.Device)
			return nil
		})
	})
	if s.fail(w, err) {
		return
	}
	if role := r.URL.Query().Get("role"); role != "" {
		kept := out[:0]
		for _, d := range out {
			if d.Role == role {
				kept = append(kept, d)
			}
		}
		out = kept
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	if out == nil {
		out = []fleetapi.Device{}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Service) listEvents(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	out := []fleetapi.Event{}
	err := s.db.View(func(tx *bbolt.Tx) error {
		if tx.Bucket(bucketDevices).Get([]byte(id)) == nil {
			return &apiErr{http.StatusNotFound, fleetapi.CodeNotFound, "no device " + id}
		}
		c := tx.Bucket(bucketEvents).Cursor()
		prefix := append([]byte(id), 0)
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var ev fleetapi.Event
			if err := json.Unmarshal(v, &ev); err != nil {
				return err
			}
			out = append(out, ev)
		}
		return nil
	})
	if !s.fail(w, err) {
		writeJSON(w, http.StatusOK, out)
	}
}

var fileRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

func (s *Service) bundlePath(name string) (string, error) {
	dir := s.dir()
	if dir == "" {
		return "", &apiErr{http.StatusNotFound, fleetapi.CodeNotFound, "the controller has no bundle directory"}
	}
	if !fileRE.MatchString(name) {
		return "", &apiErr{http.StatusBadRequest, fleetapi.CodeBadRequest, "bad bundle file name"}
	}
	return filepath.Join(dir, name), nil
}

func (s *Service) bundleInfo(name string) (fleetapi.BundleInfo, error) {
	p, err := s.bundlePath(name)
	if err != nil {
		return fleetapi.BundleInfo{}, err
	}
	f, err := os.Open(p)
	if err != nil {
		return fleetapi.BundleInfo{}, &apiErr{http.StatusNotFound, fleetapi.CodeNotFound, "no bundle " + name}
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fleetapi.BundleInfo{}, err
	}
	m, err := bundle.ReadManifest(f)
	if err != nil {
		return fleetapi.BundleInfo{}, &apiErr{http.StatusBadRequest, fleetapi.CodeBadRequest, name + ": " + err.Error()}
	}
	return fleetapi.BundleInfo{File: name, Size: fi.Size(), Product: m.Product, Version: m.Version}, nil
}

func (s *Service) setDesired(w http.ResponseWriter, r *http.Request) {
	var req fleetapi.DesiredRequest
	if !decode(w, r, &req) {
		return
	}
	if (req.Role == "") == (req.Device == "") {
		writeErr(w, http.StatusBadRequest, fleetapi.CodeBadRequest, "give exactly one of role or device")
		return
	}
	if req.Role != "" && !fleetapi.ValidRole(req.Role) {
		writeErr(w, http.StatusBadRequest, fleetapi.CodeBadRequest, fmt.Sprintf("unknown role %q", req.Role))
		return
	}
	key := "role:" + req.Role
	if req.Device != "" {
		key = "device:" + req.Device
	}
	resp := fleetapi.DesiredResponse{Role: req.Role, Device: req.Device, Bundle: req.Bundle}
	var rec *desiredRecord
	if req.Bundle != "" {
		info, err := s.bundleInfo(req.Bundle)
		if s.fail(w, err) {
			return
		}
		rec = &desiredRecord{Bundle: req.Bundle, Version: info.Version, Product: info.Product, Size: info.Size}
		resp.Version, resp.Product = info.Version, info.Product
	}
	err := s.db.Update(func(tx *bbolt.Tx) error {
		if req.Device != "" && tx.Bucket(bucketDevices).Get([]byte(req.Device)) == nil {
			return &apiErr{http.StatusNotFound, fleetapi.CodeNotFound, "no device " + req.Device}
		}
		b := tx.Bucket(bucketDesired)
		if rec == nil {
			return b.Delete([]byte(key))
		}
		v, _ := json.Marshal(rec)
		return b.Put([]byte(key), v)
	})
	if !s.fail(w, err) {
		writeJSON(w, http.StatusOK, resp)
	}
}

func (s *Service) listBundles(w http.ResponseWriter, r *http.Request) {
	dir := s.dir()
	out := []fleetapi.BundleInfo{}
	if dir != "" {
		des, _ := os.ReadDir(dir)
		for _, d := range des {
			if d.Type().IsRegular() {
				if info, err := s.bundleInfo(d.Name()); err == nil {
					out = append(out, info)
				}
			}
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// serveBundle serves a bundle file to an administrator or a signed device,
// with Range support from http.ServeContent.
func (s *Service) serveBundle(w http.ResponseWriter, r *http.Request) {
	if s.adminOK == nil || !s.adminOK(r) {
		sr, err := fleetapi.ReadSigned(r, 0)
		if err != nil {
			writeErr(w, http.StatusUnauthorized, fleetapi.CodeUnauthorized, err.Error())
			return
		}
		err = s.db.Update(func(tx *bbolt.Tx) error {
			dev, err := s.authDevice(tx, r, sr)
			if err != nil {
				return err
			}
			return putDevice(tx, dev)
		})
		if s.fail(w, err) {
			return
		}
	}
	p, err := s.bundlePath(r.PathValue("file"))
	if s.fail(w, err) {
		return
	}
	f, err := os.Open(p)
	if err != nil {
		writeErr(w, http.StatusNotFound, fleetapi.CodeNotFound, "no bundle "+r.PathValue("file"))
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		writeErr(w, http.StatusNotFound, fleetapi.CodeNotFound, "no bundle "+r.PathValue("file"))
		return
	}
	w.Header().Set("Content-Type", "application/x-hallq-bundle")
	http.ServeContent(w, r, fi.Name(), fi.ModTime(), f)
}
