package window

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
)

func TestEnabledByState(t *testing.T) {
	cases := []struct {
		name string
		v    View
		on   []Action
	}{
		{"offline", View{Current: "A023"}, nil},
		{"idle", View{Online: true}, []Action{CallNext, Pause}},
		{"idle, evaluator armed", View{Online: true, Armed: "A022"}, []Action{CallNext, AskRating, Pause}},
		{"called", View{Online: true, Current: "A023"}, []Action{CallNext, Recall, NoShow, Start, Finish, AskRating, Transfer}},
		{"serving, unverified category", View{Online: true, Current: "A023", Serving: true, Category: "孕妇"},
			[]Action{CallNext, Finish, AskRating, Transfer, Confirm, Revoke}},
		{"verified", View{Online: true, Current: "A023", Serving: true, Category: "孕妇", CategoryVerified: true},
			[]Action{CallNext, Finish, AskRating, Transfer}},
		{"paused", View{Online: true, Paused: true}, []Action{Resume}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, a := range Actions {
				want := false
				for _, o := range c.on {
					want = want || o == a
				}
				if got := c.v.Enabled(a); got != want {
					t.Errorf("%s: enabled %v, want %v", a, got, want)
				}
			}
		})
	}
}

func TestTapsComeBackAsActions(t *testing.T) {
	a := test.NewApp()
	defer a.Quit()
	u := New()
	w := test.NewWindow(u.Content())
	defer w.Close()
	var got []string
	u.OnAction(func(a Action, arg string) { got = append(got, string(a)+":"+arg) })
	u.Show(View{Window: "3", Staff: "S005", Online: true, Current: "A023", Category: "孕妇",
		Queues: []Queue{{Name: "户籍证件", Waiting: 4}}})
	if !strings.Contains(u.title.Text, "3号窗口") || u.status.Text != "叫号中" || u.current.Text != "当前 A023" ||
		!strings.Contains(u.category.Text, "待核验") || u.queues.Text != "户籍证件 等候 4 人" {
		t.Fatalf("labels: %q %q %q %q %q", u.title.Text, u.status.Text, u.current.Text, u.category.Text, u.queues.Text)
	}
	test.Tap(u.Button(Recall))
	test.Tap(u.Button(Pause)) // disabled while a ticket is current
	test.Tap(u.Button(Transfer))
	if u.message.Text != "请输入目标窗口号" {
		t.Fatalf("transfer without a target: %q", u.message.Text)
	}
	test.Type(u.TransferEntry(), "8")
	test.Tap(u.Button(Transfer))
	test.Tap(u.Button(Confirm))
	if strings.Join(got, ",") != "recall:,transfer:8,confirm-category:" {
		t.Fatalf("actions %v", got)
	}
	if u.TransferEntry().Text != "" {
		t.Fatal("the transfer target stays after the transfer")
	}
	u.Show(View{Window: "3", Online: false})
	if u.status.Text != "离线" || !u.Button(CallNext).Disabled() {
		t.Fatalf("offline: %q, call-next disabled %v", u.status.Text, u.Button(CallNext).Disabled())
	}
}
