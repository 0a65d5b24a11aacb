package store

// SchemaVersion is the layout version kept under meta/schema. Open migrates
// older layouts in order; there are none yet.
const SchemaVersion = 1

// Buckets and keys. Nothing outside this file names a bucket.
var (
	// bucketMeta holds schema (8-byte big-endian version) and person_key
	// (32 random bytes keying the hash that stands in for ID numbers).
	bucketMeta   = []byte("meta")
	keySchema    = []byte("schema")
	keyPersonKey = []byte("person_key")

	// bucketEvents: 8-byte big-endian sequence number -> queue.EncodeRecord.
	// Sequence numbers are contiguous from the first kept event.
	bucketEvents = []byte("events")

	// bucketSnapshots: 8-byte big-endian sequence number -> zstd(JSON of
	// queue.Hall.Snapshot) as of that event. The newest two are kept.
	bucketSnapshots = []byte("snapshots")

	// bucketRequests: request id -> requestRecord (see request.go).
	bucketRequests = []byte("requests")
)

var allBuckets = [][]byte{bucketMeta, bucketEvents, bucketSnapshots, bucketRequests}
