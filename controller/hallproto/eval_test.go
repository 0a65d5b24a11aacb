package hallproto

import (
	"reflect"
	"testing"
)

// The evaluation types join the drift tests of openapi_test.go; their
// samples live in testdata/eval/ so the shared golden list stays as it is.
func init() {
	for _, t := range []reflect.Type{reflect.TypeFor[EvaluationRequest](), reflect.TypeFor[Evaluation](),
		reflect.TypeFor[EvaluationList](), reflect.TypeFor[EvaluationConfig](), reflect.TypeFor[FollowupChange](),
		reflect.TypeFor[Followup](), reflect.TypeFor[FollowupList](), reflect.TypeFor[FollowupPatch]()} {
		wireTypes[t.Name()] = t
	}
}

func evalGoldens() []golden {
	ev := Evaluation{ID: 7, Ticket: 23, Number: "A023", Service: "social", ServiceName: "社保医保", Window: "3",
		Staff: "S005", Rating: RatingDissatisfied, RatingName: RatingNames[RatingDissatisfied], Reason: "等候时间长",
		CaseNumber: "SB20261121-0042", MaskedName: "张*三", FinishedAt: at(10, 11, 30), RatedAt: at(10, 11, 41),
		Device: "window-3", Followup: 2}
	closed := FollowupClosed
	cb := "已电话回访，群众表示理解"
	fu := Followup{ID: 2, Evaluation: 7, Ticket: 23, Number: "A023", Service: "social", Window: "3", Staff: "S005",
		Rating: RatingDissatisfied, Reason: "等候时间长", Owner: "督查室", Status: FollowupCalledBack,
		CreatedAt: at(10, 11, 41), Deadline: at(23, 59, 59).AddDate(0, 0, 21), Overdue: false,
		CallbackResult: cb, History: []FollowupChange{
			{At: at(10, 11, 41), By: "window-3", Action: "created", Detail: "rating 2"},
			{At: at(15, 0, 0), By: "manager", Action: "called_back", Detail: cb},
		}}
	return []golden{
		{"evaluation_request", &EvaluationRequest{RequestID: "w3-0005", Ticket: 23, Window: "3", Rating: 2,
			Reason: ReasonPending, CaseNumber: "SB20261121-0042"}},
		{"evaluation", &ev},
		{"evaluation_list", &EvaluationList{Evaluations: []Evaluation{ev}, Counts: [6]int{0, 0, 1, 0, 0, 0}}},
		{"evaluation_config", &EvaluationConfig{Reasons: []string{"等候时间长", "服务态度差", "办事效率低", "一次性告知不清", "其他"},
			AcceptSeconds: 300, FollowupDays: 15}},
		{"followup", &fu},
		{"followup_list", &FollowupList{Followups: []Followup{fu}}},
		{"followup_patch", &FollowupPatch{CallbackResult: &cb, Status: &closed, Note: "整改完成"}},
	}
}

// TestGoldenEval pins the bytes of the evaluation types; refresh with -update.
func TestGoldenEval(t *testing.T) { checkGoldens(t, "eval", evalGoldens()) }
