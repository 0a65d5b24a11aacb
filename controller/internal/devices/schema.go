package devices

// Bucket of the device status service in the controller's bbolt database.
var (
	// bucketStatus: device id -> hallproto.DeviceStatus JSON (the latest).
	bucketStatus = []byte("devices_status")
)
