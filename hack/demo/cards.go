package main

import (
	"time"

	"hallq/drivers/idcard"
	"hallq/drivers/idcard/idcardtest"
)

// citizen is one fictional person whose card the page can place on the
// kiosk's emulated reader. Every person is made up; the numbers have valid
// check characters and match birth date and gender.
type citizen struct {
	Key   string `json:"key"`
	Label string `json:"label"` // Chinese, for the page's button
	En    string `json:"en"`
	card  func(now time.Time) idcardtest.Card
}

// The appointment citizen gets a booking for the next slot whenever the
// page places the card (see Hall.ensureBooking).
const apptKey = "appointment"

func day(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.Local)
}

// person builds a resident card of someone age years old today.
func person(name string, g idcard.Gender, region string, age, seq int, address, authority string, validYears int) func(time.Time) idcardtest.Card {
	return func(now time.Time) idcardtest.Card {
		now = day(now)
		b := now.AddDate(-age, 0, 0)
		id := &idcard.Identity{Type: idcard.Resident, Name: name, Gender: g, Nation: "01", Birth: b,
			Address: address, Number: idcardtest.MakeNumber(region, b, seq, g), Authority: authority,
			ValidFrom: now.AddDate(-2, 0, 0)}
		if validYears == 0 {
			id.NoExpiry = true
		} else {
			id.ValidTo = id.ValidFrom.AddDate(validYears, 0, 0)
		}
		id.Photo = idcardtest.Photo(byte(seq))
		return idcardtest.Card{Identity: id, ChipSerial: [8]byte{0x48, 0x51, 0x44, 0x45, 0x4d, 0x4f, 0x00, byte(seq)}}
	}
}

var citizens = []citizen{
	{Key: "elderly", Label: "孙桂兰，80岁（爱心通道）", En: "80-year-old",
		card: person("孙桂兰", idcard.GenderFemale, "411502", 80, 21, "河南省信阳市浉河区东方红大道18号", "信阳市公安局浉河分局", 0)},
	{Key: "adult", Label: "周志强，30岁", En: "30-year-old",
		card: person("周志强", idcard.GenderMale, "411502", 30, 37, "河南省信阳市浉河区新华路66号", "信阳市公安局浉河分局", 20)},
	{Key: apptKey, Label: "吴海燕，45岁，已预约", En: "45, appointment booked",
		card: person("吴海燕", idcard.GenderFemale, "411503", 45, 52, "河南省信阳市平桥区平西大道9号", "信阳市公安局平桥分局", 20)},
	{Key: "expired", Label: "赵建国，证件已过期", En: "expired card",
		card: func(now time.Time) idcardtest.Card { return idcardtest.Sample(idcardtest.Expired, now) }},
	{Key: "child", Label: "陈小宇，8岁（爱心通道）", En: "child, 8",
		card: func(now time.Time) idcardtest.Card { return idcardtest.Sample(idcardtest.Child, now) }},
}

func citizenByKey(k string) (citizen, bool) {
	for _, c := range citizens {
		if c.Key == k {
			return c, true
		}
	}
	return citizen{}, false
}
