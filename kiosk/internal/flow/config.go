package flow

import (
	"fmt"
	"sync/atomic"
	"time"
)

// Config is everything the journey needs to know about the hall and the
// kiosk. The zero value works: New fills the documented defaults.
type Config struct {
	// Groups are the first level of the service menu. Services of the
	// controller's snapshot not named in any group go into an "其他 Other"
	// group. With no groups (or one) the menu has a single level.
	Groups []Group

	// LoveAgeFrom: citizens this old or older are offered the love channel
	// automatically (永安 60, 浉河 70). Zero means 60.
	LoveAgeFrom int
	// LoveAgeUnder: citizens younger than this are offered it too (永安 16).
	// Zero means 16; negative disables it.
	LoveAgeUnder int
	// Categories the citizen can declare for the love channel (pregnant,
	// disabled, ...); they stay unverified until staff confirm. Nil means
	// DefaultCategories; an empty non-nil slice offers none.
	Categories []Category

	// CheckIn: look up an appointment for today when an ID card is placed.
	// Nil means true.
	CheckIn *bool

	// IdleTimeout sends an idle journey back to attract (60 s). DoneTimeout
	// is the shorter one of the done and message screens (15 s).
	// IssueTimeout bounds the wait for the controller (30 s) and
	// PrintTimeout the wait for the printer (30 s).
	IdleTimeout, DoneTimeout, IssueTimeout, PrintTimeout time.Duration

	// Hours of ticket issue, "HH:MM" in Location (hall local time). Outside
	// them the kiosk shows the "hall closed" screen; HallInfo events
	// override them. Empty means 08:30, 16:30, 17:00; nil Location means UTC
	// (the glue passes the hall's zone).
	IssueFrom, IssueUntil, Close string
	Location                     *time.Location
	// BookingText is shown on the closed screen, BookingURL as its QR code.
	BookingText Text
	BookingURL  string

	// Materials are the document types of the self-service document
	// capture; nil means DefaultMaterials, empty disables document capture.
	Materials []Material
	// MaxPages bounds the pages of one upload (20).
	MaxPages int
	// BrokenFrames is how many consecutive broken camera frames make the
	// camera count as broken (3).
	BrokenFrames int

	// TechPIN opens the technician screen, GreenPIN lets staff unlock the
	// green channel on the channel screen. Empty disables them. Both are
	// compared in constant time; PINFailures wrong tries (5) lock the pad
	// for PINLockout (5 min).
	TechPIN, GreenPIN string
	PINFailures       int
	PINLockout        time.Duration

	// Version is shown on the technician screen.
	Version string
	// NewRequestID makes request ids for the controller; nil means a
	// generator from the clock and a counter, which is unique per process.
	NewRequestID func(now time.Time) string
	// LargeText is the large-text default at the start of every session.
	LargeText bool
}

// Group is one entry of the first menu level.
type Group struct {
	ID       string
	Name     Text
	Services []string // service ids, in menu order
}

// Category is a priority category a citizen can declare.
type Category struct {
	ID   string // as the controller knows it: "pregnant", "disabled", ...
	Name Text
}

// Material is a document type for the document capture.
type Material struct {
	ID   string
	Name Text
}

// DefaultCategories match the controller's default love categories.
var DefaultCategories = []Category{
	{"military", Text{"军人", "Military"}},
	{"disabled", Text{"残疾人", "Disabled"}},
	{"pregnant", Text{"孕妇", "Pregnant"}},
	{"sick", Text{"伤病人员", "Ill or injured"}},
	{"unable_smart_device", Text{"不会使用智能设备", "Cannot use smart devices"}},
}

// DefaultMaterials are common document types of a service hall.
var DefaultMaterials = []Material{
	{"idcard_copy", Text{"身份证复印件", "ID card copy"}},
	{"household_register", Text{"户口簿", "Household register"}},
	{"application_form", Text{"申请表", "Application form"}},
	{"certificate", Text{"证明材料", "Certificate"}},
	{"other", Text{"其他材料", "Other"}},
}

var requestCounter atomic.Uint64

func (c *Config) defaults() {
	if c.LoveAgeFrom == 0 {
		c.LoveAgeFrom = 60
	}
	if c.LoveAgeUnder == 0 {
		c.LoveAgeUnder = 16
	}
	if c.Categories == nil {
		c.Categories = DefaultCategories
	}
	if c.CheckIn == nil {
		t := true
		c.CheckIn = &t
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = 60 * time.Second
	}
	if c.DoneTimeout <= 0 {
		c.DoneTimeout = 15 * time.Second
	}
	if c.IssueTimeout <= 0 {
		c.IssueTimeout = 30 * time.Second
	}
	if c.PrintTimeout <= 0 {
		c.PrintTimeout = 30 * time.Second
	}
	if c.IssueFrom == "" {
		c.IssueFrom = "08:30"
	}
	if c.IssueUntil == "" {
		c.IssueUntil = "16:30"
	}
	if c.Close == "" {
		c.Close = "17:00"
	}
	if c.Location == nil {
		c.Location = time.UTC
	}
	if c.BookingText.ZH == "" {
		c.BookingText = Text{"扫码预约，或工作日再来", "Scan to book an appointment, or come back on a working day"}
	}
	if c.Materials == nil {
		c.Materials = DefaultMaterials
	}
	if c.MaxPages <= 0 {
		c.MaxPages = 20
	}
	if c.BrokenFrames <= 0 {
		c.BrokenFrames = 3
	}
	if c.PINFailures <= 0 {
		c.PINFailures = 5
	}
	if c.PINLockout <= 0 {
		c.PINLockout = 5 * time.Minute
	}
	if c.NewRequestID == nil {
		c.NewRequestID = func(now time.Time) string {
			return fmt.Sprintf("kiosk-%x-%d", now.UnixNano(), requestCounter.Add(1))
		}
	}
}

// minutes parses "HH:MM" into minutes after midnight, or -1.
func minutes(hm string) int {
	if len(hm) != 5 || hm[2] != ':' {
		return -1
	}
	h := int(hm[0]-'0')*10 + int(hm[1]-'0')
	m := int(hm[3]-'0')*10 + int(hm[4]-'0')
	for _, c := range []byte{hm[0], hm[1], hm[3], hm[4]} {
		if c < '0' || c > '9' {
			return -1
		}
	}
	if h > 24 || m > 59 || h*60+m > 24*60 {
		return -1
	}
	return h*60 + m
}
