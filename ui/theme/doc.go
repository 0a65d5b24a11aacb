// Package theme is hallq's fyne theme for citizen-facing screens: Chinese
// first typography from a CJK font found by path (fyne's bundled font has no
// Chinese glyphs), a large-text mode for elderly citizens that can be switched
// while the app runs, and a high-contrast palette.
//
// Font collections (.ttc, as Debian ships wqy-microhei and Noto CJK) are
// accepted: fyne 2.7 only parses single fonts, so the first face of a
// collection is extracted into a standalone font at load time.
package theme
