package hqfw

import (
	"context"
	"fmt"
	"strings"
	"time"

	"hallq/firmware-images/fleetapi"
)

func init() {
	register("token", "create a one-time enrolment token for a device role and its settings", tokenCmd)
}

func tokenCmd(e *Env, args []string) error {
	fs := newFlags(e, "token")
	client := fleetFlags(e, fs)
	role := fs.String("role", "", "kiosk, window, display or controller")
	window := fs.Int("window", 0, "window number (window terminals)")
	ttl := fs.Duration("ttl", 7*24*time.Hour, "validity")
	note := fs.String("note", "", "note for the device list")
	var ports, extra listFlag
	fs.Var(&ports, "port", "FUNCTION=/dev/serial/by-id/..., repeatable (idcard, printer, ledsign, keypad)")
	fs.Var(&extra, "extra", "KEY=VALUE, repeatable: further settings for the app (token=... is the app's API bearer token)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := required(fs, "role"); err != nil {
		return err
	}
	c, err := client()
	if err != nil {
		return err
	}
	req := fleetapi.TokenRequest{Role: *role, Settings: fleetapi.Settings{Window: *window}, TTLSeconds: int64(ttl.Seconds()), Note: *note}
	for _, p := range ports {
		fn, path, ok := strings.Cut(p, "=")
		if !ok {
			return fmt.Errorf("-port %q: want FUNCTION=PATH", p)
		}
		if req.Settings.Ports == nil {
			req.Settings.Ports = map[string]string{}
		}
		req.Settings.Ports[fn] = path
	}
	for _, x := range extra {
		k, v, ok := strings.Cut(x, "=")
		if !ok || k == "" {
			return fmt.Errorf("-extra %q: want KEY=VALUE", x)
		}
		if req.Settings.Extra == nil {
			req.Settings.Extra = map[string]string{}
		}
		req.Settings.Extra[k] = v
	}
	var resp fleetapi.TokenResponse
	if err := c.Do(context.Background(), "POST", fleetapi.PathTokens, req, &resp); err != nil {
		return err
	}
	fmt.Fprintln(e.Stdout, resp.Token)
	fmt.Fprintf(e.Stderr, "role %s, valid until %s; use once with 'hqfw seed -token ...'\n", resp.Role, resp.Expires.Local().Format(time.RFC3339))
	return nil
}
