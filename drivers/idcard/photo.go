package idcard

import (
	"fmt"
	"image"
)

// PhotoDecoder turns the 1024 raw WLT bytes of a card photo into an image.
// WLT decoding needs the licensed vendor library, for which no pure-Go
// implementation exists, so the driver only ever stores the raw bytes and a
// deployment that has a licensed decoder plugs it in here (for example over
// a local socket to a vendor daemon). idcardtest.FakePhotoDecoder stands in
// for tests and demos.
type PhotoDecoder interface {
	DecodePhoto(wlt []byte) (image.Image, error)
}

// DecodePhoto decodes the card photo with dec. It fails cleanly when the
// card had no photo or no decoder is configured.
func (id *Identity) DecodePhoto(dec PhotoDecoder) (image.Image, error) {
	if dec == nil {
		return nil, ErrNoDecoder
	}
	if len(id.Photo) == 0 {
		return nil, fmt.Errorf("%w: no photo", ErrNoContent)
	}
	img, err := dec.DecodePhoto(id.Photo)
	if err != nil {
		return nil, fmt.Errorf("idcard: photo: %w", err)
	}
	return img, nil
}
