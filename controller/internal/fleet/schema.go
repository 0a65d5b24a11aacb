package fleet

// Bucket names and key layouts of the fleet service inside the controller's
// bbolt database. Every name starts with "fleet_" so the fleet never
// collides with the controller's own buckets.
var (
	// bucketMeta: "schema" -> SchemaVersion as decimal text.
	bucketMeta = []byte("fleet_meta")
	// bucketTokens: sha256(token) hex -> tokenRecord JSON. Only the hash is
	// stored, so a copy of the database does not yield usable tokens.
	bucketTokens = []byte("fleet_tokens")
	// bucketDevices: device id -> deviceRecord JSON.
	bucketDevices = []byte("fleet_devices")
	// bucketEvents: device id + 0x00 + 8-byte big-endian seq -> fleetapi.Event JSON.
	bucketEvents = []byte("fleet_events")
	// bucketDesired: "role:<role>" or "device:<id>" -> desiredRecord JSON.
	bucketDesired = []byte("fleet_desired")
)

// SchemaVersion of the fleet buckets. Migrations, when needed, go in
// migrate() in order.
const SchemaVersion = 1

var allBuckets = [][]byte{bucketMeta, bucketTokens, bucketDevices, bucketEvents, bucketDesired}

// maxEventsPerDevice bounds the event history kept per device.
const maxEventsPerDevice = 500
