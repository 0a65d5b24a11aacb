package agent

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"hallq/firmware-images/fleetapi"
)

// State names a step of the state machine.
type State string

// States.
const (
	Idle        State = "idle"
	Downloading State = "downloading"
	Installing  State = "installing"
	Armed       State = "armed"
	Rebooting   State = "rebooting"
	Trial       State = "trial"
)

// Target is the update in progress.
type Target struct {
	Version string `json:"version"`
	Epoch   uint32 `json:"security_epoch"`
	Slot    string `json:"slot"`
	// URL is the bundle's path on the controller; Local a bundle file on
	// this device (USB stick, local push). Exactly one is set.
	URL   string `json:"url,omitempty"`
	Local string `json:"local,omitempty"`
	Size  int64  `json:"size,omitempty"`
	// HealthFailures counts failed health checks in trial boots.
	HealthFailures int `json:"health_failures,omitempty"`
}

// Persisted is the state file.
type Persisted struct {
	State     State  `json:"state"`
	Version   string `json:"version"` // committed
	Epoch     uint32 `json:"security_epoch"`
	Slot      string `json:"slot"` // committed
	Target    *Target
	Failed    []string         `json:"failed_versions,omitempty"`
	Outbox    []fleetapi.Event `json:"outbox,omitempty"`
	Seq       int64            `json:"seq"`
	LastError string           `json:"last_error,omitempty"`
}

const stateFile = "state.json"

func loadState(dir string) (*Persisted, error) {
	b, err := os.ReadFile(filepath.Join(dir, stateFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("agent: read state: %w", err)
	}
	var p Persisted
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrState, err)
	}
	return &p, nil
}

// saveState writes the state durably: a crash leaves either the old or the
// new file, never a torn one.
func saveState(dir string, p *Persisted) error {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, stateFile+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("agent: save state: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("agent: save state: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("agent: save state: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("agent: save state: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, stateFile)); err != nil {
		return fmt.Errorf("agent: save state: %w", err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
