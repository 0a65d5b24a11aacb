package hallproto

import "time"

// DocumentUpload is the body of POST /api/v1/documents: pages a citizen
// captured at a kiosk's document camera (高拍仪), bound either to a ticket
// (the window that calls it sees them) or to a person (the controller keeps
// only a keyed hash of the ID number, so a later visit with the same card
// finds them). Exactly one of TicketID and IDCard is set.
type DocumentUpload struct {
	RequestID string  `json:"request_id"`
	TicketID  uint64  `json:"ticket_id,omitempty"`
	IDCard    *IDCard `json:"idcard,omitempty"` // only Number is used
	// Material is the kind of document the citizen chose (身份证复印件,
	// 户口簿, 营业执照 ...), at most 32 characters.
	Material string `json:"material"`
	// Pages are base64 (standard, padded) JPEG images, one per page.
	Pages  []string `json:"pages"`
	Source string   `json:"source,omitempty"` // kiosk id
}

// Document is a stored upload as windows list it. It never carries the ID
// number or the person hash: BoundToPerson says how it was bound.
type Document struct {
	ID            uint64    `json:"id"`
	TicketID      uint64    `json:"ticket_id,omitempty"`
	BoundToPerson bool      `json:"bound_to_person,omitempty"`
	Material      string    `json:"material"`
	Pages         int       `json:"pages"`
	Bytes         int       `json:"bytes"` // all pages together
	CreatedAt     time.Time `json:"created_at"`
	ExpiresAt     time.Time `json:"expires_at"` // removed by the retention purge after this
	Source        string    `json:"source,omitempty"`
}

// DocumentList is the answer of GET /api/v1/tickets/{id}/documents: the
// ticket's documents and those bound to the ticket holder's ID card, newest
// first.
type DocumentList struct {
	TicketID  uint64     `json:"ticket_id"`
	Documents []Document `json:"documents"`
}
