package pii

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"hallq/controller/internal/queue"
)

// MaskName shows the first and last character of a name: 张三丰 -> 张*丰.
// It is the queue domain's rule, so tickets and bookings mask alike.
func MaskName(name string) string { return queue.MaskName(name) }

// MaskID shows the first and last four characters: 4115**********123X.
func MaskID(id string) string { return queue.MaskID(NormalizeID(id)) }

// MaskPhone shows the first three and last four digits: 138****5678.
func MaskPhone(p string) string {
	if len(p) < 8 {
		return strings.Repeat("*", len(p))
	}
	return p[:3] + strings.Repeat("*", len(p)-7) + p[len(p)-4:]
}

// NormalizeID trims spaces and upper-cases the check character.
func NormalizeID(id string) string { return strings.ToUpper(strings.TrimSpace(id)) }

// Person is the keyed hash that stands for a citizen: the same as the queue
// domain's Identity.Person for the same key and number, so a booking and a
// ticket of one person match without keeping the number in clear.
func Person(key []byte, number string) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(NormalizeID(number)))
	return hex.EncodeToString(mac.Sum(nil)[:16])
}

// ValidateID checks an 18-character resident ID number (GB 11643-1999):
// digits, a valid birth date not in the future, and the check character. The
// error is an *Error with a Chinese message.
func ValidateID(number string, today time.Time) error {
	n := NormalizeID(number)
	bad := func(zh, en string) error { return &Error{Err: ErrBadID, Message: zh, MessageEN: en} }
	switch {
	case n == "":
		return bad("请填写身份证号码", "ID number missing")
	case len(n) != 18:
		return bad("身份证号码应为18位", "ID number must have 18 characters")
	}
	for i := 0; i < 17; i++ {
		if n[i] < '0' || n[i] > '9' {
			return bad("身份证号码前17位应为数字", "the first 17 characters must be digits")
		}
	}
	if c := n[17]; (c < '0' || c > '9') && c != 'X' {
		return bad("身份证号码最后一位应为数字或X", "the last character must be a digit or X")
	}
	if n[0] == '0' {
		return bad("身份证号码地区码无效", "region code invalid")
	}
	b, err := time.Parse("20060102", n[6:14])
	if err != nil || b.Year() < 1900 || b.After(today) {
		return bad("身份证号码中的出生日期无效", "birth date in the ID number invalid")
	}
	if !queue.CheckGB11643(n) {
		return bad("身份证号码校验位错误，请核对", "check character wrong")
	}
	return nil
}

// BirthDate is the birth date in a valid 18-character number, as YYYY-MM-DD.
func BirthDate(number string) string {
	n := NormalizeID(number)
	if len(n) != 18 {
		return ""
	}
	return n[6:10] + "-" + n[10:12] + "-" + n[12:14]
}

// ValidateName accepts 1-32 characters of letters, the middle dot of
// minority names and spaces for foreign names.
func ValidateName(name string) error {
	name = strings.TrimSpace(name)
	bad := func(zh, en string) error { return &Error{Err: ErrBadName, Message: zh, MessageEN: en} }
	if name == "" {
		return bad("请填写姓名", "name missing")
	}
	if !utf8.ValidString(name) || utf8.RuneCountInString(name) > 32 {
		return bad("姓名过长或含无效字符", "name too long or invalid")
	}
	for _, r := range name {
		if !unicode.IsLetter(r) && r != '·' && r != '•' && r != ' ' && r != '.' {
			return bad("姓名只能包含文字", "the name may contain letters only")
		}
	}
	return nil
}

// ValidatePhone accepts an empty phone (optional) or an 11-digit mainland
// mobile number starting with 1.
func ValidatePhone(p string) error {
	if p == "" {
		return nil
	}
	if len(p) != 11 || p[0] != '1' || strings.Trim(p, "0123456789") != "" {
		return &Error{Err: ErrBadPhone, Message: "手机号码应为11位数字", MessageEN: "phone must be 11 digits starting with 1"}
	}
	return nil
}
