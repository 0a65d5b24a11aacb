package hqfw

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"hallq/firmware-images/fleetapi"
)

func init() {
	register("devices", "list devices known to the controller: version, slot, health, last contact", devicesCmd)
}

func devicesCmd(e *Env, args []string) error {
	fs := newFlags(e, "devices")
	client := fleetFlags(e, fs)
	role := fs.String("role", "", "only this role")
	if err := fs.Parse(args); err != nil {
		return err
	}
	c, err := client()
	if err != nil {
		return err
	}
	path := fleetapi.PathDevices
	if *role != "" {
		path += "?role=" + url.QueryEscape(*role)
	}
	var devs []fleetapi.Device
	if err := c.Do(context.Background(), "GET", path, nil, &devs); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tROLE\tHOST\tVERSION\tSLOT\tHEALTH\tSTATE\tLAST CONTACT\tDESIRED\tFAILED")
	for _, d := range devs {
		ago := "never"
		if !d.LastContact.IsZero() {
			ago = time.Since(d.LastContact).Round(time.Second).String() + " ago"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", d.ID, d.Role, d.Hostname, d.Status.Version, d.Status.Slot,
			d.Status.Health, d.Status.State, ago, d.Desired, strings.Join(d.Failed, ","))
	}
	return tw.Flush()
}
