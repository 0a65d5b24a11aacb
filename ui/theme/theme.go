package theme

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	"fyne.io/fyne/v2"
	fynetheme "fyne.io/fyne/v2/theme"
	"github.com/go-text/typesetting/font"
)

// DefaultFontPaths are tried in order when Opts.FontPaths is empty: Debian's
// WenQuanYi Micro Hei (fonts-wqy-microhei, on the device image), Zen Hei,
// Noto Sans CJK as Debian and other distributions place it, Droid fallback.
var DefaultFontPaths = []string{
	"/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
	"/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
	"/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
	"/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
	"/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
	"/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
}

// probe are characters every citizen screen uses; a font without them is
// not a CJK font, however it is named.
const probe = "取号办理业务"

// DefaultLargeScale is the large-text factor: 1.5 keeps the two-level menu
// on one 1080p screen while making body text readable at arm's length for
// elderly citizens.
const DefaultLargeScale = 1.5

// Opts configures a Theme.
type Opts struct {
	// FontPaths are tried in order; the first readable CJK font wins.
	// Empty means DefaultFontPaths.
	FontPaths []string
	// BoldFontPaths, when set, give a bold face. CJK fonts rarely ship
	// one, so by default bold text uses the regular face.
	BoldFontPaths []string
	// Large starts in large-text mode.
	Large bool
	// LargeScale is the text and padding factor of large-text mode.
	// Zero means DefaultLargeScale.
	LargeScale float32
	// BaseText is the body text size in fyne units (pixels on the
	// embedded driver). Zero means 28, readable on a kiosk at 1080p.
	BaseText float32
}

// BaseTextFor is the body text size that fits the kiosk's screens on a
// display height pixels tall: 28 at 1080 lines, proportionally smaller or
// larger elsewhere, never under 12.
func BaseTextFor(height int) float32 {
	return max(12, float32(height)/38.5)
}

// Theme is a fyne.Theme. It is safe for concurrent use: fyne asks for sizes
// from its own goroutine while the app switches large-text mode.
type Theme struct {
	regular, bold fyne.Resource
	path          string
	largeScale    float32
	base          float32
	large         atomic.Bool
}

var _ fyne.Theme = (*Theme)(nil)

// New loads the font and returns the theme.
func New(o *Opts) (*Theme, error) {
	if o == nil {
		o = &Opts{}
	}
	paths := o.FontPaths
	if len(paths) == 0 {
		paths = DefaultFontPaths
	}
	reg, path, err := LoadFont(paths)
	if err != nil {
		return nil, err
	}
	t := &Theme{regular: reg, bold: reg, path: path, largeScale: o.LargeScale, base: o.BaseText}
	if len(o.BoldFontPaths) > 0 {
		b, _, err := LoadFont(o.BoldFontPaths)
		if err != nil {
			return nil, fmt.Errorf("theme: bold font: %w", err)
		}
		t.bold = b
	}
	if t.largeScale <= 0 {
		t.largeScale = DefaultLargeScale
	}
	if t.base <= 0 {
		t.base = 28
	}
	t.large.Store(o.Large)
	return t, nil
}

// LoadFont returns the first of paths that holds a usable CJK font, as a
// fyne resource (the first face when the file is a collection), and its
// path. Missing files are skipped; a file that exists but is damaged or has
// no Chinese glyphs is an error, because it means a broken device image
// rather than a font that was never installed.
func LoadFont(paths []string) (fyne.Resource, string, error) {
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, "", fmt.Errorf("theme: read font: %w", err)
		}
		res, err := FontResource(filepath.Base(p), data)
		if err != nil {
			return nil, "", fmt.Errorf("theme: font %s: %w", p, err)
		}
		return res, p, nil
	}
	return nil, "", fmt.Errorf("%w; tried %s; install fonts-wqy-microhei", ErrNoFont, strings.Join(paths, ", "))
}

// FontResource checks that data is a font with Chinese glyphs and returns
// it as a fyne resource, extracting the first face of a collection.
func FontResource(name string, data []byte) (fyne.Resource, error) {
	face, err := FirstFace(data)
	if err != nil {
		return nil, err
	}
	f, err := font.ParseTTF(bytes.NewReader(face))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadFont, err)
	}
	for _, r := range probe {
		if _, ok := f.NominalGlyph(r); !ok {
			return nil, fmt.Errorf("%w: no glyph for %q, not a CJK font", ErrBadFont, r)
		}
	}
	name = strings.TrimSuffix(name, filepath.Ext(name)) + ".ttf"
	return fyne.NewStaticResource(name, face), nil
}

// FontPath is the file the font came from.
func (t *Theme) FontPath() string { return t.path }

// FontResource is the regular face, for canvas.Text.FontSource and tests.
func (t *Theme) FontResource() fyne.Resource { return t.regular }

// SetLarge switches large-text mode and reports whether it changed. Widgets
// pick up the new sizes when they are refreshed (an app applies it with
// Settings().SetTheme, the kiosk screens size their text themselves).
func (t *Theme) SetLarge(on bool) bool { return t.large.Swap(on) != on }

// Large reports whether large-text mode is on.
func (t *Theme) Large() bool { return t.large.Load() }

// Scale is the current text factor: 1, or LargeScale in large-text mode.
func (t *Theme) Scale() float32 {
	if t.large.Load() {
		return t.largeScale
	}
	return 1
}

// TextSize is the body text size at the current scale; headings and
// secondary text are multiples of it.
func (t *Theme) TextSize() float32 { return t.base * t.Scale() }

// Palette: high contrast (every text colour is at least 7:1 against its
// background, WCAG AAA) so citizens with weak eyesight read it under a
// hall's bright lights. Exported for screens drawing with canvas objects.
var (
	Background    = color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff}
	Surface       = color.NRGBA{R: 0xee, G: 0xf2, B: 0xf7, A: 0xff}
	Foreground    = color.NRGBA{R: 0x10, G: 0x14, B: 0x1a, A: 0xff}
	ForegroundDim = color.NRGBA{R: 0x3a, G: 0x40, B: 0x48, A: 0xff}
	Primary       = color.NRGBA{R: 0x00, G: 0x3d, B: 0x8f, A: 0xff}
	OnPrimary     = color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff}
	Pressed       = color.NRGBA{R: 0x00, G: 0x24, B: 0x5a, A: 0xff}
	Disabled      = color.NRGBA{R: 0xd4, G: 0xd8, B: 0xde, A: 0xff}
	OnDisabled    = color.NRGBA{R: 0x30, G: 0x34, B: 0x3a, A: 0xff}
	Love          = color.NRGBA{R: 0xa8, G: 0x1c, B: 0x3c, A: 0xff}
	Green         = color.NRGBA{R: 0x0b, G: 0x5d, B: 0x2a, A: 0xff}
	Danger        = color.NRGBA{R: 0xa3, G: 0x12, B: 0x12, A: 0xff}
	Header        = color.NRGBA{R: 0x00, G: 0x2b, B: 0x66, A: 0xff}
)

// Color implements fyne.Theme. The kiosk has one (light) variant: the
// palette is chosen for contrast, not for the system's dark mode.
func (t *Theme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	switch n {
	case fynetheme.ColorNameBackground:
		return Background
	case fynetheme.ColorNameForeground, fynetheme.ColorNameForegroundOnWarning:
		return Foreground
	case fynetheme.ColorNameButton, fynetheme.ColorNameInputBackground, fynetheme.ColorNameMenuBackground,
		fynetheme.ColorNameOverlayBackground, fynetheme.ColorNameHeaderBackground:
		return Surface
	case fynetheme.ColorNamePrimary, fynetheme.ColorNameFocus, fynetheme.ColorNameHyperlink, fynetheme.ColorNameSelection:
		return Primary
	case fynetheme.ColorNameForegroundOnPrimary, fynetheme.ColorNameForegroundOnError, fynetheme.ColorNameForegroundOnSuccess:
		return OnPrimary
	case fynetheme.ColorNameDisabled, fynetheme.ColorNamePlaceHolder:
		return OnDisabled
	case fynetheme.ColorNameDisabledButton:
		return Disabled
	case fynetheme.ColorNameError:
		return Danger
	case fynetheme.ColorNameSuccess:
		return Green
	case fynetheme.ColorNamePressed:
		return color.NRGBA{A: 0x40}
	case fynetheme.ColorNameHover:
		return color.NRGBA{A: 0x10}
	case fynetheme.ColorNameShadow:
		return color.NRGBA{A: 0x40}
	case fynetheme.ColorNameSeparator, fynetheme.ColorNameInputBorder:
		return ForegroundDim
	}
	return fynetheme.DefaultTheme().Color(n, fynetheme.VariantLight)
}

// Font implements fyne.Theme: the CJK face for every style except
// monospace, which keeps fyne's (ticket numbers are drawn in the CJK face
// too; monospace is only for technician output).
func (t *Theme) Font(s fyne.TextStyle) fyne.Resource {
	switch {
	case s.Monospace:
		return fynetheme.DefaultTheme().Font(s)
	case s.Bold:
		return t.bold
	}
	return t.regular
}

// Icon implements fyne.Theme with fyne's icons.
func (t *Theme) Icon(n fyne.ThemeIconName) fyne.Resource { return fynetheme.DefaultTheme().Icon(n) }

// Size implements fyne.Theme: text and spacing scale together so large
// text does not crowd its buttons.
func (t *Theme) Size(n fyne.ThemeSizeName) float32 {
	s := t.Scale()
	switch n {
	case fynetheme.SizeNameText:
		return t.base * s
	case fynetheme.SizeNameHeadingText:
		return t.base * 1.6 * s
	case fynetheme.SizeNameSubHeadingText:
		return t.base * 1.25 * s
	case fynetheme.SizeNameCaptionText:
		return t.base * 0.8 * s
	case fynetheme.SizeNamePadding, fynetheme.SizeNameInnerPadding:
		return 8 * s
	case fynetheme.SizeNameInlineIcon:
		return t.base * s
	case fynetheme.SizeNameInputRadius, fynetheme.SizeNameSelectionRadius:
		// Square corners: the software painter draws plain rectangles
		// with a fast fill, rounded ones through a rasteriser.
		return 0
	}
	return fynetheme.DefaultTheme().Size(n) * s
}

func (t *Theme) String() string {
	return fmt.Sprintf("theme(%s, large=%v)", filepath.Base(t.path), t.Large())
}
