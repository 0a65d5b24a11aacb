// Package citizen is the phone page of the hall (no login, Chinese first):
// the status and position of a ticket reached from the QR code printed on
// it, the live waiting counts, and the appointment booking form with server
// side validation and a masked confirmation. Assets are embedded; the pages
// work without JavaScript and refresh themselves.
//
//	GET  /m/                      waiting counts per service
//	GET  /m/t/{id}?k=<check>      one ticket: status, people ahead, estimated wait, window
//	GET  /m/book?service&date     the booking form (slots of the chosen service and day)
//	POST /m/book                  book; CSRF token (cookie + form field), rate limited
//	GET  /m/b/{id}?k=<check>      the citizen's booking (masked), linked from the confirmation
//	POST /m/b/{id}/cancel         cancel it before the deadline (CSRF, rate limited)
//	GET  /api/v1/citizen/links/{ticket}  kiosk, window, staff, admin: the ticket's page
//	     -> {"path": "/m/t/12?k=...", "url": "<public_url>/m/t/12?k=..."}
//
// k is a keyed MAC of the ticket id (or "booking:" + the booking id) (HMAC-SHA256 under a random key kept in
// the controller's database, 96 bits), so ticket pages cannot be enumerated
// and printed QR codes survive a restart. The kiosk prints the url of the
// links endpoint (hallproto.CitizenTicketPath documents the form).
//
// Abuse: the booking form allows Config.BookPerIPPerHour submissions per
// client address and Config.BookPerIDPerDay per ID number (keyed hash, not
// the number), answering 429 with a Chinese message beyond that. Personal
// data is never logged and never shown unmasked; the ticket page shows no
// name at all, since a link can be passed on.
package citizen
