// Package window is the staff touch screen of a window terminal (窗口终端
// 触摸屏), drawn with fyne widgets: the window's current ticket and its
// declared priority category (to confirm or revoke), the waiting counts of
// the window's services, and the same actions as the caller keypad (call
// next, recall, no-show, start, finish, pause/resume, transfer, ask for a
// rating). Buttons that cannot act in the current state are disabled.
//
// It is a thin view of a View the terminal (kiosk/internal/windowterm)
// fills; taps come back through OnAction. Show runs on fyne's goroutine.
package window
