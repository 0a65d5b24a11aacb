package camera

// NewWithSource exposes newDev to the external tests, which need
// cameratest fixtures (an internal test would be an import cycle).
func NewWithSource(src interface {
	StartStreaming() error
	StopStreaming() error
	WaitForFrame(uint32) error
	GetFrame() ([]byte, uint32, error)
	ReleaseFrame(uint32) error
	Close() error
}, o *Opts) *Dev {
	return newDev(src, "test", normalise(o))
}

var PickSize = pickSize
