// Package link is how devices reach the hall controller: JSON requests with
// a bearer token, retried with backoff when they carry a request id (the
// controller answers a retry with the first answer, so a retry never issues
// a second ticket), the controller's event stream followed with resumption
// from the last event id, and the kiosk's offline mode: numbers leased in
// advance, tickets issued from them into a local bbolt outbox while the
// controller is unreachable, and replayed in order when it returns.
//
// Devices import nothing else from controller/ but the wire types of
// hallq/controller/hallproto.
package link
