package hallproto

// EvConfigChanged is sent on the event stream when the hall's configuration
// (services, windows, hours, texts) changes; devices fetch GET /api/v1/hall
// and GET /api/v1/services again.
const EvConfigChanged EventType = "config_changed"

// HallInfo is the answer of GET /api/v1/hall: what devices print on tickets
// and show on signs. Devices use it when present and their defaults
// otherwise (an older controller answers 404).
type HallInfo struct {
	Name         string `json:"name"`
	NameEN       string `json:"name_en"`
	TicketFooter string `json:"ticket_footer"`
	// SignIdle, SignPaused and SignEmpty are the window signs' texts when
	// idle ("欢迎光临"), paused ("暂停服务") and with nobody waiting ("无人等候").
	SignIdle   string `json:"sign_idle"`
	SignPaused string `json:"sign_paused"`
	SignEmpty  string `json:"sign_empty"`
	// Notices are short announcements for displays and kiosks.
	Notices []string  `json:"notices"`
	Hours   HallHours `json:"hours"`
	// ConfigVersion increases with every change made from the console; 0
	// while the hall runs its configuration file unchanged.
	ConfigVersion int `json:"config_version"`
}

// HallHours are the hall's daily times, "HH:MM" in Timezone.
type HallHours struct {
	IssueFrom  string `json:"issue_from"`
	IssueUntil string `json:"issue_until"` // the cut-off for new tickets
	Close      string `json:"close"`
	Timezone   string `json:"timezone"`
}
