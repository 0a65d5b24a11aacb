package workday

// DefaultConfig returns the 2026 national public holidays and adjusted
// working days from the State Council General Office's notice on the 2026
// holiday arrangements (国务院办公厅关于2026年部分节假日安排的通知,
// 国办发明电〔2025〕7号). Halls add the following years' notices (published
// each November) to their configuration.
func DefaultConfig() Config {
	d := func(m, day int) Date { return Date{2026, monthOf(m), day} }
	return Config{Holidays: []Holiday{
		{Name: "元旦", From: d(1, 1), To: d(1, 3), Workdays: []Date{d(1, 4)}},
		{Name: "春节", From: d(2, 15), To: d(2, 23), Workdays: []Date{d(2, 14), d(2, 28)}},
		{Name: "清明节", From: d(4, 4), To: d(4, 6)},
		{Name: "劳动节", From: d(5, 1), To: d(5, 5), Workdays: []Date{d(5, 9)}},
		{Name: "端午节", From: d(6, 19), To: d(6, 21)},
		{Name: "中秋节", From: d(9, 25), To: d(9, 27)},
		{Name: "国庆节", From: d(10, 1), To: d(10, 7), Workdays: []Date{d(9, 20), d(10, 10)}},
	}}
}

// Default is the calendar of DefaultConfig.
func Default() *Calendar { return MustNew(DefaultConfig()) }
