//go:build !noos

package kioskapp

import "context"

// ScreenSupported: fyne's embedded driver needs -tags noos (without it
// fyne links its OpenGL driver, which needs cgo).
const ScreenSupported = false

func runScreen(ctx context.Context, cfg Config, k *Kiosk) error { return ErrNoScreen }
