// Package virtual is a screen in a web browser, for developing and
// demonstrating kiosk screens without the hardware.
//
// Dev is both a display (Draw keeps the latest frame) and a touch input
// (Read returns the clicks and touches made on the page), and it is an
// http.Handler serving the page. The page long-polls /frame.png for each
// new frame and posts pointer events to /touch. Requests from other hosts
// are refused unless Opts.AllowRemote is set, and /touch needs a custom
// header so that other web pages open in the same browser cannot press
// buttons on the kiosk.
package virtual
