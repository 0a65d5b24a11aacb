package eval

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"hallq/controller/hallproto"
	"hallq/controller/internal/api"
)

// ExportRecord is one record of the export for the provincial 好差评
// system: one per rated service, with the five-level value. Personal data
// is the masked name only.
type ExportRecord struct {
	EvaluationID uint64 `json:"evaluation_id"`
	RatedAt      string `json:"rated_at"`
	FinishedAt   string `json:"finished_at"`
	Ticket       string `json:"ticket"` // number as printed
	Service      string `json:"service"`
	ServiceName  string `json:"service_name"`
	Window       string `json:"window"`
	Staff        string `json:"staff"`
	Level        int    `json:"level"`
	LevelName    string `json:"level_name"`
	Reason       string `json:"reason,omitempty"`
	CaseNumber   string `json:"case_number,omitempty"`
	MaskedName   string `json:"masked_name,omitempty"`
	Followup     uint64 `json:"followup,omitempty"`
}

// exportHeader is the CSV header, in ExportRecord's order.
var exportHeader = []string{"evaluation_id", "rated_at", "finished_at", "ticket", "service", "service_name",
	"window", "staff", "level", "level_name", "reason", "case_number", "masked_name", "followup"}

func toRecord(e *hallproto.Evaluation, loc *time.Location) ExportRecord {
	return ExportRecord{EvaluationID: e.ID, RatedAt: e.RatedAt.In(loc).Format(time.RFC3339),
		FinishedAt: e.FinishedAt.In(loc).Format(time.RFC3339), Ticket: e.Number, Service: e.Service,
		ServiceName: e.ServiceName, Window: e.Window, Staff: e.Staff, Level: e.Rating, LevelName: e.RatingName,
		Reason: e.Reason, CaseNumber: e.CaseNumber, MaskedName: e.MaskedName, Followup: e.Followup}
}

// csvSafe defuses spreadsheet formulas: a cell starting with = + - @ or a
// tab would be evaluated by Excel when the file is opened.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// Export writes the evaluations matching f as "csv" (UTF-8 with BOM, so
// Excel shows Chinese) or "json" (an array of ExportRecord).
func (s *Service) Export(w io.Writer, f Filter, format string) error {
	evs, err := s.Ratings(f)
	if err != nil {
		return err
	}
	switch format {
	case "json":
		recs := make([]ExportRecord, 0, len(evs))
		for i := range evs {
			recs = append(recs, toRecord(&evs[i], s.rules.loc))
		}
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		return enc.Encode(recs)
	case "csv", "":
		if _, err := io.WriteString(w, "\ufeff"); err != nil {
			return err
		}
		cw := csv.NewWriter(w)
		if err := cw.Write(exportHeader); err != nil {
			return err
		}
		for i := range evs {
			r := toRecord(&evs[i], s.rules.loc)
			fu := ""
			if r.Followup != 0 {
				fu = strconv.FormatUint(r.Followup, 10)
			}
			row := []string{strconv.FormatUint(r.EvaluationID, 10), r.RatedAt, r.FinishedAt, csvSafe(r.Ticket),
				csvSafe(r.Service), csvSafe(r.ServiceName), csvSafe(r.Window), csvSafe(r.Staff), strconv.Itoa(r.Level),
				r.LevelName, csvSafe(r.Reason), csvSafe(r.CaseNumber), csvSafe(r.MaskedName), fu}
			if err := cw.Write(row); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	}
	return withDetail(ErrBadQuery, "format %q: csv or json", format)
}

func (s *Service) export(w http.ResponseWriter, r *http.Request, p api.Principal) {
	f, ok := s.readFilter(w, r, p)
	if !ok {
		return
	}
	format := r.URL.Query().Get("format")
	switch format {
	case "", "csv":
		format = "csv"
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	case "json":
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	default:
		writeError(w, withDetail(ErrBadQuery, "format %q: csv or json", format))
		return
	}
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="evaluations-%s.%s"`, s.now().In(s.rules.loc).Format("20060102-150405"), format))
	if err := s.Export(w, f, format); err != nil {
		s.lg.Error("evaluation export", "err", err)
	}
}
