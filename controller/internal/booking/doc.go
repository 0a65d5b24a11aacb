// Package booking is the hall's appointment service (预约): slots per service
// and working day with a capacity, the booking rules of the configuration,
// bookings with their personal data sealed (pii), the kiosk's check-in that
// issues a ticket in the appointment channel through the engine, the
// clock-driven lapse of bookings not checked in, and the retention purge.
//
// It keeps its state in the controller's bbolt database in buckets of its
// own (schema.go) and serves, behind the API's authentication:
//
//	GET  /api/v1/appointments/rules                 any role: the rules, bookable dates
//	GET  /api/v1/appointments/slots?service&date    any role: capacity and left per slot
//	POST /api/v1/appointments                       kiosk, window, staff, admin: book
//	     {request_id, service, date, slot, idcard{number,name}, phone?} -> 201 hallproto.Booking
//	GET  /api/v1/appointments?date&service&status   staff, admin: the day's bookings, masked
//	GET  /api/v1/appointments/{id}                  staff, admin
//	POST /api/v1/appointments/{id}/cancel {reason}  staff, admin (only admin after the deadline)
//	POST /api/v1/appointments/{id}/no-show {reason} staff, admin
//	POST /api/v1/appointments/checkin               kiosk, window, staff, admin
//	     {request_id, idcard{number,name,birth_date}} -> 201 hallproto.Ticket
//	POST /api/v1/appointments/lookup                kiosk, window, staff, admin
//	     {idcard{number}} -> today's bookings of the person, masked (a POST, so
//	     the number stays out of URLs and access logs)
//
// Errors are the API's JSON errors; the codes are in errors.go (check-in:
// no_appointment, appointment_early with the time to come back,
// appointment_lapsed, already_checked_in; plus the queue's own, such as
// not_issuing). Creating and checking in are idempotent by request id. The
// citizen phone page calls the same Go methods (Create, Slots, Rules).
//
// Rules (Config): bookable from MinDaysAhead to MaxDaysAhead working days
// ahead (Calendar: the hall's working-day calendar), cancel at least
// CancelBeforeMinutes before, one booking per person per day, NoShowLimit
// no-shows in NoShowWindowDays days block booking for BlockDays days, and
// bookings are deleted RetentionDays after their date. Check-in opens the
// queue's appointment_early_minutes before the slot and lapses
// appointment_late_minutes after it (30: 超过预约时间30分钟视为放弃).
package booking
