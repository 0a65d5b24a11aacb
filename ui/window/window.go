package window

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// Action is what a button asks for.
type Action string

// Actions. Transfer carries the target window number as its argument.
const (
	CallNext  Action = "call-next"
	Recall    Action = "recall"
	NoShow    Action = "no-show"
	Start     Action = "start"
	Finish    Action = "finish"
	Pause     Action = "pause"
	Resume    Action = "resume"
	Transfer  Action = "transfer"
	AskRating Action = "ask-rating"
	Confirm   Action = "confirm-category"
	Revoke    Action = "revoke-category"
)

// Actions lists every action in screen order.
var Actions = []Action{CallNext, Recall, NoShow, Start, Finish, AskRating, Transfer, Pause, Resume, Confirm, Revoke}

var labels = map[Action]string{
	CallNext: "叫号", Recall: "重呼", NoShow: "过号", Start: "开始办理", Finish: "办结", AskRating: "请评价",
	Transfer: "转移", Pause: "暂停", Resume: "恢复", Confirm: "核验优先", Revoke: "取消优先",
}

// Label is the button text of an action.
func Label(a Action) string { return labels[a] }

// Queue is one service's waiting count.
type Queue struct {
	Name    string
	Waiting int
}

// View is everything the screen shows.
type View struct {
	Window     string // "3"
	WindowName string // "3号窗口"
	Staff      string
	Online     bool
	Paused     bool
	Current    string // ticket number being called or served, "" for none
	Serving    bool   // the citizen is at the window
	// Category is the current ticket's declared priority category, shown
	// for staff to confirm or revoke while it is unverified.
	Category         string
	CategoryVerified bool
	Armed            string // ticket whose rating the evaluator waits for
	Queues           []Queue
	Message          string // the last refusal, Chinese
}

// Enabled reports whether a can act in v, which is what the buttons show.
func (v View) Enabled(a Action) bool {
	if !v.Online {
		return false
	}
	if v.Paused {
		return a == Resume
	}
	has := v.Current != ""
	switch a {
	case CallNext:
		return true
	case Recall, NoShow:
		return has && !v.Serving
	case Start:
		return has && !v.Serving
	case Finish, Transfer:
		return has
	case AskRating:
		return has || v.Armed != ""
	case Pause:
		return !has
	case Resume:
		return false
	case Confirm, Revoke:
		return has && v.Category != "" && !v.CategoryVerified
	}
	return false
}

// UI is the screen.
type UI struct {
	root     fyne.CanvasObject
	title    *widget.Label
	status   *widget.Label
	current  *widget.Label
	category *widget.Label
	queues   *widget.Label
	message  *widget.Label
	target   *widget.Entry
	buttons  map[Action]*widget.Button
	on       func(Action, string)
	view     View
}

// New builds the screen.
func New() *UI {
	u := &UI{buttons: map[Action]*widget.Button{}}
	u.title = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	u.status = widget.NewLabelWithStyle("", fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
	u.current = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	u.category = widget.NewLabel("")
	u.queues = widget.NewLabel("")
	u.message = widget.NewLabel("")
	u.message.Wrapping = fyne.TextWrapWord
	u.target = widget.NewEntry()
	u.target.SetPlaceHolder("目标窗口号")
	for _, a := range Actions {
		a := a
		u.buttons[a] = widget.NewButton(labels[a], func() { u.tap(a) })
	}
	b := u.buttons
	grid := container.NewGridWithColumns(3, b[CallNext], b[Recall], b[NoShow], b[Start], b[Finish], b[AskRating],
		b[Pause], b[Resume], b[Confirm])
	transfer := container.NewBorder(nil, nil, nil, container.NewHBox(b[Transfer], b[Revoke]), u.target)
	// A grid, not an HBox: its cells do not depend on the labels' sizes,
	// so a longer title never runs into the status after SetText.
	u.root = container.NewBorder(container.NewVBox(container.NewGridWithColumns(2, u.title, u.status), u.current, u.category),
		container.NewVBox(transfer, u.message), nil, nil, container.NewVBox(grid, u.queues))
	u.Show(View{})
	return u
}

// Content is the screen's root object.
func (u *UI) Content() fyne.CanvasObject { return u.root }

// OnAction sets the function taps call (on fyne's goroutine; it must not
// block: hand the action to the terminal's goroutine).
func (u *UI) OnAction(fn func(a Action, arg string)) { u.on = fn }

// Button returns the button of an action, for tests and demos.
func (u *UI) Button(a Action) *widget.Button { return u.buttons[a] }

// TransferEntry is the target window field.
func (u *UI) TransferEntry() *widget.Entry { return u.target }

func (u *UI) tap(a Action) {
	if !u.view.Enabled(a) || u.on == nil {
		return
	}
	arg := ""
	if a == Transfer {
		arg = strings.TrimSpace(u.target.Text)
		if arg == "" {
			u.message.SetText("请输入目标窗口号")
			return
		}
		u.target.SetText("")
	}
	u.on(a, arg)
}

// Show draws v.
func (u *UI) Show(v View) {
	u.view = v
	name := v.WindowName
	if name == "" && v.Window != "" {
		name = v.Window + "号窗口"
	}
	title := name
	if v.Staff != "" {
		title += "  工号 " + v.Staff
	}
	u.title.SetText(title)
	switch {
	case !v.Online:
		u.status.SetText("离线")
	case v.Paused:
		u.status.SetText("暂停服务")
	case v.Current != "" && v.Serving:
		u.status.SetText("办理中")
	case v.Current != "":
		u.status.SetText("叫号中")
	default:
		u.status.SetText("空闲")
	}
	if v.Current != "" {
		u.current.SetText("当前 " + v.Current)
	} else {
		u.current.SetText("当前无号")
	}
	switch {
	case v.Category != "" && v.CategoryVerified:
		u.category.SetText("优先类别：" + v.Category + "（已核验）")
	case v.Category != "":
		u.category.SetText("优先类别：" + v.Category + "（待核验）")
	case v.Armed != "":
		u.category.SetText("等待 " + v.Armed + " 评价")
	default:
		u.category.SetText("")
	}
	var qs []string
	for _, q := range v.Queues {
		qs = append(qs, fmt.Sprintf("%s 等候 %d 人", q.Name, q.Waiting))
	}
	u.queues.SetText(strings.Join(qs, "\n"))
	u.message.SetText(v.Message)
	for a, b := range u.buttons {
		if v.Enabled(a) {
			b.Enable()
		} else {
			b.Disable()
		}
	}
}
