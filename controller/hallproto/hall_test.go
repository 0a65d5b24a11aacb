package hallproto

import (
	"reflect"
	"testing"
)

// The hall info types join the drift and golden tests of the other files.
func init() {
	wireTypes["HallInfo"] = reflect.TypeFor[HallInfo]()
	wireTypes["HallHours"] = reflect.TypeFor[HallHours]()
	goldenEvents[EvConfigChanged] = &Event{Seq: 119, Type: EvConfigChanged, At: at(12, 30, 0), Staff: "manager"}
}

// TestGoldenHallInfo pins the bytes of GET /api/v1/hall. Its sample lives in
// testdata/hall/ so the shared golden list of golden_test.go stays as it is.
func TestGoldenHallInfo(t *testing.T) {
	v := &HallInfo{Name: "示范县政务服务中心", NameEN: "Demo County Government Service Centre",
		TicketFooter: "请留意叫号，过号请到服务台", SignIdle: "欢迎光临", SignPaused: "暂停服务", SignEmpty: "无人等候",
		Notices: []string{"今日不动产登记窗口 12:00-13:00 暂停"},
		Hours:   HallHours{IssueFrom: "08:30", IssueUntil: "16:30", Close: "17:00", Timezone: "Asia/Shanghai"}, ConfigVersion: 3}
	checkGoldens(t, "hall", []golden{{"hall_info", v}})
}
