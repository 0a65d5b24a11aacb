//go:build !noos

package displayapp

import "context"

// ScreenSupported: fyne's embedded driver needs -tags noos.
const ScreenSupported = false

func runScreen(ctx context.Context, d *Display) error { return ErrNoScreen }
