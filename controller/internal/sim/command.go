package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"hallq/controller/internal/queue"
	"hallq/controller/internal/sim/policies"
)

// loadAny is a built-in scenario by name or a scenario file.
func loadAny(name string) (*Scenario, error) {
	if f, ok := Builtins()[name]; ok {
		sc := f()
		if err := sc.Validate(); err != nil {
			return nil, err
		}
		return sc, nil
	}
	if _, err := os.Stat(name); err != nil {
		return nil, fmt.Errorf("%w: %q is neither a built-in scenario (%s) nor a readable file", ErrUsage, name, strings.Join(BuiltinNames(), ", "))
	}
	return LoadScenario(name)
}

type common struct {
	days     int
	seed     uint64
	seedSet  bool
	guard    float64
	love     float64
	consec   int
	scope    string
	scenario string
}

func (c *common) register(fs *flag.FlagSet, defScenario string) {
	fs.StringVar(&c.scenario, "scenario", defScenario, "built-in scenario names ("+strings.Join(BuiltinNames(), ", ")+") or scenario files (YAML or JSON), comma-separated")
	fs.IntVar(&c.days, "days", 0, "simulated days per scenario (default: the scenario's)")
	fs.Func("seed", "seed of the first day (default: the scenario's)", func(s string) error {
		_, err := fmt.Sscan(s, &c.seed)
		c.seedSet = true
		return err
	})
	fs.Float64Var(&c.guard, "guard", 0, "composite: wait guard in minutes (default: the scenario's, 25)")
	fs.Float64Var(&c.love, "love-weight", 0, "composite: love-channel weight (default 3)")
	fs.IntVar(&c.consec, "max-consecutive", 0, "composite: priority calls in a row before a normal one (default 2)")
	fs.StringVar(&c.scope, "scope", "", "composite: count consecutive calls per window or hall")
}

func (c *common) apply(sc *Scenario) error {
	if c.days < 0 || c.days > 1000 {
		return fmt.Errorf("%w: -days %d out of 1-1000", ErrUsage, c.days)
	}
	if c.days > 0 {
		sc.Days = c.days
	}
	if c.seedSet {
		sc.Seed = c.seed
	}
	if c.guard != 0 {
		sc.Policy.GuardMinutes = c.guard
	}
	if c.love != 0 {
		sc.Policy.LoveWeight = c.love
	}
	if c.consec != 0 {
		sc.Policy.MaxConsecutive = c.consec
	}
	if c.scope != "" {
		sc.Policy.ConsecutiveScope = c.scope
	}
	if _, err := sc.Config(); err != nil {
		return err
	}
	return nil
}

func parseFlags(fs *flag.FlagSet, args []string, out io.Writer) error {
	var msg bytes.Buffer
	fs.SetOutput(&msg)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			out.Write(msg.Bytes())
			return err
		}
		return fmt.Errorf("%w: %v\n%s", ErrUsage, err, msg.String())
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", ErrUsage, fs.Arg(0))
	}
	return nil
}

// RunCommand is `hallctl simulate`: it runs scenarios under the composite
// and the peer policies and prints a comparison table; -csv and -svg write
// the figures and the wait-distribution chart.
func RunCommand(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	var c common
	c.register(fs, strings.Join(BuiltinNames(), ","))
	pols := fs.String("policies", "", "policies to compare, comma-separated (default all: composite and every peer)")
	csvPath := fs.String("csv", "", "write the figures per policy and channel to this CSV file")
	hourlyPath := fs.String("hourly", "", "write the figures per policy, hour of arrival and channel to this CSV file")
	svgPath := fs.String("svg", "", "write the wait-distribution chart to this SVG file (one per scenario: name-<scenario>.svg when several)")
	list := fs.Bool("list", false, "list the built-in scenarios and the policies")
	dump := fs.String("dump", "", "print a built-in scenario as YAML, to start a scenario file from")
	events := fs.String("events", "", "write the first scenario's first day under the composite as an event log (JSON lines), for `hallctl plan -log`")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: hallctl simulate [flags]\n\nRuns hall days under the controller's composite call-next policy and the peers' rules\nand prints a comparison table.\n\n")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, stdout); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if *list {
		fmt.Fprintln(stdout, "scenarios:")
		for _, n := range BuiltinNames() {
			fmt.Fprintf(stdout, "  %-12s %s\n", n, Builtins()[n]().Description)
		}
		fmt.Fprintln(stdout, "policies:")
		for _, f := range policies.All() {
			fmt.Fprintf(stdout, "  %-14s %s\n", f.Name, f.Desc)
		}
		return nil
	}
	if *dump != "" {
		f, ok := Builtins()[*dump]
		if !ok {
			return fmt.Errorf("%w: no built-in scenario %q", ErrUsage, *dump)
		}
		sc := f()
		if err := sc.Validate(); err != nil {
			return err
		}
		enc := yaml.NewEncoder(stdout)
		enc.SetIndent(2)
		return enc.Encode(sc)
	}
	fsel := policies.All()
	if *pols != "" {
		fsel = nil
		for _, n := range strings.Split(*pols, ",") {
			f, ok := policies.ByName(strings.TrimSpace(n))
			if !ok {
				return fmt.Errorf("%w: unknown policy %q (see -list)", ErrUsage, n)
			}
			fsel = append(fsel, f)
		}
	}
	var csvBuf, hourBuf bytes.Buffer
	names := strings.Split(c.scenario, ",")
	for i, name := range names {
		sc, err := loadAny(strings.TrimSpace(name))
		if err != nil {
			return err
		}
		if err := c.apply(sc); err != nil {
			return err
		}
		start := time.Now()
		ms, runs, err := CompareRuns(sc, fsel)
		if err != nil {
			return err
		}
		for k, res := range runs {
			if err := WriteHourlyCSV(&hourBuf, sc.Name, res.Policy, Hourly(res), i == 0 && k == 0); err != nil {
				return err
			}
		}
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		if err := WriteTable(stdout, sc, ms); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\n(%d policies x %d days in %.1f s)\n", len(fsel), sc.Days, time.Since(start).Seconds())
		if err := WriteCSV(&csvBuf, sc.Name, ms, i == 0); err != nil {
			return err
		}
		if *svgPath != "" {
			p := *svgPath
			if len(names) > 1 {
				ext := filepath.Ext(p)
				p = strings.TrimSuffix(p, ext) + "-" + sc.Name + ext
			}
			var svg bytes.Buffer
			if err := WriteSVG(&svg, sc, ms); err != nil {
				return err
			}
			if err := os.WriteFile(p, svg.Bytes(), 0o644); err != nil {
				return fmt.Errorf("sim: write chart: %w", err)
			}
			fmt.Fprintf(stdout, "chart: %s\n", p)
		}
	}
	if *events != "" {
		sc, err := loadAny(strings.TrimSpace(names[0]))
		if err != nil {
			return err
		}
		if err := c.apply(sc); err != nil {
			return err
		}
		if err := WriteEventLog(*events, sc); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "event log: %s\n", *events)
	}
	if *csvPath != "" {
		if err := os.WriteFile(*csvPath, csvBuf.Bytes(), 0o644); err != nil {
			return fmt.Errorf("sim: write csv: %w", err)
		}
		fmt.Fprintf(stdout, "csv: %s\n", *csvPath)
	}
	if *hourlyPath != "" {
		if err := os.WriteFile(*hourlyPath, hourBuf.Bytes(), 0o644); err != nil {
			return fmt.Errorf("sim: write hourly csv: %w", err)
		}
		fmt.Fprintf(stdout, "hourly csv: %s\n", *hourlyPath)
	}
	return nil
}

// RunPlan is `hallctl plan`: the fewest windows per hour that keep 95% of
// every channel's waits within 30 minutes, for a scenario or for a day's
// event log of a real controller.
func RunPlan(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	var c common
	c.register(fs, "county")
	logPath := fs.String("log", "", "a day's event log: JSON lines of controller events (replaces -scenario)")
	cfgPath := fs.String("config", "", "with -log: the hall configuration (YAML or JSON) for the windows and hours; default: inferred from the log")
	target := fs.Float64("target", 0.95, "share of waits that must be within -within")
	within := fs.Duration("within", 30*time.Minute, "the wait target")
	policy := fs.String("policy", "composite", "call-next policy to plan with")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: hallctl plan [flags]\n\nFinds the fewest windows to open each hour so that 95%% of every channel's waits\nstay within 30 minutes.\n\n")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, stdout); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if *target <= 0 || *target > 1 {
		return fmt.Errorf("%w: -target %v must be in (0, 1]", ErrUsage, *target)
	}
	if *within <= 0 || *within > 24*time.Hour {
		return fmt.Errorf("%w: -within %v out of range", ErrUsage, *within)
	}
	pf, ok := policies.ByName(*policy)
	if !ok {
		return fmt.Errorf("%w: unknown policy %q", ErrUsage, *policy)
	}
	var sc *Scenario
	if *logPath != "" {
		var cfg *queue.Config
		if *cfgPath != "" {
			b, err := os.ReadFile(*cfgPath)
			if err != nil {
				return fmt.Errorf("sim: config: %w", err)
			}
			cfg = &queue.Config{}
			if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '{' {
				err = json.Unmarshal(t, cfg)
			} else {
				err = yaml.Unmarshal(b, cfg)
			}
			if err != nil {
				return fmt.Errorf("sim: config %s: %w", *cfgPath, err)
			}
		}
		f, err := os.Open(*logPath)
		if err != nil {
			return fmt.Errorf("sim: event log: %w", err)
		}
		defer f.Close()
		if sc, err = FromEventLog(f, cfg); err != nil {
			return err
		}
	} else {
		var err error
		if sc, err = loadAny(c.scenario); err != nil {
			return err
		}
	}
	if err := c.apply(sc); err != nil {
		return err
	}
	p, err := PlanStaffing(sc, PlanOptions{Target: *target, Within: *within, Policy: &pf})
	if err != nil {
		return err
	}
	_, err = p.WriteTo(stdout)
	return err
}

// WriteEventLog simulates the scenario's first day under the composite and
// writes the hall's events as JSON lines, as a controller's log would
// hold them.
func WriteEventLog(path string, sc *Scenario) error {
	one := *sc
	one.Days = 1
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	if _, err := Run(&one, policies.Composite(), Options{Events: func(e queue.Event) error { return enc.Encode(&e) }}); err != nil {
		return err
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("sim: write event log: %w", err)
	}
	return nil
}
