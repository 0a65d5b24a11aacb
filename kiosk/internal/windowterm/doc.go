// Package windowterm is the window terminal (窗口终端): it reads the
// window's caller keypad (RS-485 caller bus, a USB keypad through evdev,
// or GPIO buttons), turns key presses into window actions sent to the hall
// controller with request ids (call next, recall, no-show, start, finish,
// pause/resume, transfer, ask for a rating), drives the window's LED sign
// over KWS/1, and after a finish arms the window's evaluator (评价器) for
// that service, sending the citizen's rating to /api/v1/evaluations.
//
// Keys (the RS-485 caller's printed keys in brackets):
//
//	call-next [叫号 0C]    finish the current ticket if any (arming the
//	                       evaluator), then call the next; the sign shows
//	                       "请A023号到3号窗口", or "无人等候" when nobody waits
//	recall [重呼 0D]       call the current ticket again
//	no-show [弃号 0E]      the called citizen did not come
//	pause [暂停 12]        pause, or resume when paused ("暂停服务")
//	transfer [转移 13]     then the target window's digits and confirm
//	confirm [确认 0F]      without digits: start (the citizen is here)
//	finish, ask-rating [评价 0B]  finish and arm the evaluator
//	rate 1..5              from the evaluator: the national five levels;
//	                       1 and 2 send "reason pending" (a 5-key keypad
//	                       cannot ask which reason)
//
// Faults: a chattering keypad (the same key again within Debounce) acts
// once; a key press older than Stale when its turn comes is dropped, so
// presses made while the controller did not answer are never replayed as
// a burst; an unreachable controller refuses keys and shows "离线" on the
// sign until it answers again; an offline sign is reported to the
// controller (POST /api/v1/devices/status, problem sign_offline) and its
// display re-sent until it answers; a rating with nothing served is
// ignored. /run/hallq/busy exists while an action is in progress.
//
// Run(ctx, Config) opens the devices named by a YAML configuration
// (kiosk/cmd/window); New builds a Terminal from devices the caller opened
// (tests, the demo, the benchmark).
package windowterm
