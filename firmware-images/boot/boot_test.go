package boot_test

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"hallq/firmware-images/boot"
	"hallq/firmware-images/boot/boottest"
)

// sdBoot simulates systemd-boot's choice and its counter decrement: entries
// with no tries left sort last, the rest in reverse file-name version order
// (our names carry a zero-padded generation, so plain string order is enough).
func sdBoot(t *testing.T, dir string) string {
	t.Helper()
	des, _ := os.ReadDir(dir)
	re := regexp.MustCompile(`^(.*?)(?:\+(\d+)(?:-(\d+))?)?\.conf$`)
	type ent struct {
		name, base string
		left, done int
		counting   bool
	}
	var es []ent
	for _, d := range des {
		m := re.FindStringSubmatch(d.Name())
		if m == nil || filepath.Ext(d.Name()) != ".conf" {
			continue
		}
		e := ent{name: d.Name(), base: m[1], counting: m[2] != ""}
		e.left, _ = strconv.Atoi(m[2])
		e.done, _ = strconv.Atoi(m[3])
		es = append(es, e)
	}
	sort.Slice(es, func(i, j int) bool {
		zi, zj := es[i].counting && es[i].left == 0, es[j].counting && es[j].left == 0
		if zi != zj {
			return zj
		}
		return es[i].base > es[j].base
	})
	if len(es) == 0 {
		t.Fatal("no entries")
	}
	e := es[0]
	if e.counting && e.left > 0 {
		n := e.base + "+" + strconv.Itoa(e.left-1) + "-" + strconv.Itoa(e.done+1) + ".conf"
		os.Rename(filepath.Join(dir, e.name), filepath.Join(dir, n))
	}
	b, _ := os.ReadFile(filepath.Join(dir, es[0].name))
	if b == nil {
		b, _ = os.ReadFile(filepath.Join(dir, e.base+"+"+strconv.Itoa(e.left-1)+"-"+strconv.Itoa(e.done+1)+".conf"))
	}
	m := regexp.MustCompile(`hallq\.slot=([ab])`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("entry %s has no slot", e.name)
	}
	return string(m[1])
}

func TestSystemdBootCounting(t *testing.T) {
	esp := t.TempDir()
	cmdline := filepath.Join(esp, "cmdline")
	sd := boot.NewSystemdBoot(esp)
	sd.Cmdline = cmdline
	if err := sd.InstallEntries(); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(esp, "loader", "entries")
	expect := func(slot string, st boot.TrialState) {
		t.Helper()
		tr, err := sd.Trial(slot)
		if err != nil || tr.State != st {
			t.Fatalf("Trial(%s) = %v %v, want %v", slot, tr, err, st)
		}
	}
	expect(boot.SlotA, boot.Good)
	expect(boot.SlotB, boot.NoTrial)
	if got := sdBoot(t, dir); got != "a" {
		t.Fatalf("first boot %s", got)
	}
	// A failing update: three tries, then back to a.
	if err := sd.Arm(boot.SlotB, 3); err != nil {
		t.Fatal(err)
	}
	expect(boot.SlotB, boot.Pending)
	for i := 0; i < 3; i++ {
		if got := sdBoot(t, dir); got != "b" {
			t.Fatalf("try %d booted %s", i, got)
		}
	}
	if got := sdBoot(t, dir); got != "a" {
		t.Fatalf("after tries booted %s", got)
	}
	expect(boot.SlotB, boot.Exhausted)
	if err := sd.Disarm(boot.SlotB); err != nil {
		t.Fatal(err)
	}
	expect(boot.SlotB, boot.NoTrial)
	// A good update: first try, commit, stays.
	sd.Arm(boot.SlotB, 3)
	if got := sdBoot(t, dir); got != "b" {
		t.Fatal(got)
	}
	os.WriteFile(cmdline, []byte("root=PARTLABEL=root-b ro hallq.slot=b quiet\n"), 0o644)
	if s, err := sd.Booted(); err != nil || s != "b" {
		t.Fatalf("Booted %s %v", s, err)
	}
	if err := sd.Commit(boot.SlotB); err != nil {
		t.Fatal(err)
	}
	if err := sd.Commit(boot.SlotB); err != nil { // idempotent
		t.Fatal(err)
	}
	expect(boot.SlotB, boot.Good)
	for i := 0; i < 5; i++ {
		if got := sdBoot(t, dir); got != "b" {
			t.Fatalf("committed b, booted %s", got)
		}
	}
	// Next update goes to a, with a higher generation, keeping options.
	es, _ := os.ReadDir(dir)
	for _, e := range es {
		if strings.HasPrefix(e.Name(), "hallq-0002-b") {
			b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
			os.WriteFile(filepath.Join(dir, e.Name()), bytes.Replace(b, []byte("quiet"), []byte("quiet console=ttyS0"), 1), 0o644)
		}
	}
	sd.Arm(boot.SlotA, 3)
	b, _ := os.ReadFile(filepath.Join(dir, "hallq-0003-a+3.conf"))
	if !bytes.Contains(b, []byte("root=PARTLABEL=root-a ro rootwait hallq.slot=a")) || !bytes.Contains(b, []byte("console=ttyS0")) {
		names, _ := os.ReadDir(dir)
		t.Fatalf("armed entry:\n%s\n%v", b, names)
	}
	if got := sdBoot(t, dir); got != "a" {
		t.Fatal(got)
	}
}

type mapEnv map[string]string

func (m mapEnv) Get(n string) (string, error) { return m[n], nil }
func (m mapEnv) Set(v map[string]string) error {
	for k, x := range v {
		m[k] = x
	}
	return nil
}

func TestUBoot(t *testing.T) {
	env := mapEnv{"hallq_slot": "a"}
	u := &boot.UBoot{Env: env}
	u.Arm("b", 3)
	if tr, _ := u.Trial("b"); tr.State != boot.Pending || tr.TriesLeft != 3 {
		t.Fatal(tr)
	}
	env["bootcount"] = "3" // U-Boot counted three boots
	if tr, _ := u.Trial("b"); tr.State != boot.Exhausted {
		t.Fatal(tr)
	}
	u.Arm("b", 3)
	u.Commit("b")
	if tr, _ := u.Trial("b"); tr.State != boot.Good || env["upgrade_available"] != "0" {
		t.Fatal(tr, env)
	}
}

func TestTryboot(t *testing.T) {
	dir := t.TempDir()
	tb := &boot.Tryboot{Boot: dir, PartA: 2, PartB: 3}
	os.WriteFile(filepath.Join(dir, "autoboot.txt"), []byte("[all]\ntryboot_a_b=1\nboot_partition=2\n"), 0o644)
	if tr, _ := tb.Trial("a"); tr.State != boot.Good {
		t.Fatal(tr)
	}
	tb.Arm("b", 2)
	if tb.RebootArgs() != "0 tryboot" {
		t.Fatal("no tryboot flag")
	}
	tb.ConsumeTry()
	tb.ConsumeTry()
	if tr, _ := tb.Trial("b"); tr.State != boot.Exhausted || tb.RebootArgs() != "" {
		t.Fatal(tr)
	}
	tb.Arm("b", 2)
	tb.Commit("b")
	if tr, _ := tb.Trial("b"); tr.State != boot.Good {
		t.Fatal(tr)
	}
}

func TestFakeFallsBack(t *testing.T) {
	f := boottest.New()
	f.Arm("b", 3)
	for i := 0; i < 3; i++ {
		if f.PowerCycle() != "b" {
			t.Fatal("trial not booted")
		}
	}
	if f.PowerCycle() != "a" {
		t.Fatal("no fallback")
	}
	if tr, _ := f.Trial("b"); tr.State != boot.Exhausted {
		t.Fatal(tr)
	}
}
