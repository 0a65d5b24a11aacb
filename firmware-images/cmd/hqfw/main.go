// Command hqfw is the technician's firmware tool: keys, update bundles,
// block maps, flashing, seeds and the hall's fleet. See firmware-images/hqfw.
package main

import (
	"os"

	"hallq/firmware-images/hqfw"
)

func main() { os.Exit(hqfw.Main(os.Args[1:], nil)) }
