package idcardtest

import (
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"time"
	"unicode/utf16"

	"hallq/drivers/idcard"
)

func utf16Field(s string, n int) []byte {
	b := make([]byte, n)
	u := utf16.Encode([]rune(s))
	for i := 0; i < n/2; i++ {
		v := uint16(' ')
		if i < len(u) {
			v = u[i]
		}
		binary.LittleEndian.PutUint16(b[2*i:], v)
	}
	return b
}

// MakeNumber builds a valid 18-character ID number: region (6 digits),
// birth date, a sequence 0..99 and the gender parity digit, then the GB
// 11643 check character.
func MakeNumber(region string, birth time.Time, seq int, g idcard.Gender) string {
	d := 0
	if g == idcard.GenderMale {
		d = 1
	}
	// Sequence digits 15-16, then an odd/even digit 17 for the gender.
	s17 := fmt.Sprintf("%s%s%02d%d", region, birth.Format("20060102"), seq%100, d+2*(seq%5))
	c, err := idcard.CheckChar(s17)
	if err != nil {
		panic("idcardtest: MakeNumber: " + err.Error()) // programming error in a fixture
	}
	return s17 + string(c)
}

// Photo returns 1024 deterministic bytes standing in for a WLT photo.
func Photo(seed byte) []byte {
	p := make([]byte, idcard.PhotoSize)
	copy(p, "WLTEMU")
	for i := 6; i < len(p); i++ {
		p[i] = byte(i*31) ^ seed
	}
	return p
}

// FakePhotoDecoder "decodes" any 1024-byte photo into a 102x126 grey image
// (the size of a real decoded card photo) derived from the bytes.
type FakePhotoDecoder struct{}

// DecodePhoto implements idcard.PhotoDecoder.
func (FakePhotoDecoder) DecodePhoto(wlt []byte) (image.Image, error) {
	if len(wlt) != idcard.PhotoSize {
		return nil, fmt.Errorf("idcardtest: photo of %d bytes", len(wlt))
	}
	img := image.NewGray(image.Rect(0, 0, 102, 126))
	for i := range img.Pix {
		img.Pix[i] = wlt[i%len(wlt)]
	}
	img.Set(0, 0, color.Gray{Y: 0})
	return img, nil
}

var _ idcard.PhotoDecoder = FakePhotoDecoder{}

func day(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.Local)
}

// Sample names, for SampleCards and Sample.
const (
	Adult     = "adult"     // 李明华, 35, valid 20 years
	Elder     = "elder"     // 王秀英, 72 today (爱心通道), 长期 validity
	Child     = "child"     // 陈小宇, 8, 5-year card
	Expired   = "expired"   // 赵建国, card expired last month
	HongKong  = "hongkong"  // 黄嘉欣, Hong Kong resident, residence permit
	Macao     = "macao"     // 梁子健, Macao resident, residence permit
	Foreign   = "foreigner" // SMITH, JOHN 史密斯, permanent residence card
	BadNumber = "badnumber" // 刘伟, check character wrong
)

// SampleNames lists every sample in a stable order.
var SampleNames = []string{Adult, Elder, Child, Expired, HongKong, Macao, Foreign, BadNumber}

// Sample returns one fictional card with ages and validity relative to now.
// Every person is made up; the ID numbers have valid check characters
// (except BadNumber) and match birth date and gender.
func Sample(name string, now time.Time) Card {
	now = day(now)
	years := func(n int) time.Time { return now.AddDate(-n, 0, 0) }
	c := Card{ChipSerial: [8]byte{0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, byte(len(name))}}
	switch name {
	case Adult:
		b := years(35).AddDate(0, -2, -3)
		c.Identity = &idcard.Identity{Type: idcard.Resident, Name: "李明华", Gender: idcard.GenderMale, Nation: "01",
			Birth: b, Address: "北京市东城区景山前街4号", Number: MakeNumber("110101", b, 12, idcard.GenderMale),
			Authority: "北京市公安局东城分局", ValidFrom: years(5), ValidTo: years(5).AddDate(20, 0, 0)}
		c.Address = "北京市东城区东华门大街1号"
	case Elder:
		b := years(72)
		c.Identity = &idcard.Identity{Type: idcard.Resident, Name: "王秀英", Gender: idcard.GenderFemale, Nation: "03",
			Birth: b, Address: "河南省郑州市金水区花园路88号", Number: MakeNumber("410105", b, 7, idcard.GenderFemale),
			Authority: "郑州市公安局金水分局", ValidFrom: years(10), NoExpiry: true}
	case Child:
		b := years(8).AddDate(0, 1, 0)
		c.Identity = &idcard.Identity{Type: idcard.Resident, Name: "陈小宇", Gender: idcard.GenderMale, Nation: "08",
			Birth: b, Address: "广西壮族自治区南宁市青秀区民族大道100号", Number: MakeNumber("450103", b, 33, idcard.GenderMale),
			Authority: "南宁市公安局青秀分局", ValidFrom: years(2), ValidTo: years(2).AddDate(5, 0, 0)}
	case Expired:
		b := years(50)
		c.Identity = &idcard.Identity{Type: idcard.Resident, Name: "赵建国", Gender: idcard.GenderMale, Nation: "01",
			Birth: b, Address: "上海市黄浦区人民大道200号", Number: MakeNumber("310101", b, 41, idcard.GenderMale),
			Authority: "上海市公安局黄浦分局", ValidFrom: years(20).AddDate(0, -1, 0), ValidTo: now.AddDate(0, -1, 0)}
	case HongKong:
		b := years(29)
		c.Identity = &idcard.Identity{Type: idcard.ResidencePermit, Name: "黄嘉欣", Gender: idcard.GenderFemale,
			Birth: b, Address: "广东省深圳市福田区福华三路1号", Number: MakeNumber("810000", b, 2, idcard.GenderFemale),
			Authority: "深圳市公安局", ValidFrom: years(1), ValidTo: years(1).AddDate(5, 0, 0),
			PassNumber: "H12345678", IssueCount: 1}
	case Macao:
		b := years(41)
		c.Identity = &idcard.Identity{Type: idcard.ResidencePermit, Name: "梁子健", Gender: idcard.GenderMale,
			Birth: b, Address: "广东省珠海市香洲区情侣中路9号", Number: MakeNumber("820000", b, 5, idcard.GenderMale),
			Authority: "珠海市公安局", ValidFrom: years(2), ValidTo: years(2).AddDate(5, 0, 0),
			PassNumber: "M87654321", IssueCount: 2}
	case Foreign:
		b := years(45)
		c.Identity = &idcard.Identity{Type: idcard.Foreigner, EnglishName: "SMITH, JOHN", Name: "史密斯",
			Gender: idcard.GenderMale, Nationality: "GBR", Birth: b, Number: "GBR110075" + b.Format("060102"),
			Authority: "1500", CardVersion: "01", ValidFrom: years(3), ValidTo: years(3).AddDate(10, 0, 0)}
	case BadNumber:
		b := years(30)
		n := MakeNumber("320102", b, 9, idcard.GenderMale)
		last := byte('0')
		if n[17] == '0' {
			last = '1'
		}
		c.Identity = &idcard.Identity{Type: idcard.Resident, Name: "刘伟", Gender: idcard.GenderMale, Nation: "01",
			Birth: b, Address: "江苏省南京市玄武区中山路1号", Number: n[:17] + string(last),
			Authority: "南京市公安局玄武分局", ValidFrom: years(1), ValidTo: years(1).AddDate(20, 0, 0)}
	default:
		panic("idcardtest: no sample card " + name)
	}
	c.Identity.Photo = Photo(byte(len(name)))
	return c
}

// SampleCards returns every sample keyed by name.
func SampleCards(now time.Time) map[string]Card {
	m := make(map[string]Card, len(SampleNames))
	for _, n := range SampleNames {
		m[n] = Sample(n, now)
	}
	return m
}
