package booking

// Bucket names and key layouts of the booking package inside the
// controller's bbolt database. Every name starts with "booking_".
var (
	// bucketMeta: "schema" -> SchemaVersion as decimal text; "sealed_with" ->
	// the key id of every record after a rotation; "local_key" ->
	// a generated pii key (base64) used only when the configuration names
	// none (demo halls), with a warning in the log.
	bucketMeta = []byte("booking_meta")
	// bucketAppts: appointment id -> record JSON. Ids start with the date
	// (YYYYMMDD-), so a day is a prefix scan and the purge walks from the start.
	bucketAppts = []byte("booking_appointments")
	// bucketPersons: person hash + "|" + YYYYMMDD + "|" + id -> empty. A
	// person's bookings without scanning days (one per day, no-shows, check-in).
	bucketPersons = []byte("booking_persons")
	// bucketPending: YYYYMMDDHHMM (slot start, hall time) + "|" + id -> empty
	// for bookings still "booked"; the lapse sweep walks it in time order.
	bucketPending = []byte("booking_pending")
	// bucketRequests: request id -> requestRecord JSON (idempotent create).
	bucketRequests = []byte("booking_requests")
)

// SchemaVersion of the booking buckets.
const SchemaVersion = 1

var allBuckets = [][]byte{bucketMeta, bucketAppts, bucketPersons, bucketPending, bucketRequests}

var (
	keySchema   = []byte("schema")
	keyLocalKey = []byte("local_key")
	// keySealedWith: the key id every record is sealed with, once a sweep
	// has resealed them all after a rotation.
	keySealedWith = []byte("sealed_with")
)
