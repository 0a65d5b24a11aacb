package hallview

import (
	"sync"
	"time"

	// A display image may ship without /usr/share/zoneinfo; the hall's
	// clock must not fall back to UTC for that.
	_ "time/tzdata"
)

var zones sync.Map // name -> *time.Location

// Zone is the named IANA zone (HallInfo's hours.timezone). An empty or
// unknown name is China Standard Time: the product serves Chinese halls,
// where one zone without daylight saving time applies, and a wrong clock
// on the hall screen is worse than a guessed one.
func Zone(name string) *time.Location {
	if name == "" {
		name = "Asia/Shanghai"
	}
	if l, ok := zones.Load(name); ok {
		return l.(*time.Location)
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		if name != "Asia/Shanghai" {
			return Zone("")
		}
		l = time.FixedZone("CST", 8*3600)
	}
	zones.Store(name, l)
	return l
}
