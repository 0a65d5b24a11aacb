// Package touchbench measures touch to frame on the kiosk: the real kiosk
// screens (hallq/ui/kiosk) drawn by fyne's embedded driver through
// hallq/drivers/screen onto a file-backed framebuffer, with touches written
// as evdev bytes. It lives in hack/ because the dependency rules keep ui/
// and drivers/ from importing each other. It has no code of its own:
//
//	go test -tags noos -run x -bench TouchToFrame -count 5 ./hack/touchbench
package touchbench
