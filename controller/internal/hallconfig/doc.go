// Package hallconfig loads the controller's configuration file (YAML): the
// hall (services, windows, hours, channel rules, policy parameters) and the
// API's bearer tokens. An embedded demo hall is used when no file is given.
package hallconfig
