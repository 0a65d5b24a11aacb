package docs

// Bucket names and key layouts of the document store inside the
// controller's bbolt database. Every name starts with "docs_".
var (
	// bucketMeta: "schema" -> SchemaVersion as decimal text; "purged" ->
	// the last purge time (RFC 3339).
	bucketMeta = []byte("docs_meta")
	// bucketDocs: 8-byte big-endian document id -> record JSON.
	bucketDocs = []byte("docs_docs")
	// bucketPages: document id (8 bytes) + page number (2 bytes, from 1)
	// -> the JPEG.
	bucketPages = []byte("docs_pages")
	// bucketByTicket: ticket id (8) + document id (8) -> empty.
	bucketByTicket = []byte("docs_by_ticket")
	// bucketByPerson: person hash (32 hex characters, the same keyed hash
	// the queue uses for duplicate protection) + document id (8) -> empty.
	bucketByPerson = []byte("docs_by_person")
	// bucketRequests: request id -> requestRecord JSON (idempotent retries),
	// purged with the documents.
	bucketRequests = []byte("docs_requests")
)

// SchemaVersion of the docs buckets.
const SchemaVersion = 1

var allBuckets = [][]byte{bucketMeta, bucketDocs, bucketPages, bucketByTicket, bucketByPerson, bucketRequests}
