package hallconfig

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"

	"gopkg.in/yaml.v3"

	"hallq/controller/internal/api"
	"hallq/controller/internal/booking"
	"hallq/controller/internal/citizen"
	"hallq/controller/internal/console"
	"hallq/controller/internal/docs"
	"hallq/controller/internal/eval"
	"hallq/controller/internal/pii"
	"hallq/controller/internal/queue"
)

//go:embed demo.yaml
var demoYAML []byte

// File is the configuration file.
type File struct {
	Hall   queue.Config `yaml:"hall"`
	Tokens []api.Token  `yaml:"tokens"`
	// Console: users, session lifetimes and texts of the management console.
	Console console.Settings `yaml:"console"`
	// Booking: appointment slots and rules; PII: the keys that seal personal
	// data at rest (controller/internal/booking, controller/internal/pii).
	Booking booking.Config `yaml:"booking"`
	PII     pii.Config     `yaml:"pii"`
	// Citizen: the phone page's public address and rate limits.
	Citizen citizen.Config `yaml:"citizen"`
	// Evaluation: reasons, follow-up deadline, rating window (eval package).
	Evaluation eval.Config `yaml:"evaluation"`
	// Documents: retention and size limits of the kiosk's document
	// camera uploads (controller/internal/docs).
	Documents docs.Config `yaml:"documents"`
}

// Demo returns the embedded demo hall.
func Demo() (*File, error) { return Parse(demoYAML) }

// DemoYAML is the embedded demo configuration, a starting point for a real hall.
func DemoYAML() []byte { return bytes.Clone(demoYAML) }

// Load reads and validates a configuration file.
func Load(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("hallconfig: %w", err)
	}
	f, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("hallconfig: %s: %w", path, err)
	}
	return f, nil
}

// Parse decodes strictly (unknown keys are errors, so a typo is not
// silently ignored), fills defaults and validates.
func Parse(b []byte) (*File, error) {
	var f File
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("hallconfig: %w", err)
	}
	f.Hall.Defaults()
	if err := f.Hall.Validate(); err != nil {
		return nil, err
	}
	if _, err := api.NewTokens(f.Tokens); err != nil {
		return nil, err
	}
	f.Console.Defaults()
	if err := f.Console.Validate(); err != nil {
		return nil, err
	}
	return &f, nil
}
