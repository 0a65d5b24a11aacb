package windowterm

import (
	"context"
	"fmt"
	"net/http"

	"hallq/controller/hallproto"
	"hallq/drivers/keypad"
	"hallq/ui/window"
)

// View is what the staff touch screen shows now.
func (t *Terminal) View() window.View {
	t.mu.Lock()
	defer t.mu.Unlock()
	v := window.View{Window: t.o.Window, WindowName: t.windowName, Staff: t.staff, Online: t.online, Paused: t.paused,
		Message: t.lastErr}
	if c := t.current; c != nil && (c.Status == hallproto.Called || c.Status == hallproto.Serving) {
		v.Current, v.Serving = c.Number, c.Status == hallproto.Serving
		v.Category, v.CategoryVerified = categoryName(c.Category), c.CategoryVerified
	}
	if t.armed != nil && t.o.Clock().Before(t.armed.until) {
		v.Armed = t.armed.number
	}
	for _, id := range t.order {
		name := t.services[id]
		if name == "" {
			name = id
		}
		v.Queues = append(v.Queues, window.Queue{Name: name, Waiting: t.queues[id]})
	}
	return v
}

// categoryNames are the Chinese names of the hall's priority categories.
var categoryNames = map[string]string{"military": "军人", "disabled": "残疾人", "pregnant": "孕妇", "sick": "病人",
	"unable_smart_device": "不会使用智能设备", "special_care": "特殊照顾"}

func categoryName(c string) string {
	if n, ok := categoryNames[c]; ok {
		return n
	}
	return c
}

// RefreshQueues reads the waiting counts (and service names, once) for the
// touch screen.
func (t *Terminal) RefreshQueues(ctx context.Context) error {
	cctx, cancel := context.WithTimeout(ctx, t.o.ActionTimeout)
	defer cancel()
	t.mu.Lock()
	named := t.services != nil
	t.mu.Unlock()
	if !named {
		var ss []hallproto.Service
		if err := t.ctl.Do(cctx, http.MethodGet, "/api/v1/services", nil, &ss); err != nil {
			return err
		}
		names := map[string]string{}
		for _, s := range ss {
			names[s.ID] = s.Name
		}
		t.mu.Lock()
		t.services = names
		t.mu.Unlock()
	}
	var q hallproto.Queues
	if err := t.ctl.Do(cctx, http.MethodGet, "/api/v1/queues", nil, &q); err != nil {
		return err
	}
	counts := map[string]int{}
	for _, s := range q.Services {
		counts[s.Service] = s.Total
	}
	t.mu.Lock()
	t.queues = counts
	t.mu.Unlock()
	return nil
}

var touchKinds = map[window.Action]keypad.Kind{
	window.CallNext: keypad.KindCallNext, window.Recall: keypad.KindRecall, window.NoShow: keypad.KindNoShow,
	window.Finish: keypad.KindFinish, window.AskRating: keypad.KindAskRating, window.Pause: keypad.KindPause,
	window.Resume: keypad.KindResume,
}

// Do runs an action of the touch screen: the same rules as the keypad
// (request ids, chatter, offline refusal), plus what only a screen can
// ask: a transfer to a typed window and confirming or revoking the current
// ticket's declared category.
func (t *Terminal) Do(ctx context.Context, a window.Action, arg string) error {
	if k, ok := touchKinds[a]; ok {
		return t.Press(ctx, keypad.Event{Time: t.o.Clock(), Window: t.o.Window, Kind: k, Digit: -1})
	}
	t.mu.Lock()
	var id uint64
	if t.current != nil {
		id = t.current.ID
	}
	t.mu.Unlock()
	switch a {
	case window.Start:
		return t.act(ctx, hallproto.ActStart, hallproto.ActionRequest{})
	case window.Transfer:
		if arg == "" {
			return fmt.Errorf("%w: transfer without a window", ErrIgnored)
		}
		return t.act(ctx, hallproto.ActTransfer, hallproto.ActionRequest{ToWindow: trimZeros(arg)})
	case window.Confirm, window.Revoke:
		if id == 0 {
			return fmt.Errorf("%w: %s with no current ticket", ErrIgnored, a)
		}
		if a == window.Confirm {
			return t.act(ctx, hallproto.ActConfirm, hallproto.ActionRequest{Ticket: id})
		}
		return t.act(ctx, hallproto.ActRevoke, hallproto.ActionRequest{Ticket: id, Reason: "窗口核验未通过"})
	}
	return fmt.Errorf("%w: action %q", ErrIgnored, a)
}
