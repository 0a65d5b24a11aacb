package windowterm

import "errors"

// Sentinel errors; compare with errors.Is.
var (
	// ErrConfig: the configuration is invalid (the message names the field).
	ErrConfig = errors.New("windowterm: bad configuration")
	// ErrOffline: the controller did not answer; the key was refused.
	ErrOffline = errors.New("windowterm: controller offline")
	// ErrIgnored: the key means nothing now (a rating with nothing served,
	// a confirm without a transfer, chatter, a stale press).
	ErrIgnored = errors.New("windowterm: key ignored")
	// ErrRefused: the controller refused the action (the message is its
	// Chinese message, e.g. 窗口已暂停服务).
	ErrRefused = errors.New("windowterm: refused by the controller")
	// ErrNoScreen: a screen is configured but the binary was built without
	// -tags noos (fyne's embedded driver).
	ErrNoScreen = errors.New("windowterm: built without -tags noos, so there is no screen driver; rebuild with -tags noos or remove screen:")
)
