// Package hallproto holds the wire types of the hall controller's public HTTP
// API and event stream: the one package from controller/ that devices (kiosks,
// window terminals, displays) and third parties import.
//
// The contract is versioned. ProtocolVersion changes when a field changes
// meaning or disappears; adding optional fields does not bump it. Golden JSON
// samples under testdata/ pin the encoding: a change to a sample is a change
// to the public contract and must be listed in History.
//
// History:
//   - 2026-11-21, version 1: tickets, windows, services, queues, window
//     actions, the event stream, JSON errors.
//   - 2026-11-21, version 1 (additions): appointments (BookingRequest,
//     Booking, Slots, BookingRules, CheckinRequest, BookingAction), the
//     citizen ticket link (CitizenLink, CitizenTicketPath), reports (Report).
package hallproto
