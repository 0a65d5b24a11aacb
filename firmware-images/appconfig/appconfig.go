// Package appconfig renders a device app's configuration file when the app
// starts: the template baked into the image, with what the device learnt at
// enrolment (controller address, device id, token, serial port paths)
// filled in. Device paths that do not exist are cleared, because an app
// that exits on a missing card reader or touch panel restarts forever and
// never draws its screen; cleared, it starts degraded and reports the
// missing device instead.
//
// The template is edited as a YAML node tree, so its comments and key
// order survive and keys the firmware does not know pass through untouched.
package appconfig

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"hallq/firmware-images/enrol"
)

// Opts says how to render one configuration.
type Opts struct {
	// Template is the YAML baked into the image (/etc/hallq/kiosk.yaml).
	Template []byte
	// Identity is the enrolled identity; nil leaves the template's defaults.
	Identity *enrol.Identity
	// Set maps a dotted key path of the configuration ("printer.port") to
	// an identity field: device_id, controller, role, window, ports.NAME or
	// extra.NAME. A field that is empty keeps the template's value. Numbers
	// (window, numeric extras) are written as YAML ints, which decode into
	// string fields too.
	Set map[string]string
	// Optional lists key paths holding device files (screen.touch): when
	// the file does not exist the value is cleared.
	Optional []string
	// Exists reports whether a device path exists; nil uses os.Stat.
	Exists func(path string) bool
}

// Note is one change Render made, for the log. Values are device paths and
// addresses, never personal data; a token is never shown.
type Note struct {
	Key, Field, Detail string
}

func (n Note) String() string {
	if n.Field != "" {
		return fmt.Sprintf("%s: from %s: %s", n.Key, n.Field, n.Detail)
	}
	return n.Key + ": " + n.Detail
}

// Render returns the configuration file and what changed.
func Render(o Opts) ([]byte, []Note, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(o.Template, &doc); err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrTemplate, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, nil, fmt.Errorf("%w: not a mapping", ErrTemplate)
	}
	root := doc.Content[0]
	exists := o.Exists
	if exists == nil {
		exists = func(p string) bool { _, err := os.Stat(p); return err == nil }
	}
	var notes []Note
	keys := make([]string, 0, len(o.Set))
	for k := range o.Set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	// A typo in the role's field names fails on every device, enrolled or
	// not, so the image's own check finds it.
	for _, k := range keys {
		if _, _, err := lookup(&enrol.Identity{}, o.Set[k]); err != nil {
			return nil, nil, err
		}
	}
	if o.Identity != nil {
		for _, k := range keys {
			field := o.Set[k]
			v, isInt, err := lookup(o.Identity, field)
			if err != nil {
				return nil, nil, err
			}
			if v == "" {
				continue
			}
			n, err := ensure(root, k)
			if err != nil {
				return nil, nil, err
			}
			n.Kind, n.Style, n.Value, n.Tag = yaml.ScalarNode, 0, v, "!!str"
			if isInt {
				n.Tag = "!!int"
			}
			detail := v
			if strings.HasPrefix(field, "extra.") && strings.Contains(strings.ToLower(field), "token") {
				detail = "(set)"
			}
			notes = append(notes, Note{Key: k, Field: field, Detail: detail})
		}
	}
	opt := append([]string(nil), o.Optional...)
	sort.Strings(opt)
	for _, k := range opt {
		n, err := find(root, k)
		if err != nil {
			return nil, nil, err
		}
		if n == nil || n.Kind != yaml.ScalarNode || n.Value == "" {
			continue
		}
		if !exists(n.Value) {
			notes = append(notes, Note{Key: k, Detail: n.Value + " does not exist; cleared so the app starts without it"})
			n.Value, n.Tag, n.Style = "", "!!str", yaml.DoubleQuotedStyle
		}
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, nil, fmt.Errorf("appconfig: encode: %w", err)
	}
	enc.Close()
	return buf.Bytes(), notes, nil
}

// lookup returns an identity field's value and whether it is an integer.
func lookup(id *enrol.Identity, field string) (string, bool, error) {
	name, sub, _ := strings.Cut(field, ".")
	switch {
	case field == "device_id":
		return id.DeviceID, false, nil
	case field == "controller":
		return id.Controller, false, nil
	case field == "role":
		return id.Role, false, nil
	case field == "window":
		if id.Settings.Window == 0 {
			return "", true, nil
		}
		return strconv.Itoa(id.Settings.Window), true, nil
	case name == "ports" && sub != "":
		return id.Settings.Ports[sub], false, nil
	case name == "extra" && sub != "":
		// Settings carry strings; a number is written as a YAML int,
		// which decodes into both int fields (bus addresses) and
		// string fields (window "3").
		v := id.Settings.Extra[sub]
		_, err := strconv.Atoi(v)
		return v, err == nil, nil
	}
	return "", false, fmt.Errorf("%w: %q (device_id, controller, role, window, ports.NAME, extra.NAME)", ErrField, field)
}

// find returns the node at a dotted key path, nil when absent.
func find(root *yaml.Node, path string) (*yaml.Node, error) {
	n := root
	for _, k := range strings.Split(path, ".") {
		if k == "" {
			return nil, fmt.Errorf("%w: %q", ErrKey, path)
		}
		if n.Kind != yaml.MappingNode {
			return nil, nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == k {
				next = n.Content[i+1]
			}
		}
		if next == nil {
			return nil, nil
		}
		n = next
	}
	return n, nil
}

// ensure returns the node at a dotted key path, creating mappings on the
// way; a scalar in the way is an error (the template disagrees with Set).
func ensure(root *yaml.Node, path string) (*yaml.Node, error) {
	n := root
	parts := strings.Split(path, ".")
	for i, k := range parts {
		if k == "" {
			return nil, fmt.Errorf("%w: %q", ErrKey, path)
		}
		if n.Kind != yaml.MappingNode {
			if n.Kind == yaml.ScalarNode && (n.Tag == "!!null" || n.Value == "") {
				n.Kind, n.Tag, n.Value, n.Style = yaml.MappingNode, "!!map", "", 0
			} else {
				return nil, fmt.Errorf("%w: %q: %s is not a mapping", ErrKey, path, strings.Join(parts[:i], "."))
			}
		}
		var next *yaml.Node
		for j := 0; j+1 < len(n.Content); j += 2 {
			if n.Content[j].Value == k {
				next = n.Content[j+1]
			}
		}
		if next == nil {
			next = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null"}
			if i < len(parts)-1 {
				next = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			}
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k}, next)
		}
		n = next
	}
	return n, nil
}

// ParseSet parses "key=field" pairs as given on the command line.
func ParseSet(pairs []string) (map[string]string, error) {
	m := map[string]string{}
	for _, p := range pairs {
		k, f, ok := strings.Cut(p, "=")
		if !ok || k == "" || f == "" {
			return nil, fmt.Errorf("%w: %q is not key=field", ErrKey, p)
		}
		m[k] = f
	}
	return m, nil
}

// LoadIdentity reads the enrolled identity; a device that is not enrolled
// yet (no file) gets nil and no error.
func LoadIdentity(path string) (*enrol.Identity, error) {
	id, err := enrol.LoadIdentity(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return id, err
}
