package hallproto

import (
	"reflect"
	"testing"
)

// The document types join the drift tests of openapi_test.go; their
// samples live in testdata/documents/.
func init() {
	for _, t := range []reflect.Type{reflect.TypeFor[DocumentUpload](), reflect.TypeFor[Document](),
		reflect.TypeFor[DocumentList]()} {
		wireTypes[t.Name()] = t
	}
}

func documentGoldens() []golden {
	doc := Document{ID: 12, TicketID: 23, Material: "户口簿", Pages: 2, Bytes: 381204, CreatedAt: at(9, 20, 11),
		ExpiresAt: at(9, 20, 11).AddDate(0, 0, 30), Source: "kiosk-01"}
	person := Document{ID: 9, BoundToPerson: true, Material: "身份证复印件", Pages: 1, Bytes: 120455,
		CreatedAt: at(8, 55, 0).AddDate(0, 0, -3), ExpiresAt: at(8, 55, 0).AddDate(0, 0, 27), Source: "kiosk-02"}
	return []golden{
		// "/9j/4AAQ" is the base64 start of every JFIF file; a real page is longer.
		{"document_upload", &DocumentUpload{RequestID: "k01-9a8b7c6d5e4f3021", TicketID: 23, Material: "户口簿",
			Pages: []string{"/9j/4AAQSkZJRgABAQAAAQABAAD/2w==", "/9j/4AAQSkZJRgABAQAAAQABAAD/2w=="}, Source: "kiosk-01"}},
		{"document_upload_idcard", &DocumentUpload{RequestID: "k02-0f1e2d3c4b5a6978", IDCard: &IDCard{Number: "11010519491231002X"},
			Material: "身份证复印件", Pages: []string{"/9j/4AAQSkZJRgABAQAAAQABAAD/2w=="}, Source: "kiosk-02"}},
		{"document", &doc},
		{"document_list", &DocumentList{TicketID: 23, Documents: []Document{doc, person}}},
	}
}

// TestGoldenDocuments pins the bytes of the document types; refresh with -update.
func TestGoldenDocuments(t *testing.T) { checkGoldens(t, "documents", documentGoldens()) }
