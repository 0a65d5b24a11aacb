// Package pii protects the personal data the controller keeps for features
// that need it (appointments): ID numbers, names and phone numbers are sealed
// with AES-256-GCM under a key from the configuration, masked wherever they
// are shown (4115**********123X, 张*三, 138****5678), and ID numbers are
// checked against GB 11643 before anything is stored.
//
// Keys carry an id. A sealed value names the key that sealed it, so a hall
// rotates by adding a new key at the end of the list: new values are sealed
// with the newest key, old ones still open with the old keys until the
// retention purge has removed them, and then the old key can go.
//
// Nothing in this package logs. Error values never contain the plaintext.
package pii
