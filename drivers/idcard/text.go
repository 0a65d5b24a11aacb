package idcard

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
)

// CardType tells which of the three documents a SAM module read.
type CardType byte

const (
	// Resident is the second-generation resident ID card (type mark space).
	Resident CardType = ' '
	// ResidencePermit is the Hong Kong/Macao/Taiwan residents' residence
	// permit (type mark J).
	ResidencePermit CardType = 'J'
	// Foreigner is the foreigner's permanent residence card (type mark I,
	// Y on the 2023 edition).
	Foreigner CardType = 'I'
	// Foreigner2023 is the 2023 edition of the foreigner's card (mark Y).
	Foreigner2023 CardType = 'Y'
)

func (c CardType) String() string {
	switch c {
	case Resident:
		return "居民身份证"
	case ResidencePermit:
		return "港澳台居民居住证"
	case Foreigner, Foreigner2023:
		return "外国人永久居留身份证"
	}
	return "未知证件"
}

// Identity is what a card holds. Its String and LogValue mask personal
// data, so an Identity may be passed to a logger by mistake without leaking.
type Identity struct {
	Type        CardType
	Name        string // Chinese name (foreigner cards: the Chinese name, if any)
	EnglishName string // foreigner cards only
	Gender      Gender
	Nation      string // GB/T 3304 code, resident cards only
	Nationality string // ISO 3166-1 alpha-3, foreigner cards only
	Birth       time.Time
	Address     string
	Number      string // 18-character ID number, or the foreigner card number
	Authority   string // issuing authority (foreigner cards: authority code)
	ValidFrom   time.Time
	ValidTo     time.Time // zero when NoExpiry
	NoExpiry    bool      // 长期
	PassNumber  string    // residence permits: the travel permit number
	IssueCount  int       // residence permits: times issued
	CardVersion string    // foreigner cards: version number

	Photo      []byte // raw WLT bytes; decode through a PhotoDecoder
	ChipSerial []byte // 8 bytes from select card
}

// String masks the name and number.
func (id Identity) String() string {
	return fmt.Sprintf("%s %s %s", id.Type, MaskName(id.displayName()), MaskNumber(id.Number))
}

// LogValue implements slog.LogValuer with masked fields only.
func (id Identity) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("type", string(rune(id.Type))),
		slog.String("name", MaskName(id.displayName())),
		slog.String("number", MaskNumber(id.Number)),
	)
}

// Format keeps %v, %+v and %#v from printing unmasked fields.
func (id Identity) Format(f fmt.State, verb rune) { fmt.Fprint(f, id.String()) }

func (id Identity) displayName() string {
	if id.Name == "" {
		return id.EnglishName
	}
	return id.Name
}

// NationName returns the nation's name, e.g. 汉.
func (id *Identity) NationName() string { return NationName(id.Nation) }

// Age returns the age in whole years at now.
func (id *Identity) Age(now time.Time) int {
	y := now.Year() - id.Birth.Year()
	if now.Month() < id.Birth.Month() || (now.Month() == id.Birth.Month() && now.Day() < id.Birth.Day()) {
		y--
	}
	return y
}

// Expired reports whether the card's validity ended before now's date.
// The card is valid through the whole of its last day.
func (id *Identity) Expired(now time.Time) bool {
	if id.NoExpiry || id.ValidTo.IsZero() {
		return false
	}
	y, m, d := now.Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, id.ValidTo.Location())
	return today.After(id.ValidTo)
}

// Check runs the consistency checks of GB 11643 on an 18-character number
// (check character, birth date, gender parity) and the validity period. It
// returns nil or an error wrapping ErrInvalidNumber, ErrInconsistent or
// ErrExpired; the Identity itself stays usable for staff decisions.
func (id *Identity) Check(now time.Time) error {
	var errs []error
	if len(id.Number) == 18 {
		if err := ValidNumber(id.Number); err != nil {
			errs = append(errs, err)
		} else {
			if b, err := NumberBirth(id.Number); err != nil {
				errs = append(errs, err)
			} else if !id.Birth.IsZero() && !sameDate(b, id.Birth) {
				errs = append(errs, fmt.Errorf("%w: birth date", ErrInconsistent))
			}
			if g := NumberGender(id.Number); (id.Gender == GenderMale || id.Gender == GenderFemale) && g != id.Gender {
				errs = append(errs, fmt.Errorf("%w: gender", ErrInconsistent))
			}
		}
	} else if id.Type != Foreigner {
		errs = append(errs, fmt.Errorf("%w: length %d", ErrInvalidNumber, len(id.Number)))
	}
	if id.Expired(now) {
		errs = append(errs, fmt.Errorf("%w: valid to %s", ErrExpired, id.ValidTo.Format("2006-01-02")))
	}
	return errors.Join(errs...)
}

func sameDate(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

// field is one text block field: byte offset and length.
type field struct{ off, n int }

// Offsets of the resident card and residence permit layouts.
var (
	fName      = field{0, 30}
	fGender    = field{30, 2}
	fNation    = field{32, 4}
	fBirth     = field{36, 16}
	fAddress   = field{52, 70}
	fNumber    = field{122, 36}
	fAuthority = field{158, 30}
	fFrom      = field{188, 16}
	fTo        = field{204, 16}
	fPass      = field{220, 18} // residence permit
	fIssues    = field{238, 4}  // residence permit
	fType      = field{248, 2}
)

// Offsets of the foreigner's permanent residence card (type I).
var (
	xEnglish     = field{0, 120}
	xGender      = field{120, 2}
	xNumber      = field{122, 30}
	xNationality = field{152, 6}
	xName        = field{158, 30}
	xFrom        = field{188, 16}
	xTo          = field{204, 16}
	xBirth       = field{220, 16}
	xVersion     = field{236, 4}
	xAuthority   = field{240, 8}
)

func get(b []byte, f field) string {
	u := make([]uint16, f.n/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[f.off+2*i:])
	}
	return strings.TrimRight(string(utf16.Decode(u)), " \x00")
}

// ParseText decodes a 256-byte UTF-16LE text block. Structural problems
// (size, dates, unknown type mark) are errors wrapping ErrBadText or
// ErrUnknownCardType; consistency checks are left to Identity.Check.
func ParseText(b []byte) (*Identity, error) {
	if len(b) != TextSize {
		return nil, fmt.Errorf("%w: %d bytes, want %d", ErrBadText, len(b), TextSize)
	}
	mark := get(b, fType)
	switch mark {
	case "":
		return parseResident(b, Resident)
	case "J":
		return parseResident(b, ResidencePermit)
	case "I", "Y":
		return parseForeigner(b, CardType(mark[0]))
	}
	return nil, fmt.Errorf("%w: type mark %q", ErrUnknownCardType, mark)
}

func parseGender(s string) (Gender, error) {
	switch s {
	case "0", "1", "2", "9":
		return Gender(s[0] - '0'), nil
	}
	return 0, fmt.Errorf("%w: gender code %q", ErrBadText, s)
}

func parseValidity(id *Identity, from, to string) error {
	var err error
	if id.ValidFrom, err = parseDate(from); err != nil {
		return fmt.Errorf("valid from: %w", err)
	}
	if to == "长期" {
		id.NoExpiry = true
		return nil
	}
	if id.ValidTo, err = parseDate(to); err != nil {
		return fmt.Errorf("valid to: %w", err)
	}
	if id.ValidTo.Before(id.ValidFrom) {
		return fmt.Errorf("%w: validity ends before it starts", ErrBadText)
	}
	return nil
}

func parseResident(b []byte, t CardType) (*Identity, error) {
	id := &Identity{Type: t}
	id.Name = get(b, fName)
	if id.Name == "" {
		return nil, fmt.Errorf("%w: empty name", ErrBadText)
	}
	var err error
	if id.Gender, err = parseGender(get(b, fGender)); err != nil {
		return nil, err
	}
	id.Nation = get(b, fNation)
	if t == Resident && NationName(id.Nation) == "" {
		return nil, fmt.Errorf("%w: nation code", ErrBadText)
	}
	if id.Birth, err = parseDate(get(b, fBirth)); err != nil {
		return nil, fmt.Errorf("birth: %w", err)
	}
	id.Address = get(b, fAddress)
	id.Number = get(b, fNumber)
	id.Authority = get(b, fAuthority)
	if err := parseValidity(id, get(b, fFrom), get(b, fTo)); err != nil {
		return nil, err
	}
	if t == ResidencePermit {
		id.PassNumber = get(b, fPass)
		if s := get(b, fIssues); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 {
				return nil, fmt.Errorf("%w: issue count", ErrBadText)
			}
			id.IssueCount = n
		}
	}
	return id, nil
}

func parseForeigner(b []byte, t CardType) (*Identity, error) {
	id := &Identity{Type: t}
	id.EnglishName = get(b, xEnglish)
	id.Name = get(b, xName)
	if id.EnglishName == "" && id.Name == "" {
		return nil, fmt.Errorf("%w: empty name", ErrBadText)
	}
	var err error
	if id.Gender, err = parseGender(get(b, xGender)); err != nil {
		return nil, err
	}
	id.Number = get(b, xNumber)
	id.Nationality = get(b, xNationality)
	if id.Birth, err = parseDate(get(b, xBirth)); err != nil {
		return nil, fmt.Errorf("birth: %w", err)
	}
	if err := parseValidity(id, get(b, xFrom), get(b, xTo)); err != nil {
		return nil, err
	}
	id.CardVersion = get(b, xVersion)
	id.Authority = get(b, xAuthority)
	return id, nil
}

func put(b []byte, f field, s string) error {
	u := utf16.Encode([]rune(s))
	if 2*len(u) > f.n {
		return fmt.Errorf("%w: %q does not fit %d bytes", ErrBadText, s, f.n)
	}
	for i := 0; i < f.n/2; i++ {
		v := uint16(' ')
		if i < len(u) {
			v = u[i]
		}
		binary.LittleEndian.PutUint16(b[f.off+2*i:], v)
	}
	return nil
}

func date(t time.Time) string { return t.Format("20060102") }

// EncodeText is the inverse of ParseText; emulators use it to put cards on
// the wire.
func EncodeText(id *Identity) ([]byte, error) {
	b := make([]byte, TextSize)
	for i := 0; i < TextSize; i += 2 {
		b[i] = ' '
	}
	to := "长期"
	if !id.NoExpiry {
		to = date(id.ValidTo)
	}
	g := strconv.Itoa(int(id.Gender))
	var puts []struct {
		f field
		s string
	}
	add := func(f field, s string) {
		puts = append(puts, struct {
			f field
			s string
		}{f, s})
	}
	switch id.Type {
	case Resident, ResidencePermit:
		add(fName, id.Name)
		add(fGender, g)
		add(fNation, id.Nation)
		add(fBirth, date(id.Birth))
		add(fAddress, id.Address)
		add(fNumber, id.Number)
		add(fAuthority, id.Authority)
		add(fFrom, date(id.ValidFrom))
		add(fTo, to)
		if id.Type == ResidencePermit {
			add(fPass, id.PassNumber)
			add(fIssues, fmt.Sprintf("%02d", id.IssueCount))
			add(fType, "J")
		}
	case Foreigner, Foreigner2023:
		add(xEnglish, id.EnglishName)
		add(xGender, g)
		add(xNumber, id.Number)
		add(xNationality, id.Nationality)
		add(xName, id.Name)
		add(xFrom, date(id.ValidFrom))
		add(xTo, to)
		add(xBirth, date(id.Birth))
		add(xVersion, id.CardVersion)
		add(xAuthority, id.Authority)
		add(fType, string(rune(id.Type)))
	default:
		return nil, fmt.Errorf("%w: card type %q", ErrUnknownCardType, rune(id.Type))
	}
	for _, p := range puts {
		if err := put(b, p.f, p.s); err != nil {
			return nil, err
		}
	}
	return b, nil
}
