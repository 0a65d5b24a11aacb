package link

// Bucket names of the kiosk's outbox database (a bbolt file of its own on
// the kiosk, e.g. /var/lib/hallq/outbox.db).
var (
	// bucketMeta: "schema" -> outboxSchema as decimal text.
	bucketMeta = []byte("link_meta")
	// bucketLeases: 8-byte big-endian lease id -> leaseRecord JSON.
	bucketLeases = []byte("link_leases")
	// bucketOutbox: 8-byte big-endian sequence -> Entry JSON, in issue order.
	bucketOutbox = []byte("link_outbox")
	// bucketRejected: 8-byte big-endian sequence -> Entry JSON of tickets the
	// controller refused for good (kept for the technician; no ID data).
	bucketRejected = []byte("link_rejected")
)

// outboxSchema is the version of the layout above.
const outboxSchema = 1

var outboxBuckets = [][]byte{bucketMeta, bucketLeases, bucketOutbox, bucketRejected}
