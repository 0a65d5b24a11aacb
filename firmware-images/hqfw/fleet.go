package hqfw

import (
	"flag"
	"fmt"
	"net/http"
	"strings"
	"time"

	"hallq/firmware-images/fleetapi"
)

// fleetFlags adds the controller connection flags.
func fleetFlags(e *Env, fs *flag.FlagSet) func() (*fleetapi.Client, error) {
	controller := fs.String("controller", e.Getenv("HALLQ_CONTROLLER"), "controller URL ($HALLQ_CONTROLLER)")
	token := fs.String("admin-token", e.Getenv("HALLQ_ADMIN_TOKEN"), "administrator token ($HALLQ_ADMIN_TOKEN)")
	ca := fs.String("ca-sha256", e.Getenv("HALLQ_CA_SHA256"), "pin the controller's CA by sha256 ($HALLQ_CA_SHA256)")
	return func() (*fleetapi.Client, error) {
		if *controller == "" {
			return nil, fmt.Errorf("-controller or $HALLQ_CONTROLLER is required")
		}
		c := &fleetapi.Client{Base: *controller, AdminToken: *token, HTTP: &http.Client{Timeout: 30 * time.Second}}
		if strings.HasPrefix(*controller, "https://") && *ca != "" {
			c.HTTP = fleetapi.PinnedHTTP(*ca, 30*time.Second)
		}
		return c, nil
	}
}
