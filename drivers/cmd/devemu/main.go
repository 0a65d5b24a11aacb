// Command devemu runs emulated hall devices on pseudo-terminals and prints
// their paths, so the real device programs can be pointed at them: an LED
// sign per window, the caller/evaluator keypad bus, an ID card reader and a
// ticket printer. Lines on stdin script them ("key 3 call", "card place
// elderly", "printer paper-out"); type "help" for the list. A developer
// tool: it is never shipped.
package main

import (
	"os"

	"hallq/drivers/devemu"
)

func main() { os.Exit(devemu.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }
