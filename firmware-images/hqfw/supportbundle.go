package hqfw

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"hallq/firmware-images/fleetapi"
	"hallq/firmware-images/support"
)

func init() {
	register("support-bundle", "collect device status, events, config and logs (personal data removed) into a .tar.gz", supportCmd)
}

func supportCmd(e *Env, args []string) error {
	fs := newFlags(e, "support-bundle")
	client := fleetFlags(e, fs)
	out := fs.String("o", "hallq-support-"+time.Now().Format("20060102-150405")+".tar.gz", "output file")
	maxLog := fs.Int64("max-log", 4<<20, "bytes kept from the end of each log")
	var logs, configs listFlag
	fs.Var(&logs, "log", "log file to include, repeatable (e.g. exported journal)")
	fs.Var(&configs, "config", "configuration file to include, repeatable")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var files []support.File
	if c, err := client(); err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		var devs []fleetapi.Device
		if err := c.Do(ctx, "GET", fleetapi.PathDevices, nil, &devs); err != nil {
			files = append(files, support.File{Name: "errors.txt", Data: []byte("devices: " + err.Error() + "\n")})
		} else {
			b, _ := json.MarshalIndent(devs, "", "  ")
			files = append(files, support.File{Name: "devices.json", Data: b})
			for _, d := range devs {
				var evs []fleetapi.Event
				if err := c.Do(ctx, "GET", fleetapi.PathDevices+"/"+d.ID+"/events", nil, &evs); err == nil {
					b, _ := json.MarshalIndent(evs, "", "  ")
					files = append(files, support.File{Name: "events/" + d.ID + ".json", Data: b})
				}
			}
		}
		var bundles []fleetapi.BundleInfo
		if err := c.Do(ctx, "GET", fleetapi.PathBundleLs, nil, &bundles); err == nil {
			b, _ := json.MarshalIndent(bundles, "", "  ")
			files = append(files, support.File{Name: "bundles.json", Data: b})
		}
	}
	for _, cfg := range configs {
		b, err := os.ReadFile(cfg)
		if err != nil {
			b = []byte("unreadable: " + err.Error())
		}
		files = append(files, support.File{Name: "config/" + cfg, Data: b})
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	if err := support.Write(f, files, logs, *maxLog, time.Now()); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "%s: %d files and %d logs, personal data masked\n", *out, len(files), len(logs))
	return nil
}
