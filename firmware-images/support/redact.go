// Package support builds support bundles for technicians: device status from
// the controller, configuration and logs, with personal data removed before
// anything is written (ID numbers masked as 4115**********123X, Chinese names
// as 张*三).
package support

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// idRE matches an 18-character resident ID number not embedded in a longer
// run of digits.
var idRE = regexp.MustCompile(`(^|[^0-9])([1-9][0-9]{5}(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx])($|[^0-9A-Za-z])`)

// looseIDRE catches any other 17 digits + check character.
var looseIDRE = regexp.MustCompile(`(^|[^0-9])([0-9]{17}[0-9Xx])($|[^0-9A-Za-z])`)

// labelRE finds names after a label: 姓名：张三, name=张三, "name":"张三".
var labelRE = regexp.MustCompile(`(姓名|名字|申请人|办事人|联系人|citizen|name|Name|NAME)("?\s*[:：=]\s*"?)(\p{Han}{2,4})`)

// surnames are the most common Chinese family names; a run of two or three
// Han characters starting with one of them is treated as a name.
const surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"

// MaskID masks an ID number: first 4 and last 4 characters kept.
func MaskID(id string) string {
	if len(id) != 18 {
		return strings.Repeat("*", len(id))
	}
	return id[:4] + strings.Repeat("*", 10) + id[14:]
}

// MaskName masks a Chinese name: 张三 -> 张*, 张小三 -> 张*三, 欧阳小三 -> 欧**三.
func MaskName(name string) string {
	r := []rune(name)
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

// Redact removes personal data from a line of text.
func Redact(s string) string {
	s = idRE.ReplaceAllStringFunc(s, func(m string) string {
		sub := idRE.FindStringSubmatch(m)
		return sub[1] + MaskID(sub[2]) + sub[3]
	})
	s = looseIDRE.ReplaceAllStringFunc(s, func(m string) string {
		sub := looseIDRE.FindStringSubmatch(m)
		return sub[1] + MaskID(sub[2]) + sub[3]
	})
	s = labelRE.ReplaceAllStringFunc(s, func(m string) string {
		sub := labelRE.FindStringSubmatch(m)
		return sub[1] + sub[2] + MaskName(sub[3])
	})
	return maskHanRuns(s)
}

// maskHanRuns masks standalone runs of 2-3 Han characters that start with a
// common surname. Longer runs are ordinary sentences ("请重新放置身份证") and
// stay readable.
func maskHanRuns(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if !unicode.Is(unicode.Han, r) {
			b.WriteString(s[i : i+n])
			i += n
			continue
		}
		j := i
		var run []rune
		for j < len(s) {
			r2, n2 := utf8.DecodeRuneInString(s[j:])
			if !unicode.Is(unicode.Han, r2) {
				break
			}
			run = append(run, r2)
			j += n2
		}
		if (len(run) == 2 || len(run) == 3) && strings.ContainsRune(surnames, run[0]) {
			b.WriteString(MaskName(string(run)))
		} else {
			b.WriteString(s[i:j])
		}
		i = j
	}
	return b.String()
}
