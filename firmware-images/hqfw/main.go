// Package hqfw implements the technician's firmware tool: signing keys,
// update bundles, block maps, flashing cards, growing the data partition,
// enrolment seeds and tokens, and the fleet commands that talk to the hall
// controller (devices, desired versions, support bundles). One file per
// subcommand; cmd/hqfw is a ten-line main.
package hqfw

import (
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

type command struct {
	summary string
	run     func(e *Env, args []string) error
}

// Env is the command's environment, replaceable in tests.
type Env struct {
	Stdout, Stderr io.Writer
	Getenv         func(string) string
}

var commands = map[string]command{}

func register(name, summary string, run func(e *Env, args []string) error) {
	commands[name] = command{summary, run}
}

// Main runs hqfw with args (without the program name) and returns the exit code.
func Main(args []string, e *Env) int {
	if e == nil {
		e = &Env{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
	}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(e.Stderr)
		return 2
	}
	name := args[0]
	if len(args) > 1 && (name == "bundle") {
		name += " " + args[1]
		args = args[1:]
	}
	c, ok := commands[name]
	if !ok {
		fmt.Fprintf(e.Stderr, "hqfw: unknown command %q\n", name)
		usage(e.Stderr)
		return 2
	}
	if err := c.run(e, args[1:]); err != nil {
		if err == flag.ErrHelp {
			return 2
		}
		fmt.Fprintf(e.Stderr, "hqfw %s: %v\n", name, err)
		return 1
	}
	return 0
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: hqfw <command> [flags]\n\ncommands:")
	var names []string
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-16s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'hqfw <command> -h' for the flags of a command.")
}

func newFlags(e *Env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet("hqfw "+name, flag.ContinueOnError)
	fs.SetOutput(e.Stderr)
	return fs
}

// listFlag collects repeated flags.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

func required(fs *flag.FlagSet, names ...string) error {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for _, n := range names {
		if !set[n] {
			return fmt.Errorf("-%s is required", n)
		}
	}
	return nil
}
