package report

import "errors"

// Sentinel errors; compare with errors.Is.
var (
	// ErrBadQuery: a period, date, grouping or format the API does not know.
	ErrBadQuery = errors.New("report: bad query")
	// ErrCorruptLog: the event log could not be read.
	ErrCorruptLog = errors.New("report: event log unreadable")
)
