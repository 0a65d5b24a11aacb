// Package devconfig holds what the device commands (kiosk, hall display,
// window terminal) share about their configuration: strict YAML decoding
// and the -config, -log-level and -check flags. Each app keeps its own
// Config type, defaults and validation.
package devconfig

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"gopkg.in/yaml.v3"
)

// Decode decodes one YAML document into v strictly: an unknown key is an
// error, so a typo in a device's file never goes unnoticed. An empty
// document leaves v as it is (the app's defaults then apply).
func Decode(b []byte, v any) error {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

// Flags are the device commands' common flags.
type Flags struct {
	Config string     // -config: the YAML file
	Check  bool       // -check: check the configuration and exit
	Level  slog.Level // -log-level
}

// ParseFlags parses args for the command name; config is the default
// configuration path and what its usage text.
func ParseFlags(name, config, what string, args []string, stderr io.Writer) (*Flags, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	f := &Flags{}
	fs.StringVar(&f.Config, "config", config, what)
	level := fs.String("log-level", "info", "debug, info, warn or error")
	fs.BoolVar(&f.Check, "check", false, "check the configuration and exit")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if err := f.Level.UnmarshalText([]byte(*level)); err != nil {
		return nil, fmt.Errorf("-log-level: %w", err)
	}
	return f, nil
}

// Logger is the JSON logger at the chosen level that the apps write to
// stderr (journald on a device).
func (f *Flags) Logger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: f.Level}))
}
