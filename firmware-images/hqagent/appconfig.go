package hqagent

import (
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"strings"

	"hallq/firmware-images/appconfig"
)

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// appConfigMain renders the app's configuration before it starts
// (ExecStartPre of hallq-app.service). It fails only when the template or
// the flags are broken: an unreadable identity falls back to the template
// so the app still comes up and shows that it is not connected.
func appConfigMain(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("hqagent app-config", flag.ContinueOnError)
	fs.SetOutput(stderr)
	tmpl := fs.String("template", "", "configuration template baked into the image")
	out := fs.String("o", "", "rendered configuration (under /run)")
	ident := fs.String("identity", "/data/hallq/identity.json", "identity received at enrolment")
	var set, optional multiFlag
	fs.Var(&set, "set", "KEY=FIELD: set the config key from an identity field (repeatable)")
	fs.Var(&optional, "optional", "KEY: a device path cleared when it does not exist (repeatable, or comma-separated)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	lg := log.New(stderr, "", 0)
	if *tmpl == "" || *out == "" {
		lg.Print("hqagent app-config: -template and -o are required")
		return 2
	}
	if err := renderAppConfig(*tmpl, *out, *ident, set, optional, lg); err != nil {
		lg.Printf("hqagent app-config: %v", err)
		return 1
	}
	return 0
}

func renderAppConfig(tmpl, out, ident string, set, optional []string, lg *log.Logger) error {
	t, err := os.ReadFile(tmpl)
	if err != nil {
		return err
	}
	m, err := appconfig.ParseSet(set)
	if err != nil {
		return err
	}
	var opt []string
	for _, o := range optional {
		for _, k := range strings.Split(o, ",") {
			if k = strings.TrimSpace(k); k != "" {
				opt = append(opt, k)
			}
		}
	}
	id, err := appconfig.LoadIdentity(ident)
	if err != nil {
		lg.Printf("hqagent app-config: identity: %v; using the image's defaults", err)
		id = nil
	}
	if id == nil {
		lg.Printf("hqagent app-config: not enrolled; using the image's defaults from %s", tmpl)
	}
	b, notes, err := appconfig.Render(appconfig.Opts{Template: t, Identity: id, Set: m, Optional: opt})
	if err != nil {
		return err
	}
	for _, n := range notes {
		lg.Printf("hqagent app-config: %s", n)
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	// The file may hold the app's token: readable by root only, replaced
	// atomically so a restarting app never reads half a file.
	tmp := out + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	if err := os.Rename(tmp, out); err != nil {
		return fmt.Errorf("appconfig: %w", err)
	}
	return nil
}
