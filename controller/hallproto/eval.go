package hallproto

import "time"

// Evaluation (好差评) wire types, served by the eval package beside the API:
//
//	POST  /api/v1/evaluations          EvaluationRequest -> 201 Evaluation
//	GET   /api/v1/evaluations          ?from&to&window&service&staff&rating -> EvaluationList
//	GET   /api/v1/evaluations/export   ?from&to&format=csv|json (the provincial 好差评 system)
//	GET   /api/v1/evaluations/config   -> EvaluationConfig (reason list for touch evaluators)
//	GET   /api/v1/followups            ?status&overdue=1 -> FollowupList
//	PATCH /api/v1/followups/{id}       FollowupPatch -> Followup

// Rating levels: the national five levels of 好差评.
const (
	RatingVeryDissatisfied = 1 // 非常不满意
	RatingDissatisfied     = 2 // 不满意
	RatingNeutral          = 3 // 基本满意
	RatingSatisfied        = 4 // 满意
	RatingVerySatisfied    = 5 // 非常满意
)

// RatingNames are the Chinese names of the levels, index = level.
var RatingNames = [6]string{"", "非常不满意", "不满意", "基本满意", "满意", "非常满意"}

// ReasonPending is the reason a 5-key evaluator sends with a bad rating: it
// cannot ask which, so staff fill the reason in during the follow-up.
const ReasonPending = "reason pending"

// EvaluationRequest is the body of POST /api/v1/evaluations: a citizen's
// rating of one finished service. Window devices may rate at their own
// window only.
type EvaluationRequest struct {
	RequestID  string `json:"request_id"`
	Ticket     uint64 `json:"ticket"` // ticket id (not the number)
	Window     string `json:"window"`
	Rating     int    `json:"rating"`                // 1..5
	Reason     string `json:"reason,omitempty"`      // for ratings 1 and 2; "reason pending" allowed
	CaseNumber string `json:"case_number,omitempty"` // 办件编号 when the evaluator was armed with one
}

// Evaluation is one stored rating, bound to the service it rates.
type Evaluation struct {
	ID          uint64    `json:"id"`
	Ticket      uint64    `json:"ticket"`
	Number      string    `json:"number"` // ticket number as printed, "A023"
	Service     string    `json:"service"`
	ServiceName string    `json:"service_name"`
	Window      string    `json:"window"`
	Staff       string    `json:"staff"`
	Rating      int       `json:"rating"`
	RatingName  string    `json:"rating_name"` // 非常满意 ... 非常不满意
	Reason      string    `json:"reason,omitempty"`
	CaseNumber  string    `json:"case_number,omitempty"`
	MaskedName  string    `json:"masked_name,omitempty"` // 张*三, only when the ticket had one
	FinishedAt  time.Time `json:"finished_at"`
	RatedAt     time.Time `json:"rated_at"`
	Device      string    `json:"device,omitempty"` // who sent it (token name)
	Followup    uint64    `json:"followup,omitempty"`
}

// EvaluationList is the answer of GET /api/v1/evaluations.
type EvaluationList struct {
	Evaluations []Evaluation `json:"evaluations"`
	// Counts is the number of ratings per level in the list, index = level
	// (index 0 unused).
	Counts [6]int `json:"counts"`
	// Satisfaction is the share of ratings 3..5 in the list (0 when empty).
	Satisfaction float64 `json:"satisfaction"`
}

// EvaluationConfig is the answer of GET /api/v1/evaluations/config.
type EvaluationConfig struct {
	Reasons       []string `json:"reasons"`
	AcceptSeconds int      `json:"accept_seconds"` // after finish
	FollowupDays  int      `json:"followup_days"`  // working days
}

// FollowupStatus is where a follow-up of a bad rating stands.
type FollowupStatus string

// Follow-up states: open until the citizen was called back, closed when
// the matter is settled.
const (
	FollowupOpen       FollowupStatus = "open"
	FollowupCalledBack FollowupStatus = "called_back"
	FollowupClosed     FollowupStatus = "closed"
)

// FollowupChange is one entry of a follow-up's history.
type FollowupChange struct {
	At     time.Time `json:"at"`
	By     string    `json:"by"`
	Action string    `json:"action"` // created, owner, reason, called_back, closed, note
	Detail string    `json:"detail,omitempty"`
}

// Followup is the follow-up (整改回访) a rating of 1 or 2 starts.
type Followup struct {
	ID             uint64           `json:"id"`
	Evaluation     uint64           `json:"evaluation"`
	Ticket         uint64           `json:"ticket"`
	Number         string           `json:"number"`
	Service        string           `json:"service"`
	Window         string           `json:"window"`
	Staff          string           `json:"staff"`
	Rating         int              `json:"rating"`
	Reason         string           `json:"reason"` // "reason pending" until known
	Owner          string           `json:"owner,omitempty"`
	Status         FollowupStatus   `json:"status"`
	CreatedAt      time.Time        `json:"created_at"`
	Deadline       time.Time        `json:"deadline"` // end of the N-th working day
	Overdue        bool             `json:"overdue"`
	CallbackResult string           `json:"callback_result,omitempty"`
	ClosedAt       *time.Time       `json:"closed_at,omitempty"`
	History        []FollowupChange `json:"history"`
}

// FollowupList is the answer of GET /api/v1/followups.
type FollowupList struct {
	Followups []Followup `json:"followups"`
}

// FollowupPatch is the body of PATCH /api/v1/followups/{id} (staff and
// admin). Absent fields stay as they are.
type FollowupPatch struct {
	Owner          *string         `json:"owner,omitempty"`
	Reason         *string         `json:"reason,omitempty"`
	CallbackResult *string         `json:"callback_result,omitempty"`
	Status         *FollowupStatus `json:"status,omitempty"` // called_back (needs a callback result) or closed
	Note           string          `json:"note,omitempty"`
}
