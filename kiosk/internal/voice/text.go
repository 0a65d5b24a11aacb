package voice

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Call is what the voice announces.
type Call struct {
	Number     string // ticket number, "A023"
	Window     string // window id, "3"
	WindowName string // "3号窗口", "8号综合窗口": used when the id is not a number
	Recall     bool
	// At is when the controller made the call; the queue drops calls
	// older than its MaxAge. Zero: when it was queued.
	At time.Time
}

var digitZH = [10]string{"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"}

// Text is the announcement as written on screen: 请A023号到3号窗口办理.
func Text(c Call) (string, error) {
	num, win, err := parts(c)
	if err != nil {
		return "", err
	}
	if n, ok := windowNumber(c); ok {
		return fmt.Sprintf("请%s号到%d号窗口办理", num, n), nil
	}
	return fmt.Sprintf("请%s号到%s办理", num, win), nil
}

// Words is the announcement as a list of spoken words, the keys of
// pre-recorded clips: 请 A 零 二 三 号 到 三 号窗口办理.
func Words(c Call) ([]string, error) {
	num, win, err := parts(c)
	if err != nil {
		return nil, err
	}
	w := []string{"请"}
	w = append(w, ticketWords(num)...)
	w = append(w, "号", "到")
	if n, ok := windowNumber(c); ok {
		for _, r := range numberZH(n) {
			w = append(w, string(r))
		}
		return append(w, "号窗口办理"), nil
	}
	return append(w, win, "办理"), nil
}

// Spoken is the text handed to the synthesizer: the words with the ticket
// digits kept together so that the voice reads them as one number-plate,
// "请 A 零二三 号 到 三 号窗口办理".
func Spoken(c Call) (string, error) {
	num, win, err := parts(c)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("请")
	digits := false
	for _, r := range num {
		switch {
		case r >= '0' && r <= '9':
			if !digits {
				b.WriteByte(' ')
			}
			b.WriteString(digitZH[r-'0'])
			digits = true
		default:
			b.WriteByte(' ')
			b.WriteRune(unicode.ToUpper(r))
			digits = false
		}
	}
	b.WriteString(" 号 到 ")
	if n, ok := windowNumber(c); ok {
		b.WriteString(numberZH(n))
		b.WriteString(" 号窗口办理")
	} else {
		b.WriteString(win)
		b.WriteString(" 办理")
	}
	return b.String(), nil
}

// parts checks a call and returns its ticket number and window label.
func parts(c Call) (num, win string, err error) {
	num = strings.TrimSpace(c.Number)
	win = strings.TrimSpace(c.Window)
	if win == "" {
		win = strings.TrimSpace(c.WindowName)
	}
	if num == "" || win == "" || len(num) > 16 {
		return "", "", fmt.Errorf("%w: %q at %q", ErrEmptyCall, c.Number, c.Window)
	}
	for _, r := range num {
		if !(r >= '0' && r <= '9') && !(r < unicode.MaxASCII && unicode.IsLetter(r)) {
			return "", "", fmt.Errorf("%w: ticket number %q has %q", ErrEmptyCall, c.Number, r)
		}
	}
	if c.WindowName != "" && !isNumber(c.Window) {
		win = strings.TrimSpace(c.WindowName)
	}
	return strings.ToUpper(num), win, nil
}

// ticketWords reads a ticket number letter by letter and digit by digit.
func ticketWords(num string) []string {
	var w []string
	for _, r := range num {
		if r >= '0' && r <= '9' {
			w = append(w, digitZH[r-'0'])
		} else {
			w = append(w, string(unicode.ToUpper(r)))
		}
	}
	return w
}

func isNumber(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n >= 0 && n < 10000
}

// windowNumber is the window's number: its id when numeric, or a name of
// the plain form "12号窗口". Other names ("综合窗口") are read as written.
func windowNumber(c Call) (int, bool) {
	if isNumber(c.Window) {
		n, _ := strconv.Atoi(c.Window)
		return n, true
	}
	if i := strings.Index(c.WindowName, "号"); i > 0 && isNumber(c.WindowName[:i]) && c.WindowName[i:] == "号窗口" {
		n, _ := strconv.Atoi(c.WindowName[:i])
		return n, true
	}
	return 0, false
}

// numberZH writes 0..9999 the way it is spoken: 3 三, 10 十, 12 十二,
// 20 二十, 105 一百零五, 1010 一千零一十.
func numberZH(n int) string {
	if n < 0 || n > 9999 {
		return strconv.Itoa(n)
	}
	if n < 10 {
		return digitZH[n]
	}
	if n < 20 {
		if n == 10 {
			return "十"
		}
		return "十" + digitZH[n-10]
	}
	units := []string{"千", "百", "十", ""}
	div := []int{1000, 100, 10, 1}
	var b strings.Builder
	zero := false
	started := false
	for i, d := range div {
		v := n / d % 10
		if v == 0 {
			if started {
				zero = true
			}
			continue
		}
		if zero {
			b.WriteString("零")
			zero = false
		}
		b.WriteString(digitZH[v])
		b.WriteString(units[i])
		started = true
	}
	return b.String()
}
