package hallproto

import "time"

// Report wire types: GET /api/v1/reports?period&from&by&format, served by
// the controller's report package (docs/booking.md). period is "day",
// "week" (Monday to Sunday) or "month"; by is "service", "window" or
// "staff". Durations are seconds; shares are 0..1.

// Report is the answer of GET /api/v1/reports with format=json.
type Report struct {
	Period      string      `json:"period"`
	By          string      `json:"by"`
	From        string      `json:"from"`  // first day, YYYY-MM-DD
	Until       string      `json:"until"` // last day, inclusive
	GeneratedAt time.Time   `json:"generated_at"`
	Rows        []ReportRow `json:"rows"`
	Total       ReportRow   `json:"total"`
	// Days breaks the hall total down by day, for charts.
	Days []ReportRow `json:"days"`
	// RatingsKnown is false when no evaluation service was available, so
	// an empty rating distribution means "unknown", not "none given".
	RatingsKnown bool `json:"ratings_known"`
}

// ReportRow is one service, window, staff member, day or the hall total.
type ReportRow struct {
	Key  string `json:"key"`  // service id, window id, staff id, date; "" for the total
	Name string `json:"name"` // display name
	// Issued: tickets issued (by service, day, total) or first called
	// (by window, staff).
	Issued    int `json:"issued"`
	Called    int `json:"called"`
	Served    int `json:"served"`
	NoShows   int `json:"no_shows"`
	Cancelled int `json:"cancelled"`
	// Wait: from issue (or transfer) to the first call.
	WaitMean float64 `json:"wait_mean_seconds"`
	WaitP90  float64 `json:"wait_p90_seconds"`
	WaitMax  float64 `json:"wait_max_seconds"`
	// Within30: share of called tickets that waited 30 minutes or less.
	Within30 float64 `json:"within_30_share"`
	// Service time: from start (or call) to finish.
	ServiceMean float64 `json:"service_mean_seconds"`
	ServiceP90  float64 `json:"service_p90_seconds"`
	ServiceMax  float64 `json:"service_max_seconds"`
	// Utilisation: serving time / logged-in time (windows, staff, total).
	ServingSeconds  float64 `json:"serving_seconds"`
	LoggedInSeconds float64 `json:"logged_in_seconds"`
	Utilisation     float64 `json:"utilisation"`
	// Ratings[i] counts ratings of level i (1 非常不满意 .. 5 非常满意);
	// index 0 is unused. Satisfaction is the share of ratings 3..5.
	Ratings      [6]int  `json:"ratings"`
	RatingCount  int     `json:"rating_count"`
	Satisfaction float64 `json:"satisfaction"`
}
