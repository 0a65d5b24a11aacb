package repocheck

import (
	"bytes"
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "hallq"

type pkg struct {
	ImportPath   string
	Name         string
	Doc          string
	Imports      []string
	TestImports  []string
	XTestImports []string
	GoFiles      []string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-e", "-json", module+"/...")
	cmd.Dir = "../.."
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	var pkgs []pkg
	dec := json.NewDecoder(&out)
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("decode go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 3 {
		t.Fatalf("go list found only %d packages; the check would prove nothing", len(pkgs))
	}
	return pkgs
}

func under(path, dir string) bool {
	return path == module+"/"+dir || strings.HasPrefix(path, module+"/"+dir+"/")
}

// isHelper reports whether an import path is an emulator, fake or test helper
// package: periph.io style <device>test siblings, and anything named emulator,
// fake or devemu.
func isHelper(path string) bool {
	if !strings.HasPrefix(path, module+"/") {
		return false
	}
	for _, el := range strings.Split(path, "/") {
		if strings.HasSuffix(el, "test") || el == "emulator" || el == "fake" || el == "devemu" {
			return true
		}
	}
	return false
}

// rule returns why importing imp from p is forbidden, or "".
func rule(p, imp string, testOnly bool) string {
	switch {
	case under(p, "drivers"):
		if under(imp, "kiosk") || under(imp, "controller") || under(imp, "ui") {
			return "drivers/ imports no kiosk, controller or ui package"
		}
	case under(p, "controller"):
		if under(p, "controller/e2e") {
			return ""
		}
		if under(imp, "kiosk") || under(imp, "ui") {
			return "controller/ imports no kiosk or ui package (e2e tests excepted)"
		}
	case under(p, "kiosk"):
		if under(imp, "controller") && !under(imp, "controller/hallproto") &&
			!(testOnly && under(imp, "controller/controllertest")) {
			return "kiosk/ imports only the wire package (and test helpers) from controller/"
		}
	case under(p, "ui"):
		if imp == "go.etcd.io/bbolt" || under(imp, "controller/internal") || under(imp, "drivers") {
			return "ui/ imports no bbolt, no controller internals, no concrete drivers"
		}
	}
	return ""
}

func TestDependencyRules(t *testing.T) {
	checked := 0
	for _, p := range listPackages(t) {
		for _, imp := range p.Imports {
			checked++
			if why := rule(p.ImportPath, imp, false); why != "" {
				t.Errorf("%s imports %s: %s", p.ImportPath, imp, why)
			}
		}
		for _, imp := range append(append([]string{}, p.TestImports...), p.XTestImports...) {
			checked++
			if why := rule(p.ImportPath, imp, true); why != "" {
				t.Errorf("%s (tests) import %s: %s", p.ImportPath, imp, why)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no imports checked")
	}
}

func TestRuleCatchesViolations(t *testing.T) {
	bad := [][2]string{
		{"hallq/drivers/idcard", "hallq/controller/hallproto"},
		{"hallq/controller/internal/api", "hallq/kiosk/internal/flow"},
		{"hallq/kiosk/internal/link", "hallq/controller/internal/queue"},
		{"hallq/ui/kioskui", "go.etcd.io/bbolt"},
		{"hallq/ui/kioskui", "hallq/drivers/escpos"},
	}
	for _, b := range bad {
		if rule(b[0], b[1], false) == "" {
			t.Errorf("rule allows %s -> %s", b[0], b[1])
		}
	}
	if rule("hallq/kiosk/internal/link", "hallq/controller/hallproto", false) != "" {
		t.Error("rule forbids kiosk -> hallproto")
	}
	if !isHelper("hallq/drivers/idcard/idcardtest") || isHelper("hallq/drivers/idcard") {
		t.Error("isHelper misclassifies")
	}
}

func TestEveryPackageHasDoc(t *testing.T) {
	for _, p := range listPackages(t) {
		if len(p.GoFiles) == 0 {
			continue // test-only directory
		}
		if strings.TrimSpace(p.Doc) == "" {
			t.Errorf("%s has no package doc comment", p.ImportPath)
		}
	}
}

// Shipped binaries are the main packages outside hack/ and the developer-only
// device emulator command.
func TestShippedBinariesLinkNoHelpers(t *testing.T) {
	n := 0
	for _, p := range listPackages(t) {
		if p.Name != "main" || under(p.ImportPath, "hack") || isHelper(p.ImportPath) {
			continue
		}
		n++
		cmd := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", p.ImportPath)
		cmd.Dir = "../.."
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", p.ImportPath, err)
		}
		for _, dep := range strings.Fields(string(out)) {
			if isHelper(dep) || dep == "testing" {
				t.Errorf("shipped binary %s links %s", p.ImportPath, dep)
			}
		}
	}
	t.Logf("checked %d shipped binaries", n)
}
