package eval

// Bucket names and key layouts of the evaluation service inside the
// controller's bbolt database. Every name starts with "eval_".
var (
	// bucketMeta: "schema" -> SchemaVersion as decimal text.
	bucketMeta = []byte("eval_meta")
	// bucketRatings: 8-byte big-endian evaluation id -> hallproto.Evaluation
	// JSON. Ids grow with time, so a scan is in rating order.
	bucketRatings = []byte("eval_ratings")
	// bucketByTicket: 8-byte big-endian ticket id -> evaluation id. Ticket
	// ids are never reused, which makes this the one-rating-per-service rule.
	bucketByTicket = []byte("eval_by_ticket")
	// bucketByTime: 8-byte big-endian rated_at unix nanoseconds + 8-byte
	// evaluation id -> nothing; range scans by time.
	bucketByTime = []byte("eval_by_time")
	// bucketRequests: request id -> requestRecord JSON (idempotent POSTs).
	bucketRequests = []byte("eval_requests")
	// bucketFollowups: 8-byte big-endian follow-up id -> hallproto.Followup
	// JSON (Overdue is computed when read).
	bucketFollowups = []byte("eval_followups")
)

// SchemaVersion of the eval buckets. Migrations, when needed, go in
// migrate() in order.
const SchemaVersion = 1

var allBuckets = [][]byte{bucketMeta, bucketRatings, bucketByTicket, bucketByTime, bucketRequests, bucketFollowups}

// requestRecord is what a request id maps to: the body's fingerprint and
// the answer, sent again byte for byte to a retry.
type requestRecord struct {
	Fingerprint string `json:"fp"`
	Status      int    `json:"status"`
	Body        []byte `json:"body"`
	At          int64  `json:"at"` // unix seconds, for pruning
}

// requestTTL: request ids are remembered this long, as the API does.
const requestTTL = 24 * 3600
