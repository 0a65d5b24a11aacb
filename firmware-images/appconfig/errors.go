package appconfig

import "errors"

// Errors of Render.
var (
	// ErrTemplate: the baked template is not a YAML mapping.
	ErrTemplate = errors.New("appconfig: bad template")
	// ErrField: Set names an identity field that does not exist.
	ErrField = errors.New("appconfig: unknown identity field")
	// ErrKey: a key path is empty, malformed or runs through a scalar.
	ErrKey = errors.New("appconfig: bad key path")
)
