package hallview

import (
	"testing"
	"time"

	"hallq/controller/hallproto"
)

// TestViewClockInHallZone: the display's clock runs on UTC (a fake clock
// here); the view's time is the hall's, from HallInfo's hours.timezone.
func TestViewClockInHallZone(t *testing.T) {
	utc := time.Date(2026, 11, 21, 1, 31, 5, 0, time.UTC)
	for _, tc := range []struct {
		name string
		hall *hallproto.HallInfo // nil: GET /api/v1/hall not served
		want string
	}{
		{"no hall info", nil, "2026-11-21 09:31:05 CST"},
		{"no zone given", &hallproto.HallInfo{Name: "x"}, "2026-11-21 09:31:05 CST"},
		{"Asia/Shanghai", &hallproto.HallInfo{Hours: hallproto.HallHours{Timezone: "Asia/Shanghai"}}, "2026-11-21 09:31:05 CST"},
		{"Asia/Urumqi", &hallproto.HallInfo{Hours: hallproto.HallHours{Timezone: "Asia/Urumqi"}}, "2026-11-21 07:31:05 +06"},
		{"unknown zone", &hallproto.HallInfo{Hours: hallproto.HallHours{Timezone: "Mars/Olympus"}}, "2026-11-21 09:31:05 CST"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := demoSnapshot()
			s.Hall = tc.hall
			m := New(nil)
			m.Load(s, utc)
			v := m.View(utc)
			if got := v.Now.Format("2006-01-02 15:04:05 MST"); got != tc.want {
				t.Errorf("view time %s, want %s", got, tc.want)
			}
			if !v.Now.Equal(utc) || v.Location == nil || v.Now.Location() != v.Location {
				t.Errorf("view time %v is not the same instant in the view's zone %v", v.Now, v.Location)
			}
		})
	}
}

func TestZoneFallback(t *testing.T) {
	if Zone("Nowhere/Else") != Zone("") || Zone("") != Zone("Asia/Shanghai") {
		t.Fatal("unknown and empty zones must be China Standard Time")
	}
	if _, off := time.Date(2026, 7, 1, 0, 0, 0, 0, Zone("")).Zone(); off != 8*3600 {
		t.Fatalf("offset %d", off)
	}
}
