package hallproto

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The drift tests read Go source rather than keep their own lists, so that a
// constant, type, route or error code added in code and forgotten in the
// documentation fails a test.

func parseDir(t *testing.T, dir string, keep func(name string) bool) []*ast.File {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var out []*ast.File
	for _, e := range ents {
		n := e.Name()
		if !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") || (keep != nil && !keep(n)) {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, n), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, f)
	}
	if len(out) == 0 {
		t.Fatalf("no Go files in %s", dir)
	}
	return out
}

// declaredConsts maps a named string type of this package to the values of
// its constants, in source order.
func declaredConsts(t *testing.T) map[string][]string {
	out := map[string][]string{}
	for _, f := range parseDir(t, ".", nil) {
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, sp := range gd.Specs {
				vs := sp.(*ast.ValueSpec)
				id, ok := vs.Type.(*ast.Ident)
				if !ok {
					continue
				}
				for _, v := range vs.Values {
					lit, ok := v.(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						continue
					}
					s, err := strconv.Unquote(lit.Value)
					if err != nil {
						t.Fatal(err)
					}
					out[id.Name] = append(out[id.Name], s)
				}
			}
		}
	}
	return out
}

// declaredTypes returns the exported struct types and the exported named
// string types of this package.
func declaredTypes(t *testing.T) (structs, strs []string) {
	for _, f := range parseDir(t, ".", nil) {
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, sp := range gd.Specs {
				ts := sp.(*ast.TypeSpec)
				if !ts.Name.IsExported() {
					continue
				}
				switch x := ts.Type.(type) {
				case *ast.StructType:
					structs = append(structs, ts.Name.Name)
				case *ast.Ident:
					if x.Name == "string" {
						strs = append(strs, ts.Name.Name)
					}
				}
			}
		}
	}
	return structs, strs
}

// apiError is one error answer found in the controller's source.
type apiError struct {
	status int
	code   string
	where  string
}

// sourceErrors finds the error codes the controller can answer with: the
// literal calls writeError(w, status, "code", ...) in internal/api and the
// sentinel errors of internal/queue, whose Kind gives the status (see
// domainReply in api.go).
func sourceErrors(t *testing.T) []apiError {
	var out []apiError
	for _, f := range parseDir(t, filepath.Join("..", "internal", "api"), nil) {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			fn, ok := call.Fun.(*ast.Ident)
			if !ok || fn.Name != "writeError" || len(call.Args) < 3 {
				return true
			}
			st, ok1 := call.Args[1].(*ast.BasicLit)
			code, ok2 := call.Args[2].(*ast.BasicLit)
			var status int
			if ok1 {
				status, _ = strconv.Atoi(st.Value)
			} else if sel, ok := call.Args[1].(*ast.SelectorExpr); ok {
				status = httpStatus[sel.Sel.Name]
			}
			if status == 0 || !ok2 {
				t.Errorf("api: writeError call with a status or code that is not a literal: %s", f.Name.Name)
				return true
			}
			c, _ := strconv.Unquote(code.Value)
			out = append(out, apiError{status, c, "internal/api"})
			return true
		})
	}
	kinds := map[string]int{"KindInvalid": 400, "KindNotFound": 404, "KindConflict": 409}
	for _, f := range parseDir(t, filepath.Join("..", "internal", "queue"), func(n string) bool { return n == "errors.go" }) {
		ast.Inspect(f, func(n ast.Node) bool {
			cl, ok := n.(*ast.CompositeLit)
			if !ok || len(cl.Elts) < 2 {
				return true
			}
			if id, ok := cl.Type.(*ast.Ident); !ok || id.Name != "Error" {
				return true
			}
			kind, ok1 := cl.Elts[0].(*ast.Ident)
			code, ok2 := cl.Elts[1].(*ast.BasicLit)
			if !ok1 || !ok2 {
				return true
			}
			c, _ := strconv.Unquote(code.Value)
			out = append(out, apiError{kinds[kind.Name], c, "internal/queue"})
			return true
		})
	}
	return out
}

var httpStatus = map[string]int{
	"StatusBadRequest": 400, "StatusUnauthorized": 401, "StatusForbidden": 403, "StatusNotFound": 404,
	"StatusConflict": 409, "StatusRequestEntityTooLarge": 413, "StatusInternalServerError": 500,
	"StatusServiceUnavailable": 503,
}

// sourceRoutes finds "METHOD /path" patterns registered by internal/api.
func sourceRoutes(t *testing.T) []string {
	var out []string
	for _, f := range parseDir(t, filepath.Join("..", "internal", "api"), nil) {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || (sel.Sel.Name != "route" && sel.Sel.Name != "HandleFunc" && sel.Sel.Name != "Handle") {
				return true
			}
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			p, _ := strconv.Unquote(lit.Value)
			if strings.Contains(p, " ") {
				out = append(out, p)
			}
			return true
		})
	}
	return out
}
