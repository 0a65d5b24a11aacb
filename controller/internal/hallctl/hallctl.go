package hallctl

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// DefaultAddr is where a controller listens with its defaults.
const DefaultAddr = "http://127.0.0.1:8080"

// cli is one invocation: the global settings and the output.
type cli struct {
	addr, token string
	retries     int
	globalsSet  bool
	stdout      io.Writer
	stderr      io.Writer
	getenv      func(string) string
	// client is built lazily from addr and token; tests may set it.
	client *Client
}

type command struct {
	name    string
	args    string
	summary string
	run     func(ctx context.Context, c *cli, args []string) error
}

// commands is filled by each subcommand's file.
var commands = map[string]*command{}

func register(c *command) { commands[c.name] = c }

// Main runs hallctl with args (without the program name). Errors are
// returned, not printed; errors.Is(err, ErrUsage) asks for exit status 2.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return run(ctx, args, stdout, stderr, os.Getenv)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	c := &cli{stdout: stdout, stderr: stderr, getenv: getenv}
	fs := flag.NewFlagSet("hallctl", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c.globalFlags(fs)
	fs.Usage = func() { usage(stderr, fs) }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	if fs.NArg() == 0 {
		usage(stderr, fs)
		return usagef("no command given")
	}
	name := fs.Arg(0)
	if name == "help" {
		usage(stdout, fs)
		return nil
	}
	cmd := commands[name]
	if cmd == nil {
		usage(stderr, fs)
		return usagef("unknown command %q", name)
	}
	return cmd.run(ctx, c, fs.Args()[1:])
}

func (c *cli) globalFlags(fs *flag.FlagSet) {
	// The first call sets the defaults from the environment; later calls
	// (a subcommand's flags) keep what the global flags said.
	if !c.globalsSet {
		c.addr, c.token, c.retries = c.getenv("HALLQ_ADDR"), c.getenv("HALLQ_TOKEN"), 2
		if c.addr == "" {
			c.addr = DefaultAddr
		}
		c.globalsSet = true
	}
	fs.StringVar(&c.addr, "addr", c.addr, "controller base URL (env HALLQ_ADDR)")
	fs.StringVar(&c.token, "token", c.token, "bearer token (env HALLQ_TOKEN)")
	fs.IntVar(&c.retries, "retries", c.retries, "retries after a lost answer or a 503, with the same request id")
}

// api returns the client for the API commands.
func (c *cli) api() (*Client, error) {
	if c.client != nil {
		return c.client, nil
	}
	if c.token == "" {
		return nil, usagef("no token: pass -token or set HALLQ_TOKEN")
	}
	if !strings.HasPrefix(c.addr, "http://") && !strings.HasPrefix(c.addr, "https://") {
		c.addr = "http://" + c.addr
	}
	cl := NewClient(c.addr, c.token)
	cl.Retries = max(c.retries, 0)
	c.client = cl
	return cl, nil
}

// parse parses a subcommand's flags, which may come before, between or
// after its positional arguments (hallctl issue social -channel love), and
// checks the count of positional arguments.
func (c *cli) parse(fs *flag.FlagSet, args []string, min, max int) ([]string, error) {
	fs.SetOutput(c.stderr)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, fmt.Errorf("%w: %v", ErrUsage, err)
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	if len(pos) < min || (max >= 0 && len(pos) > max) {
		fs.Usage()
		return nil, usagef("%s: wrong number of arguments", fs.Name())
	}
	return pos, nil
}

// apiFlags lets -addr and -token also follow the subcommand.
func (c *cli) apiFlags(fs *flag.FlagSet) {
	c.globalFlags(fs)
}

func newFlagSet(c *cli, name, args, summary string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: hallctl %s %s\n  %s\n", name, args, summary)
		fs.PrintDefaults()
	}
	return fs
}

func usage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprint(w, "usage: hallctl [-addr URL] [-token TOKEN] COMMAND [ARGS]\n\n"+
		"hallctl drives a hall controller (政务服务大厅排队叫号) from the command line.\n\nCommands:\n")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		cmd := commands[n]
		fmt.Fprintf(w, "  %-34s %s\n", n+" "+cmd.args, cmd.summary)
	}
	fmt.Fprint(w, "\nGlobal flags:\n")
	fs.SetOutput(w)
	fs.PrintDefaults()
	fmt.Fprint(w, "\nRun hallctl COMMAND -h for a command's flags.\n")
}
