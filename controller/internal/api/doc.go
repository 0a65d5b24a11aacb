// Package api serves the hall controller's HTTP API (JSON, /api/v1/...), the
// server-sent event stream, /healthz and /metrics. It decodes and checks
// requests, authenticates bearer tokens, hands commands to the engine and
// renders the wire types of hallproto; the rules themselves live in queue.
package api
