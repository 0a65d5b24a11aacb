//go:build !noos

package windowterm

import (
	"context"
	"log/slog"
)

// ScreenSupported: fyne's embedded driver needs -tags noos.
const ScreenSupported = false

func runScreen(ctx context.Context, t *Terminal, c ScreenConfig, lg *slog.Logger) error {
	return ErrNoScreen
}
