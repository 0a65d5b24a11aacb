package queue

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Channel is a priority class. The order of the constants is the order of
// the arrays indexed by channel.
type Channel uint8

// The four channels (queueing.md §2).
const (
	Normal      Channel = iota // 普通
	Appointment                // 预约
	Love                       // 爱心通道
	Green                      // 绿色通道
	numChannels
)

var channelNames = [numChannels]string{"normal", "appointment", "love", "green"}

// Channels lists the channels in index order.
var Channels = []Channel{Normal, Appointment, Love, Green}

func (c Channel) String() string {
	if c < numChannels {
		return channelNames[c]
	}
	return fmt.Sprintf("channel(%d)", uint8(c))
}

// Valid reports whether c is one of the four channels.
func (c Channel) Valid() bool { return c < numChannels }

// Priority reports whether calls of this channel count towards the
// consecutive-priority cap of the composite policy.
func (c Channel) Priority() bool { return c == Love || c == Green }

// ParseChannel turns a wire name into a Channel.
func ParseChannel(s string) (Channel, error) {
	for i, n := range channelNames {
		if n == s {
			return Channel(i), nil
		}
	}
	return 0, errf(ErrInvalid, "未知通道 %q", "unknown channel %q", s, s)
}

// MarshalText encodes the channel by name.
func (c Channel) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText decodes a channel name.
func (c *Channel) UnmarshalText(b []byte) error {
	v, err := ParseChannel(string(b))
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// Identity is what the domain learns from an ID card. The number itself is
// not kept: Person is a keyed hash of it, for duplicate protection only.
type Identity struct {
	Person     string // keyed hash of the ID number
	MaskedName string // 张*三
	Birth      time.Time
}

var gbWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const gbCheck = "10X98765432"

// CheckGB11643 verifies the check character of an 18-character citizen
// identification number (also used by residence permits and the 2023
// foreigner permanent-residence card).
func CheckGB11643(id string) bool {
	if len(id) != 18 {
		return false
	}
	sum := 0
	for i := 0; i < 17; i++ {
		d := id[i]
		if d < '0' || d > '9' {
			return false
		}
		sum += int(d-'0') * gbWeights[i]
	}
	last := id[17]
	if last == 'x' {
		last = 'X'
	}
	return gbCheck[sum%11] == last
}

// NewIdentity validates an ID card number and birth date as sent by a kiosk
// and derives what the domain keeps. birth may be empty for 18-character
// numbers, which carry it.
func NewIdentity(key []byte, number, name, birth string, loc *time.Location) (Identity, error) {
	number = strings.ToUpper(strings.TrimSpace(number))
	var id Identity
	if number == "" || len(number) > 32 {
		return id, errf(ErrBadIDCard, "证件号码为空或过长", "empty or overlong ID number")
	}
	var fromNumber string
	if len(number) == 18 {
		if !CheckGB11643(number) {
			return id, errf(ErrBadIDCard, "身份证号码校验位错误，请重新放置身份证", "ID number check character wrong")
		}
		fromNumber = number[6:10] + "-" + number[10:12] + "-" + number[12:14]
	}
	if birth == "" {
		birth = fromNumber
	}
	if birth == "" {
		return id, errf(ErrBadIDCard, "缺少出生日期", "birth date missing")
	}
	b, err := time.ParseInLocation("2006-01-02", birth, loc)
	if err != nil {
		return id, errf(ErrBadIDCard, "出生日期无效", "birth date invalid")
	}
	if fromNumber != "" && fromNumber != birth {
		return id, errf(ErrBadIDCard, "出生日期与证件号码不符", "birth date does not match the ID number")
	}
	if utf8.RuneCountInString(name) > 64 || !utf8.ValidString(name) {
		return id, errf(ErrBadIDCard, "姓名无效", "name invalid")
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(number))
	id.Person = hex.EncodeToString(mac.Sum(nil)[:16])
	id.MaskedName = MaskName(name)
	id.Birth = b
	return id, nil
}

// AgeOn is the age in whole years on day now, in the hall's time zone.
func AgeOn(birth, now time.Time) int {
	now = now.In(birth.Location())
	age := now.Year() - birth.Year()
	if now.Month() < birth.Month() || (now.Month() == birth.Month() && now.Day() < birth.Day()) {
		age--
	}
	return age
}

// MaskName shows the first and last character of a name: 张三丰 -> 张*丰,
// 张三 -> 张*, 欧阳娜娜 -> 欧**娜.
func MaskName(name string) string {
	r := []rune(strings.TrimSpace(name))
	switch len(r) {
	case 0:
		return ""
	case 1:
		return "*"
	case 2:
		return string(r[0]) + "*"
	}
	return string(r[0]) + strings.Repeat("*", len(r)-2) + string(r[len(r)-1])
}

// MaskID shows the first four and the last four characters of an ID number:
// 4115**********123X.
func MaskID(id string) string {
	if len(id) <= 8 {
		return strings.Repeat("*", len(id))
	}
	return id[:4] + strings.Repeat("*", len(id)-8) + id[len(id)-4:]
}
