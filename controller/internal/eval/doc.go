// Package eval is the hall controller's evaluation service (好差评): a
// citizen's rating of one finished service on the national five levels, and
// the follow-up (整改回访) a rating of 1 or 2 starts, with a deadline in
// working days (15 by default, workday calendar).
//
// A rating is accepted only for a ticket finished at the rating window, a
// short configurable time after finish (read from the live hall through
// the engine), and only once per service: a second or late press is
// refused with a clear code and logged. The rating is bound to the ticket,
// its service, the window, the staff member who finished it and the time.
//
// HTTP (mounted beside the API, same tokens; wire types in hallproto/eval.go):
//
//	POST  /api/v1/evaluations                 window (own window), staff, admin
//	GET   /api/v1/evaluations?from&to&window&service&staff&rating    staff, admin, auditor
//	GET   /api/v1/evaluations/export?from&to&format=csv|json         staff, admin, auditor
//	GET   /api/v1/evaluations/config          any role (touch evaluators' reason list)
//	GET   /api/v1/followups?status&overdue=1  staff, admin, auditor
//	GET   /api/v1/followups/{id}              staff, admin, auditor
//	PATCH /api/v1/followups/{id}              staff, admin
//
// from and to are RFC 3339 times or YYYY-MM-DD dates in the hall's zone (to
// as a date includes that whole day).
//
// Go API for the report and console packages (the server's instance, or
// eval.Open(st.DB(), eval.Options{Location: loc}) for reading only):
//
//	svc.Ratings(eval.Filter{From: f, To: t, Window: "3"})  // []hallproto.Evaluation, oldest first
//	svc.Summary(filter)                                     // counts per level and satisfaction
//	svc.Followups(eval.FollowupFilter{Overdue: true})
//	svc.Export(w, filter, "csv")
//
// The decisions (may this rating be taken, what does a patch do to a
// follow-up) are pure functions of domain.go, tested with a fake clock;
// the Service adds storage in the controller's bbolt database, in buckets
// of its own (schema.go). Personal data: only the ticket's masked name
// (张*三) is kept, never an ID number or a full name.
package eval
