package console

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"time"

	"go.etcd.io/bbolt"

	"hallq/controller/internal/api"
)

// CookieName is the session cookie. The __Host- prefix (only over TLS)
// would pin it to the host; on a plain-HTTP hall LAN the browser refuses
// that prefix, so the name is plain and the flags do the work.
const CookieName = "hallq_session"

// CSRFHeader carries the session's CSRF token on every mutating request.
const CSRFHeader = "X-CSRF-Token"

type sessionRecord struct {
	User    string    `json:"user"`
	Role    Role      `json:"role"`
	CSRF    string    `json:"csrf"`
	Created time.Time `json:"created"`
	Seen    time.Time `json:"seen"`
	IP      string    `json:"ip"`
}

// touchEvery bounds writes for the idle clock: a session's last-seen time
// is stored at most this often.
const touchEvery = time.Minute

func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func sessionKey(id string) []byte {
	s := sha256.Sum256([]byte(id))
	return s[:]
}

func (c *Console) newSession(u User, ip string) (id string, rec sessionRecord, err error) {
	now := c.now()
	id = randomToken()
	rec = sessionRecord{User: u.Name, Role: u.Role, CSRF: randomToken(), Created: now, Seen: now, IP: ip}
	b, _ := json.Marshal(rec)
	err = c.db.Update(func(tx *bbolt.Tx) error { return tx.Bucket(bucketSessions).Put(sessionKey(id), b) })
	return id, rec, err
}

// session resolves the cookie; it ends sessions past their idle or absolute
// expiry and sessions of users no longer configured or with another role.
func (c *Console) session(r *http.Request) (sessionRecord, string, bool) {
	ck, err := r.Cookie(CookieName)
	if err != nil || len(ck.Value) < 20 || len(ck.Value) > 100 {
		return sessionRecord{}, "", false
	}
	key := sessionKey(ck.Value)
	var rec sessionRecord
	found := false
	c.db.View(func(tx *bbolt.Tx) error {
		if v := tx.Bucket(bucketSessions).Get(key); v != nil {
			found = json.Unmarshal(v, &rec) == nil
		}
		return nil
	})
	if !found {
		return rec, "", false
	}
	now := c.now()
	u, ok := c.users[rec.User]
	if !ok || u.Role != rec.Role || now.Sub(rec.Seen) > time.Duration(c.set.SessionIdle) || now.Sub(rec.Created) > time.Duration(c.set.SessionMax) {
		c.db.Update(func(tx *bbolt.Tx) error { return tx.Bucket(bucketSessions).Delete(key) })
		return rec, "", false
	}
	if now.Sub(rec.Seen) > touchEvery {
		rec.Seen = now
		b, _ := json.Marshal(rec)
		c.db.Update(func(tx *bbolt.Tx) error { return tx.Bucket(bucketSessions).Put(key, b) })
	}
	return rec, ck.Value, true
}

func (c *Console) endSession(id string) {
	c.db.Update(func(tx *bbolt.Tx) error { return tx.Bucket(bucketSessions).Delete(sessionKey(id)) })
}

// pruneSessions drops expired sessions; called on each sign-in.
func (c *Console) pruneSessions() {
	now := c.now()
	c.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketSessions)
		cur := b.Cursor()
		for k, v := cur.First(); k != nil; k, v = cur.Next() {
			var rec sessionRecord
			if json.Unmarshal(v, &rec) != nil || now.Sub(rec.Seen) > time.Duration(c.set.SessionIdle) || now.Sub(rec.Created) > time.Duration(c.set.SessionMax) {
				cur.Delete()
			}
		}
		return nil
	})
}

func mutating(r *http.Request) bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

func csrfOK(r *http.Request, rec sessionRecord) bool {
	got := r.Header.Get(CSRFHeader)
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(rec.CSRF)) == 1
}

// Authenticator maps a session cookie to an api.Principal for the JSON
// APIs. A mutating request also needs the CSRF header: without it the
// cookie is ignored (the request then fails as unauthenticated), so a form
// on another site cannot act with the manager's cookie. Mutations by
// auditors are refused the same way. Every mutating API request made with a
// session is written to the audit log.
func (c *Console) Authenticator() api.Authenticator {
	return func(r *http.Request) (api.Principal, bool) {
		rec, _, ok := c.session(r)
		if !ok {
			return api.Principal{}, false
		}
		if mutating(r) {
			if !csrfOK(r, rec) || rec.Role == RoleAuditor {
				return api.Principal{}, false
			}
			if r.Header.Get(auditedHeader) == "" {
				c.audit(AuditEntry{User: rec.User, Role: rec.Role, Action: "api", Target: r.Method + " " + r.URL.Path, IP: clientIP(r)})
			}
		}
		return api.Principal{Role: rec.Role.APIRole(), Name: rec.User}, true
	}
}

// auditedHeader marks requests the console forwards itself after writing a
// fuller audit entry, so they are not logged twice.
const auditedHeader = "X-Hallq-Console-Audited"

func (c *Console) setCookie(w http.ResponseWriter, r *http.Request, id string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: id, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil, MaxAge: maxAge})
}
