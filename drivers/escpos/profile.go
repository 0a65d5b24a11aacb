package escpos

// Profile describes what one printer model can do, like the capability
// tables of the well-known Python and PHP ESC/POS libraries. The Builder
// falls back where a feature is missing: native QR -> raster QR, partial
// cut -> full cut -> feed only.
type Profile struct {
	Name       string
	Dots       int  // printable dots per line (8 dots/mm at 203 dpi)
	Columns    int  // font A (12x24) characters per line, CJK counts 2
	NativeQR   bool // GS ( k QR model 2
	PartialCut bool // GS V B n
	FullCut    bool // GS V A n
	Chinese    bool // has a GB font and FS & Chinese mode
	ASB        bool // automatic status back GS a n
}

// Built-in profiles.
var (
	// Generic58 is a 58 mm panel printer: 384 dots, no cutter.
	Generic58 = Profile{Name: "58mm", Dots: 384, Columns: 32, NativeQR: true, Chinese: true}
	// Generic80 is an 80 mm kiosk printer with partial and full cut.
	Generic80 = Profile{Name: "80mm", Dots: 576, Columns: 48, NativeQR: true, PartialCut: true, FullCut: true, Chinese: true, ASB: true}
	// Generic80Narrow is an 80 mm printer with a 72 mm (512-dot) head.
	Generic80Narrow = Profile{Name: "80mm-512", Dots: 512, Columns: 42, NativeQR: true, FullCut: true, Chinese: true, ASB: true}
	// Legacy80 is an older 80 mm mechanism without native QR.
	Legacy80 = Profile{Name: "80mm-noqr", Dots: 576, Columns: 48, FullCut: true, Chinese: true}
)

// Profiles lists the built-in profiles by name.
var Profiles = map[string]Profile{
	Generic58.Name:       Generic58,
	Generic80.Name:       Generic80,
	Generic80Narrow.Name: Generic80Narrow,
	Legacy80.Name:        Legacy80,
}
