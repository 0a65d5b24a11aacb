package idcard

import (
	"fmt"
	"time"
)

var weights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// CheckChar returns the GB 11643 (ISO 7064 MOD 11-2) check character for
// the first 17 characters of an ID number, or an error if they are not
// digits.
func CheckChar(first17 string) (byte, error) {
	if len(first17) != 17 {
		return 0, fmt.Errorf("%w: need 17 digits, have %d", ErrInvalidNumber, len(first17))
	}
	s := 0
	for i := 0; i < 17; i++ {
		c := first17[i]
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%w: non-digit at position %d", ErrInvalidNumber, i+1)
		}
		s += int(c-'0') * weights[i]
	}
	return "10X98765432"[s%11], nil
}

// ValidNumber reports whether an 18-character ID number has the right check
// character. The region code (digits 1..6) is not checked: new codes
// appear and old ones stay valid on issued cards.
func ValidNumber(n string) error {
	if len(n) != 18 {
		return fmt.Errorf("%w: length %d", ErrInvalidNumber, len(n))
	}
	c, err := CheckChar(n[:17])
	if err != nil {
		return err
	}
	got := n[17]
	if got == 'x' {
		got = 'X'
	}
	if got != c {
		return fmt.Errorf("%w: check character", ErrInvalidNumber)
	}
	return nil
}

// NumberBirth returns the birth date coded in digits 7..14.
func NumberBirth(n string) (time.Time, error) {
	if len(n) != 18 {
		return time.Time{}, fmt.Errorf("%w: length %d", ErrInvalidNumber, len(n))
	}
	t, err := parseDate(n[6:14])
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: birth date digits", ErrInvalidNumber)
	}
	return t, nil
}

// NumberGender returns the gender coded by the parity of digit 17.
func NumberGender(n string) Gender {
	if len(n) < 17 || n[16] < '0' || n[16] > '9' {
		return GenderUnknown
	}
	if (n[16]-'0')%2 == 1 {
		return GenderMale
	}
	return GenderFemale
}

// parseDate parses YYYYMMDD strictly (20230230 is rejected).
func parseDate(s string) (time.Time, error) {
	t, err := time.ParseInLocation("20060102", s, time.Local)
	if err != nil || t.Format("20060102") != s {
		// The value is personal data: keep it out of the error.
		return time.Time{}, fmt.Errorf("%w: bad date", ErrBadText)
	}
	return t, nil
}

// MaskNumber keeps the first 4 and last 4 characters: 4115**********123X.
func MaskNumber(n string) string {
	r := []rune(n)
	if len(r) <= 8 {
		return maskAll(len(r))
	}
	return string(r[:4]) + maskAll(len(r)-8) + string(r[len(r)-4:])
}

// MaskName keeps the first and last character: 张*三, 王*, 欧**华.
// Latin names keep the first letter of each word.
func MaskName(name string) string {
	r := []rune(name)
	switch {
	case len(r) == 0:
		return ""
	case len(r) == 1:
		return "*"
	case len(r) == 2:
		return string(r[0]) + "*"
	}
	if r[0] < 0x80 {
		out := make([]rune, len(r))
		start := true
		for i, c := range r {
			switch {
			case c == ' ' || c == ',' || c == '-':
				out[i], start = c, true
			case start:
				out[i], start = c, false
			default:
				out[i] = '*'
			}
		}
		return string(out)
	}
	return string(r[0]) + maskAll(len(r)-2) + string(r[len(r)-1])
}

func maskAll(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = '*'
	}
	return string(b)
}
