package console

// Bucket names of the console inside the controller's bbolt database. Every
// name starts with "console_" so it never collides with other packages.
var (
	// bucketSessions: sha256(session id) -> sessionRecord JSON. Only the
	// hash is stored, so a copy of the database yields no usable cookie.
	bucketSessions = []byte("console_sessions")
	// bucketAudit: 8-byte big-endian sequence -> AuditEntry JSON.
	bucketAudit = []byte("console_audit")
	// bucketVersions: 8-byte big-endian version -> Version JSON.
	bucketVersions = []byte("console_versions")
	// bucketMeta: "schema" -> SchemaVersion as decimal text.
	bucketMeta = []byte("console_meta")
)

// SchemaVersion of the console buckets.
const SchemaVersion = 1

var allBuckets = [][]byte{bucketSessions, bucketAudit, bucketVersions, bucketMeta}

// maxAudit bounds the audit log; the oldest entries go first.
const maxAudit = 200000
