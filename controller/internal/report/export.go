package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"hallq/controller/hallproto"
)

var groupNames = map[string]string{"service": "业务", "window": "窗口", "staff": "工作人员"}
var periodNames = map[string]string{"day": "日报", "week": "周报", "month": "月报"}

// Headers are the Chinese column headers of the exports; the first names
// the grouping.
func Headers(by string) []string {
	return []string{groupNames[by] + "编号", groupNames[by], "取号量", "叫号量", "办结量", "过号/未到", "取消",
		"平均等候(分钟)", "P90等候(分钟)", "最长等候(分钟)", "30分钟内叫号率",
		"平均办理(分钟)", "P90办理(分钟)", "最长办理(分钟)", "服务时长(小时)", "在岗时长(小时)", "窗口利用率",
		"评价数", "非常满意", "满意", "基本满意", "不满意", "非常不满意", "满意率"}
}

func minutes(s float64) string { return strconv.FormatFloat(s/60, 'f', 1, 64) }
func hours(s float64) string   { return strconv.FormatFloat(s/3600, 'f', 1, 64) }
func pct(x float64) string     { return strconv.FormatFloat(x*100, 'f', 1, 64) + "%" }

// cells is a row as text, in Headers order.
func cells(r hallproto.ReportRow, ratings bool) []string {
	out := []string{r.Key, r.Name, strconv.Itoa(r.Issued), strconv.Itoa(r.Called), strconv.Itoa(r.Served),
		strconv.Itoa(r.NoShows), strconv.Itoa(r.Cancelled), minutes(r.WaitMean), minutes(r.WaitP90), minutes(r.WaitMax),
		pct(r.Within30), minutes(r.ServiceMean), minutes(r.ServiceP90), minutes(r.ServiceMax),
		hours(r.ServingSeconds), hours(r.LoggedInSeconds), pct(r.Utilisation)}
	if r.LoggedInSeconds == 0 { // services have no logged-in time
		out[15], out[16] = "-", "-"
	}
	if !ratings {
		return append(out, "-", "-", "-", "-", "-", "-", "-")
	}
	out = append(out, strconv.Itoa(r.RatingCount))
	for lvl := 5; lvl >= 1; lvl-- {
		out = append(out, strconv.Itoa(r.Ratings[lvl]))
	}
	sat := "-"
	if r.RatingCount > 0 {
		sat = pct(r.Satisfaction)
	}
	return append(out, sat)
}

// csvSafe keeps a spreadsheet from reading a cell as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) && s != "-" {
		return "'" + s
	}
	return s
}

// Title is the report's heading, e.g. "2026-11-01 至 2026-11-30 月报（按业务）".
func Title(r hallproto.Report) string {
	return fmt.Sprintf("%s 至 %s %s（按%s）", r.From, r.Until, periodNames[r.Period], groupNames[r.By])
}

// FileName is the export's name without extension.
func FileName(r hallproto.Report) string {
	return fmt.Sprintf("hallq-report-%s-%s-by-%s", r.Period, r.From, r.By)
}

// WriteCSV writes the report as CSV with a UTF-8 byte order mark: the rows,
// the total, an empty line, then the days.
func WriteCSV(w io.Writer, r hallproto.Report) error {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	put := func(rec []string) {
		for i := range rec {
			rec[i] = csvSafe(rec[i])
		}
		cw.Write(rec)
	}
	put([]string{Title(r)})
	put(Headers(r.By))
	for _, row := range r.Rows {
		put(cells(row, r.RatingsKnown))
	}
	put(cells(r.Total, r.RatingsKnown))
	put([]string{})
	h := Headers(r.By)
	h[0], h[1] = "日期", "日期"
	put(h)
	for _, row := range r.Days {
		put(cells(row, r.RatingsKnown))
	}
	cw.Flush()
	return cw.Error()
}

// WriteXLSX writes the report as an Excel workbook: a sheet of the groups
// with the total, and a sheet of the days.
func WriteXLSX(w io.Writer, r hallproto.Report) error {
	f := excelize.NewFile()
	defer f.Close()
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return fmt.Errorf("report: xlsx: %w", err)
	}
	sheet := func(name string, header []string, rows []hallproto.ReportRow, total *hallproto.ReportRow) error {
		if err := f.SetCellStr(name, "A1", Title(r)); err != nil {
			return err
		}
		f.SetCellStyle(name, "A1", "A1", bold)
		put := func(line int, rec []string, numeric bool) error {
			for i, v := range rec {
				cell, _ := excelize.CoordinatesToCellName(i+1, line)
				if n, err := strconv.ParseFloat(v, 64); numeric && i >= 2 && err == nil {
					if err := f.SetCellFloat(name, cell, n, -1, 64); err != nil {
						return err
					}
					continue
				}
				if err := f.SetCellStr(name, cell, v); err != nil {
					return err
				}
			}
			return nil
		}
		if err := put(2, header, false); err != nil {
			return err
		}
		last, _ := excelize.CoordinatesToCellName(len(header), 2)
		f.SetCellStyle(name, "A2", last, bold)
		line := 3
		for _, row := range rows {
			if err := put(line, cells(row, r.RatingsKnown), true); err != nil {
				return err
			}
			line++
		}
		if total != nil {
			if err := put(line, cells(*total, r.RatingsKnown), true); err != nil {
				return err
			}
			a, _ := excelize.CoordinatesToCellName(1, line)
			b, _ := excelize.CoordinatesToCellName(len(header), line)
			f.SetCellStyle(name, a, b, bold)
		}
		f.SetColWidth(name, "A", "B", 14)
		f.SetColWidth(name, "C", "X", 12)
		return f.SetPanes(name, &excelize.Panes{Freeze: true, YSplit: 2, TopLeftCell: "A3", ActivePane: "bottomLeft"})
	}
	main := "按" + groupNames[r.By]
	if err := f.SetSheetName("Sheet1", main); err != nil {
		return fmt.Errorf("report: xlsx: %w", err)
	}
	if err := sheet(main, Headers(r.By), r.Rows, &r.Total); err != nil {
		return fmt.Errorf("report: xlsx: %w", err)
	}
	if _, err := f.NewSheet("按日"); err != nil {
		return fmt.Errorf("report: xlsx: %w", err)
	}
	h := Headers(r.By)
	h[0], h[1] = "日期", "日期"
	if err := sheet("按日", h, r.Days, nil); err != nil {
		return fmt.Errorf("report: xlsx: %w", err)
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("report: xlsx: %w", err)
	}
	return nil
}
