// Package console is the hall management console served by the controller:
// sign-in with roles (hall manager, window supervisor, technician, read-only
// auditor), sessions in secure cookies kept in the controller's bbolt
// database, CSRF tokens, a sign-in rate limit, an audit log of every change,
// versioned hall configuration applied without restart (through
// queue.Hall.Reconfigure, so the event log replays it), GET /api/v1/hall,
// and the browser pages (web/, embedded) that call the controller's JSON
// APIs with the session cookie.
//
// Which configuration wins after a restart: the last version applied from
// the console, unless the configuration file was edited since that version
// was made (its hall section or console texts hash differently from the
// base recorded with the version); then the file wins and is applied as a
// new version by "file", refused like any other change if it would strand
// waiting tickets (the stored version then stays and a warning is logged).
package console
