package booking

import (
	"fmt"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

// UnmarshalYAML decodes the section and records which keys were given, so
// Defaults can tell "min_days_ahead: 0" (same-day booking) from an absent
// key (the default 1). yaml.v3 decodes inside an Unmarshaler without the caller's
// KnownFields, so unknown keys are checked here, with their line, to keep
// the hall file strict.
func (c *Config) UnmarshalYAML(n *yaml.Node) error {
	if err := checkKnown(n, reflect.TypeFor[Config]()); err != nil {
		return err
	}
	type plain Config // no methods: no recursion
	var p plain
	if err := n.Decode(&p); err != nil {
		return err
	}
	*c = Config(p)
	c.set = map[string]bool{}
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			c.set[n.Content[i].Value] = true
		}
	}
	return nil
}

// checkKnown refuses mapping keys that name no field of t, in n and in the
// structs nested in it (services, hours).
func checkKnown(n *yaml.Node, t reflect.Type) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case n.Kind == yaml.AliasNode && n.Alias != nil:
		return checkKnown(n.Alias, t)
	case n.Kind == yaml.SequenceNode && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array):
		for _, e := range n.Content {
			if err := checkKnown(e, t.Elem()); err != nil {
				return err
			}
		}
	case n.Kind == yaml.MappingNode && t.Kind() == reflect.Struct:
		fields := map[string]reflect.Type{}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if f.IsExported() && name != "" && name != "-" {
				fields[name] = f.Type
			}
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			ft, ok := fields[k.Value]
			if !ok {
				return fmt.Errorf("booking: config: line %d: unknown key %q", k.Line, k.Value)
			}
			if err := checkKnown(n.Content[i+1], ft); err != nil {
				return err
			}
		}
	}
	return nil
}
