package hallproto

import (
	"fmt"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// wireTypes maps every schema of openapi.yaml that describes a Go type to
// that type. A new struct type in hallproto.go must be added here (the test
// says so) and described in openapi.yaml.
var wireTypes = map[string]reflect.Type{
	"IDCard":        reflect.TypeFor[IDCard](),
	"IssueRequest":  reflect.TypeFor[IssueRequest](),
	"Ticket":        reflect.TypeFor[Ticket](),
	"ActionRequest": reflect.TypeFor[ActionRequest](),
	"Window":        reflect.TypeFor[Window](),
	"Service":       reflect.TypeFor[Service](),
	"QueueStatus":   reflect.TypeFor[QueueStatus](),
	"Queues":        reflect.TypeFor[Queues](),
	"EventTicket":   reflect.TypeFor[EventTicket](),
	"Event":         reflect.TypeFor[Event](),
	"ErrorBody":     reflect.TypeFor[ErrorBody](),
	"Error":         reflect.TypeFor[Error](),
}

// errorResponses names the shared response of openapi.yaml for each status.
var errorResponses = map[int]string{400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
	409: "Conflict", 413: "PayloadTooLarge", 500: "Internal", 503: "Unavailable"}

type obj = map[string]any

func loadSpec(t *testing.T) obj {
	t.Helper()
	b, err := os.ReadFile("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc obj
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.0.") {
		t.Fatalf("openapi.yaml: openapi version %q, want 3.0.x", v)
	}
	return doc
}

func get(o any, keys ...string) any {
	for _, k := range keys {
		m, ok := o.(obj)
		if !ok {
			return nil
		}
		o = m[k]
	}
	return o
}

func strs(v any) []string {
	l, _ := v.([]any)
	out := make([]string, 0, len(l))
	for _, x := range l {
		out = append(out, fmt.Sprint(x))
	}
	return out
}

// jsonFields lists a struct's JSON names and whether each is omitempty.
func jsonFields(t reflect.Type) (names []string, omit map[string]bool, types map[string]reflect.Type) {
	omit, types = map[string]bool{}, map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		names = append(names, name)
		omit[name] = strings.Contains(opts, "omitempty") || strings.Contains(opts, "omitzero")
		types[name] = f.Type
	}
	return names, omit, types
}

var protoPkg = reflect.TypeFor[Ticket]().PkgPath()

// checkType reports where schema s does not describe Go type gt.
func checkType(where string, gt reflect.Type, s any) []string {
	so, ok := s.(obj)
	if !ok {
		return []string{where + ": no schema"}
	}
	for gt.Kind() == reflect.Pointer {
		gt = gt.Elem()
	}
	typ, _ := so["type"].(string)
	ref, _ := so["$ref"].(string)
	wantType := func(w string) []string {
		if typ != w {
			return []string{fmt.Sprintf("%s: Go %s is JSON %s, the schema says type %q $ref %q", where, gt, w, typ, ref)}
		}
		return nil
	}
	switch {
	case gt == timeType:
		if f, _ := so["format"].(string); f != "date-time" {
			return []string{fmt.Sprintf("%s: time.Time needs format date-time, not %q", where, f)}
		}
		return wantType("string")
	case gt.PkgPath() == protoPkg && gt.Name() != "":
		if want := "#/components/schemas/" + gt.Name(); ref != want {
			return []string{fmt.Sprintf("%s: Go %s needs $ref %s, not %q", where, gt.Name(), want, ref)}
		}
		return nil
	}
	switch gt.Kind() {
	case reflect.String:
		return wantType("string")
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		out := wantType("integer")
		if gt.Kind() == reflect.Uint64 || gt.Kind() == reflect.Int64 {
			if f, _ := so["format"].(string); f != "int64" {
				out = append(out, fmt.Sprintf("%s: %s needs format int64", where, gt))
			}
		}
		return out
	case reflect.Float32, reflect.Float64:
		return wantType("number")
	case reflect.Bool:
		return wantType("boolean")
	case reflect.Slice, reflect.Array:
		return append(wantType("array"), checkType(where+".items", gt.Elem(), so["items"])...)
	case reflect.Map:
		out := append(wantType("object"), checkType(where+".additionalProperties", gt.Elem(), so["additionalProperties"])...)
		if k := gt.Key(); k.PkgPath() == protoPkg {
			out = append(out, checkType(where+".x-key", k, so["x-key"])...)
		}
		return out
	}
	return []string{fmt.Sprintf("%s: Go kind %s has no mapping in this test", where, gt.Kind())}
}

// TestOpenAPISchemas: every wire type is described field by field, with the
// right JSON types and required list, and vice versa.
func TestOpenAPISchemas(t *testing.T) {
	doc := loadSpec(t)
	schemas, _ := get(doc, "components", "schemas").(obj)
	if len(schemas) == 0 {
		t.Fatal("no components.schemas")
	}
	structs, strTypes := declaredTypes(t)
	for _, n := range structs {
		if wireTypes[n] == nil {
			t.Errorf("struct type %s is in hallproto.go but not in wireTypes of openapi_test.go", n)
		}
	}
	consts := declaredConsts(t)
	for _, n := range strTypes {
		enum := strs(get(schemas, n, "enum"))
		if !slices.Equal(enum, consts[n]) {
			t.Errorf("schema %s: enum %v, the constants of hallproto.go are %v", n, enum, consts[n])
		}
	}
	for name, s := range schemas {
		if get(s, "x-go-type") == "none" || slices.Contains(strTypes, name) {
			continue
		}
		gt := wireTypes[name]
		if gt == nil {
			t.Errorf("schema %s describes no Go type (mark it x-go-type: none if intended)", name)
			continue
		}
		if typ := get(s, "type"); typ != "object" {
			t.Errorf("schema %s: type %v, want object", name, typ)
		}
		props, _ := get(s, "properties").(obj)
		names, omit, types := jsonFields(gt)
		var want, required []string
		for _, n := range names {
			want = append(want, n)
			if !omit[n] {
				required = append(required, n)
			}
			if _, ok := props[n]; !ok {
				t.Errorf("schema %s lacks property %s (field of %s)", name, n, gt)
				continue
			}
			for _, e := range checkType(name+"."+n, types[n], props[n]) {
				t.Error(e)
			}
		}
		for p := range props {
			if !slices.Contains(want, p) {
				t.Errorf("schema %s: property %s is no JSON field of %s", name, p, gt)
			}
		}
		got := strs(get(s, "required"))
		sort.Strings(got)
		sort.Strings(required)
		if !slices.Equal(got, required) {
			t.Errorf("schema %s: required %v, but the fields always present (no omitempty) are %v", name, got, required)
		}
	}
	for name := range wireTypes {
		if schemas[name] == nil {
			t.Errorf("Go type %s has no schema", name)
		}
	}
}

// TestOpenAPIPaths: the documented operations are exactly the routes the api
// package registers, with one path per window action.
func TestOpenAPIPaths(t *testing.T) {
	doc := loadSpec(t)
	paths, _ := doc["paths"].(obj)
	routes := sourceRoutes(t)
	if len(routes) < 8 {
		t.Fatalf("found only %d routes in internal/api: %v", len(routes), routes)
	}
	want := map[string]bool{}
	for _, r := range routes {
		method, path, _ := strings.Cut(r, " ")
		if strings.HasSuffix(path, "/{action}") {
			for _, a := range WindowActions {
				want[method+" "+strings.TrimSuffix(path, "{action}")+string(a)] = true
			}
			continue
		}
		want[method+" "+path] = true
	}
	got := map[string]bool{}
	for p, item := range paths {
		for m := range item.(obj) {
			if m == "parameters" || strings.HasPrefix(m, "x-") {
				continue
			}
			got[strings.ToUpper(m)+" "+p] = true
		}
	}
	for k := range want {
		if !got[k] {
			t.Errorf("route %s is served but not in openapi.yaml", k)
		}
	}
	for k := range got {
		if !want[k] {
			t.Errorf("openapi.yaml documents %s, which the api package does not serve", k)
		}
	}
	// Each action's request names only fields of ActionRequest, by reference.
	actionProps := get(doc, "components", "schemas", "ActionRequest", "properties").(obj)
	for _, a := range WindowActions {
		s := get(paths, "/api/v1/windows/{window}/"+string(a), "post", "requestBody", "content", "application/json", "schema")
		props, _ := get(s, "properties").(obj)
		if props["request_id"] == nil {
			t.Errorf("action %s: request has no request_id", a)
		}
		for p, v := range props {
			if actionProps[p] == nil {
				t.Errorf("action %s: field %s is not in ActionRequest", a, p)
			}
			if ref := get(v, "$ref"); ref != "#/components/schemas/ActionRequest/properties/"+p {
				t.Errorf("action %s: field %s should be $ref ActionRequest/properties/%s, is %v", a, p, p, ref)
			}
		}
		for _, r := range strs(get(s, "required")) {
			if props[r] == nil {
				t.Errorf("action %s: required %s is not a property", a, r)
			}
		}
	}
	if enum := strs(get(doc, "components", "schemas", "WindowAction", "enum")); len(enum) != len(WindowActions) {
		t.Errorf("WindowAction enum has %d values, WindowActions %d", len(enum), len(WindowActions))
	}
}

// TestOpenAPIErrors: every error code the controller can answer is listed
// under its status, and no listed code is unknown to the source.
func TestOpenAPIErrors(t *testing.T) {
	doc := loadSpec(t)
	found := sourceErrors(t)
	if len(found) < 30 {
		t.Fatalf("found only %d error codes in the source", len(found))
	}
	listed := map[string]int{}
	for status, name := range errorResponses {
		r := get(doc, "components", "responses", name)
		if r == nil {
			t.Errorf("components.responses.%s missing", name)
			continue
		}
		if ref := get(r, "content", "application/json", "schema", "$ref"); ref != "#/components/schemas/Error" {
			t.Errorf("response %s: schema %v, want the Error schema", name, ref)
		}
		for _, c := range strs(get(r, "x-error-codes")) {
			if prev, dup := listed[c]; dup && prev != status {
				t.Errorf("code %s listed under %d and %d", c, prev, status)
			}
			listed[c] = status
		}
	}
	inSource := map[string]bool{}
	for _, e := range found {
		inSource[e.code] = true
		st, ok := listed[e.code]
		switch {
		case !ok:
			t.Errorf("%s answers %d %s: not in openapi.yaml (x-error-codes of %s)", e.where, e.status, e.code, errorResponses[e.status])
		case st != e.status:
			t.Errorf("%s answers %s with %d, openapi.yaml lists it under %d", e.where, e.code, e.status, st)
		}
	}
	for c := range listed {
		if !inSource[c] {
			t.Errorf("openapi.yaml lists code %s, which the source never answers", c)
		}
	}
	for _, must := range []string{"bad_json", "bad_request_id", "body_too_large", "request_id_reused", "store_unavailable", "unauthorized", "forbidden", "window_paused"} {
		if !inSource[must] {
			t.Errorf("the source scan missed %s: the scanner is broken", must)
		}
	}
}

// TestOpenAPIRefs: every $ref points at something, and no value is null.
func TestOpenAPIRefs(t *testing.T) {
	doc := loadSpec(t)
	n := 0
	var walk func(where string, v any)
	walk = func(where string, v any) {
		switch x := v.(type) {
		case nil:
			// A comma in an unquoted flow-style value splits it into a
			// key without a value: quote such descriptions.
			t.Errorf("%s: null value (an unquoted comma in a flow mapping?)", where)
		case obj:
			if ref, ok := x["$ref"].(string); ok {
				n++
				p, ok := strings.CutPrefix(ref, "#/")
				if !ok || get(doc, strings.Split(p, "/")...) == nil {
					t.Errorf("%s: $ref %s resolves to nothing", where, ref)
				}
			}
			for k, c := range x {
				walk(where+"/"+k, c)
			}
		case []any:
			for i, c := range x {
				walk(fmt.Sprintf("%s/%d", where, i), c)
			}
		}
	}
	walk("", doc)
	if n < 50 {
		t.Errorf("only %d $refs: the walk is broken", n)
	}
}
