package export

import (
	"bytes"
	"strconv"
	"testing"

	"github.com/xuri/excelize/v2"
)

// A plain table reads back as written: title, headers, text as text and
// numbers as numeric cells with their column's format.
func TestTableReadsBack(t *testing.T) {
	cols := []TableColumn{{"客户", "count"}, {"支行", "text"}, {"评分", "percent"}, {"原因", "text"}}
	rows := [][]any{{int64(42), "上海浦东支行", 0.8125, "近三个月交易笔数较前三个月下降 62%"}, {int64(7), "=cmd|' /C calc'!A0", 0.5, nil}}
	b, err := Table("风险客户名单", "高风险客户 2026-10", cols, rows)
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheet := f.GetSheetName(0)
	if sheet != "风险客户名单" {
		t.Errorf("sheet %q", sheet)
	}
	got, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	if got[0][0] != "高风险客户 2026-10" || got[headerRow-1][1] != "支行" || got[headerRow-1][3] != "原因" {
		t.Errorf("title and headers: %q", got[:headerRow])
	}
	first := got[headerRow]
	if first[0] != "42" || first[1] != "上海浦东支行" || first[3] != "近三个月交易笔数较前三个月下降 62%" {
		t.Errorf("first row %q", first)
	}
	if v, err := strconv.ParseFloat(first[2], 64); err != nil || v != 0.8125 {
		t.Errorf("score cell %q, want the number 0.8125", first[2])
	}
	for _, c := range []string{"A4", "C4"} {
		if typ, _ := f.GetCellType(sheet, c); typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
			t.Errorf("cell %s has type %v, want a number", c, typ)
		}
	}
	if s, _ := f.GetCellValue(sheet, "C4"); s != "81.25%" {
		t.Errorf("score shows as %q, want 81.25%%", s)
	}
	// A text cell that looks like a formula stays text, never a formula.
	if formula, _ := f.GetCellFormula(sheet, "B5"); formula != "" {
		t.Errorf("B5 became the formula %q", formula)
	}
	if _, err := Table("x", "x", cols, [][]any{{1}}); err == nil {
		t.Error("a short row was written")
	}
}
