package idcard

import "image"

// PhotoDecoder turns the 1024 raw WLT bytes of a card photo into an image.
// WLT decoding needs the licensed vendor library, for which no pure-Go
// implementation exists, so the driver only ever stores the raw bytes and a
// deployment that has a licensed decoder plugs it in here (for example over
// a local socket to a vendor daemon). idcardtest.FakePhotoDecoder stands in
// for tests and demos.
type PhotoDecoder interface {
	DecodePhoto(wlt []byte) (image.Image, error)
}
