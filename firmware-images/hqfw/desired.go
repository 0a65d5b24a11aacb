package hqfw

import (
	"context"
	"fmt"

	"hallq/firmware-images/fleetapi"
)

func init() {
	register("desired", "set the desired bundle for a role or one device (empty -bundle clears it)", desiredCmd)
}

func desiredCmd(e *Env, args []string) error {
	fs := newFlags(e, "desired")
	client := fleetFlags(e, fs)
	role := fs.String("role", "", "role")
	device := fs.String("device", "", "device id (overrides its role)")
	b := fs.String("bundle", "", "bundle file name in the controller's bundle directory")
	if err := fs.Parse(args); err != nil {
		return err
	}
	c, err := client()
	if err != nil {
		return err
	}
	var resp fleetapi.DesiredResponse
	if err := c.Do(context.Background(), "PUT", fleetapi.PathDesired, fleetapi.DesiredRequest{Role: *role, Device: *device, Bundle: *b}, &resp); err != nil {
		return err
	}
	who := "role " + resp.Role
	if resp.Device != "" {
		who = "device " + resp.Device
	}
	if resp.Bundle == "" {
		fmt.Fprintf(e.Stdout, "%s: desired version cleared\n", who)
		return nil
	}
	fmt.Fprintf(e.Stdout, "%s: desired %s %s (%s)\n", who, resp.Product, resp.Version, resp.Bundle)
	return nil
}
