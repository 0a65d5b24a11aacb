package sim

import (
	"os"
	"testing"

	"hallq/controller/internal/sim/policies"
)

func TestPrintBuiltins(t *testing.T) {
	if os.Getenv("SIM_PRINT") == "" {
		t.Skip("SIM_PRINT not set")
	}
	for _, name := range BuiltinNames() {
		sc := Builtins()[name]()
		if err := sc.Validate(); err != nil {
			t.Fatal(err)
		}
		ms, err := Compare(sc, policies.All())
		if err != nil {
			t.Fatal(err)
		}
		WriteTable(os.Stdout, sc, ms)
	}
}
