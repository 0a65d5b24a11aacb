// Package report computes the hall's management figures (办件量, 等待时长,
// 窗口利用率, 满意率) per day, week or month and per service, window or staff
// member, from the controller's event log, and exports them as JSON, CSV
// (UTF-8 with a byte order mark, so Excel opens the Chinese headers) and
// XLSX (github.com/xuri/excelize/v2).
//
//	GET /api/v1/reports?period=day|week|month&from=YYYY-MM-DD&by=service|window|staff&format=json|csv|xlsx
//
// (staff and admin). from is any day of the period: a week runs Monday to
// Sunday, a month is the calendar month. The figures: tickets issued,
// called, served, no-shows, cancelled; mean, 90th percentile and maximum of
// the wait (issue or transfer to first call) and of the service time (start,
// or call when never started, to finish); the share of called tickets that
// waited 30 minutes or less; utilisation (serving time / logged-in time);
// and, from the evaluation service, the rating distribution and the
// satisfaction rate (ratings 3 to 5 of 5).
//
// The log is read, never written: Scan walks the store's events bucket in a
// read-only bbolt transaction, finding the period's first event by binary
// search on the sequence numbers. Reports hold no personal data: tickets
// are counted, never listed.
package report
