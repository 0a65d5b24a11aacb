// Command hqagent is the on-device update agent: enrolment, signed A/B
// updates with trial boots, and the local health check. See
// firmware-images/hqagent.
package main

import (
	"os"

	"hallq/firmware-images/hqagent"
)

func main() { os.Exit(hqagent.Main(os.Args[1:], os.Stderr)) }
