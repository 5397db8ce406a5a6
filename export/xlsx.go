// Package export writes metric results as Excel workbooks the way a
// bank's finance team lays out a report (中国式报表): typed numeric cells
// with number formats (percent, money, counts), two breakdowns as a cross
// table under two-level headers, governed subtotals and totals, a frozen
// header and sheet names in the reader's language.
package export

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/narrate"
)

// Sheet is one result to write, with the governed totals that go with it.
// A total is never a sum of the rows: a ratio's total is the ratio over
// all rows, so totals come from the same query with fewer dimensions.
type Sheet struct {
	// Name is the sheet's name; it is cut to Excel's 31 characters and
	// cleared of the characters Excel forbids.
	Name   string
	Title  string
	Result *metrics.Result
	// Total is the query without its dimensions (a 合计 row); ByFirst and
	// BySecond are it by only the first or only the second dimension (the
	// subtotals of a cross table). Each may be nil.
	Total, ByFirst, BySecond *metrics.Result
}

// headerRow is the first header row; the title takes row 1.
const headerRow = 3

// Workbook writes the sheets as an xlsx file, in lang ("zh" or "en").
func Workbook(cat *metrics.Catalog, lang string, sheets ...Sheet) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	st, err := newStyles(f)
	if err != nil {
		return nil, err
	}
	used := map[string]bool{}
	for i, s := range sheets {
		name := sheetName(s.Name, i, used)
		if i == 0 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				return nil, fmt.Errorf("name sheet %q: %w", name, err)
			}
		} else if _, err := f.NewSheet(name); err != nil {
			return nil, fmt.Errorf("add sheet %q: %w", name, err)
		}
		w := &writer{f: f, sheet: name, st: st, cat: cat, lang: lang, s: s}
		if err := w.write(); err != nil {
			return nil, fmt.Errorf("write sheet %q: %w", name, err)
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		return nil, fmt.Errorf("write workbook: %w", err)
	}
	return b.Bytes(), nil
}

// sheetName makes a valid, unique sheet name: at most 31 characters,
// none of : \ / ? * [ ].
func sheetName(name string, i int, used map[string]bool) string {
	name = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`:\/?*[]`, r) {
			return '_'
		}
		return r
	}, strings.TrimSpace(name))
	if name == "" {
		name = fmt.Sprintf("Sheet%d", i+1)
	}
	base := truncate(name, 31)
	name = base
	for n := 2; used[strings.ToLower(name)]; n++ {
		suffix := fmt.Sprintf("(%d)", n)
		name = truncate(base, 31-len(suffix)) + suffix
	}
	used[strings.ToLower(name)] = true
	return name
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// styles are the cell styles of a workbook.
type styles struct {
	title, header, text, date, percent, money, count, number int
	// bold variants for totals
	totalText, totalPercent, totalMoney, totalCount, totalNumber int
}

func newStyles(f *excelize.File) (*styles, error) {
	var st styles
	border := []excelize.Border{{Type: "left", Color: "C0C4CC", Style: 1}, {Type: "right", Color: "C0C4CC", Style: 1},
		{Type: "top", Color: "C0C4CC", Style: 1}, {Type: "bottom", Color: "C0C4CC", Style: 1}}
	mk := func(out *int, s excelize.Style) error {
		id, err := f.NewStyle(&s)
		*out = id
		return err
	}
	fmtOf := func(code string) *string { return &code }
	bold := &excelize.Font{Bold: true}
	for _, x := range []struct {
		out *int
		s   excelize.Style
	}{
		{&st.title, excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}}},
		{&st.header, excelize.Style{Font: bold, Border: border, Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
			Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}}},
		{&st.text, excelize.Style{Border: border}},
		{&st.date, excelize.Style{Border: border, CustomNumFmt: fmtOf("yyyy-mm-dd")}},
		{&st.percent, excelize.Style{Border: border, CustomNumFmt: fmtOf("0.00%")}},
		{&st.money, excelize.Style{Border: border, CustomNumFmt: fmtOf("#,##0.00")}},
		{&st.count, excelize.Style{Border: border, CustomNumFmt: fmtOf("#,##0")}},
		{&st.number, excelize.Style{Border: border, CustomNumFmt: fmtOf("#,##0.00")}},
		{&st.totalText, excelize.Style{Border: border, Font: bold}},
		{&st.totalPercent, excelize.Style{Border: border, Font: bold, CustomNumFmt: fmtOf("0.00%")}},
		{&st.totalMoney, excelize.Style{Border: border, Font: bold, CustomNumFmt: fmtOf("#,##0.00")}},
		{&st.totalCount, excelize.Style{Border: border, Font: bold, CustomNumFmt: fmtOf("#,##0")}},
		{&st.totalNumber, excelize.Style{Border: border, Font: bold, CustomNumFmt: fmtOf("#,##0.00")}},
	} {
		if err := mk(x.out, x.s); err != nil {
			return nil, fmt.Errorf("add cell style: %w", err)
		}
	}
	return &st, nil
}

// numberStyle is the style of a value in format.
func (st *styles) numberStyle(format string, total bool) int {
	switch format {
	case "percent":
		return pick(total, st.totalPercent, st.percent)
	case "currency":
		return pick(total, st.totalMoney, st.money)
	case "count":
		return pick(total, st.totalCount, st.count)
	}
	return pick(total, st.totalNumber, st.number)
}

func pick(c bool, a, b int) int {
	if c {
		return a
	}
	return b
}

// writer writes one sheet.
type writer struct {
	f     *excelize.File
	sheet string
	st    *styles
	cat   *metrics.Catalog
	lang  string
	s     Sheet
	defs  map[string]metrics.Definition
}

func (w *writer) write() error {
	r := w.s.Result
	w.defs = map[string]metrics.Definition{}
	for _, d := range r.Definitions {
		w.defs[d.Name] = d
	}
	if err := w.set(1, 1, w.s.Title, w.st.title); err != nil {
		return err
	}
	var dims []int
	period := -1
	for i, c := range r.Columns {
		switch c.Role {
		case "dimension":
			dims = append(dims, i)
		case "time":
			period = i
		}
	}
	if len(dims) == 2 && period < 0 {
		return w.cross(dims)
	}
	return w.flat()
}

// cell is the A1 name of a 1-based column and row.
func cell(col, row int) string {
	name, _ := excelize.CoordinatesToCellName(col, row)
	return name
}

// set writes a value with a style.
func (w *writer) set(col, row int, v any, style int) error {
	c := cell(col, row)
	if err := w.f.SetCellValue(w.sheet, c, v); err != nil {
		return err
	}
	return w.f.SetCellStyle(w.sheet, c, c, style)
}

// value writes a result cell typed: a number with its format, a period
// as a date, anything else as text; a missing value stays empty.
func (w *writer) value(col, row int, c metrics.Column, v any, total bool) error {
	if v == nil {
		return w.f.SetCellStyle(w.sheet, cell(col, row), cell(col, row), pick(total, w.st.totalText, w.st.text))
	}
	switch c.Role {
	case "metric", "comparison":
		if f, ok := narrate.Number(v); ok {
			format := narrate.ColumnDefinition(c, w.defs).Format
			if n, isInt := v.(int64); isInt {
				return w.set(col, row, n, w.st.numberStyle(format, total))
			}
			return w.set(col, row, f, w.st.numberStyle(format, total))
		}
	case "time":
		if t, err := time.Parse("2006-01-02", fmt.Sprint(v)); err == nil {
			return w.set(col, row, t, w.st.date)
		}
	case "dimension":
		return w.set(col, row, narrate.ValueLabel(w.lang, w.cat, c.Name, fmt.Sprint(v)), pick(total, w.st.totalText, w.st.text))
	}
	return w.set(col, row, fmt.Sprint(v), pick(total, w.st.totalText, w.st.text))
}

// header is a column's heading, with the unit of money or counts.
func (w *writer) header(c metrics.Column) string {
	h := narrate.ColumnLabel(w.cat, c, w.lang)
	if c.Role != "metric" && c.Role != "comparison" {
		return h
	}
	d := narrate.ColumnDefinition(c, w.defs)
	unit := d.Unit
	if d.Format == "currency" {
		unit = metrics.MoneyName(w.lang, d.Currency, d.Unit)
	}
	if unit == "" || d.Format == "percent" {
		return h
	}
	if w.lang == "zh" {
		return h + "（" + unit + "）"
	}
	return h + " (" + unit + ")"
}

func (w *writer) totalWord() string {
	if w.lang == "zh" {
		return "合计"
	}
	return "Total"
}

// flat writes a result as it is: a header row, one row per result row,
// and total rows from the query without dimensions.
func (w *writer) flat() error {
	r := w.s.Result
	for j, c := range r.Columns {
		if err := w.set(j+1, headerRow, w.header(c), w.st.header); err != nil {
			return err
		}
		width := max(12, min(40, utf8.RuneCountInString(w.header(c))*2+2))
		if err := w.f.SetColWidth(w.sheet, colName(j+1), colName(j+1), float64(width)); err != nil {
			return err
		}
	}
	row := headerRow + 1
	for _, rr := range r.Rows {
		for j, c := range r.Columns {
			if err := w.value(j+1, row, c, rr[j], false); err != nil {
				return err
			}
		}
		row++
	}
	if t := w.s.Total; t != nil && hasDimension(r) {
		for _, tr := range t.Rows {
			labelled := false
			for j, c := range r.Columns {
				v, ok := valueOf(t, tr, c.Name)
				switch {
				case c.Role == "dimension" && !labelled:
					if err := w.set(j+1, row, w.totalWord(), w.st.totalText); err != nil {
						return err
					}
					labelled = true
				case ok:
					if err := w.value(j+1, row, c, v, true); err != nil {
						return err
					}
				default:
					if err := w.f.SetCellStyle(w.sheet, cell(j+1, row), cell(j+1, row), w.st.totalText); err != nil {
						return err
					}
				}
			}
			row++
		}
	}
	return w.freeze(1, headerRow)
}

// cross writes two breakdowns as a cross table: the first dimension down,
// the second across under a two-level header (its value, then each
// metric), a 合计 column per metric from the query by the first dimension
// alone, and a 合计 row from the query by the second alone and the total.
func (w *writer) cross(dims []int) error {
	r := w.s.Result
	var mets []int
	for i, c := range r.Columns {
		if c.Role == "metric" || c.Role == "comparison" {
			mets = append(mets, i)
		}
	}
	d0, d1 := dims[0], dims[1]
	downs, acrosses := distinct(r.Rows, d0), distinct(r.Rows, d1)
	if err := w.set(1, headerRow, w.header(r.Columns[d0]), w.st.header); err != nil {
		return err
	}
	if err := w.f.MergeCell(w.sheet, cell(1, headerRow), cell(1, headerRow+1)); err != nil {
		return err
	}
	if err := w.f.SetColWidth(w.sheet, "A", "A", 18); err != nil {
		return err
	}
	groups := append(slices.Clone(acrosses), totalKey{})
	col := 2
	for _, g := range groups {
		top := w.totalWord()
		if _, isTotal := g.(totalKey); !isTotal {
			top = w.label(r.Columns[d1], g)
		}
		if err := w.set(col, headerRow, top, w.st.header); err != nil {
			return err
		}
		if len(mets) > 1 {
			if err := w.f.MergeCell(w.sheet, cell(col, headerRow), cell(col+len(mets)-1, headerRow)); err != nil {
				return err
			}
		}
		for k, mi := range mets {
			if err := w.set(col+k, headerRow+1, w.header(r.Columns[mi]), w.st.header); err != nil {
				return err
			}
		}
		col += len(mets)
	}
	if err := w.f.SetColWidth(w.sheet, "B", colName(col), 14); err != nil {
		return err
	}
	row := headerRow + 2
	for _, down := range append(slices.Clone(downs), totalKey{}) {
		_, totalRow := down.(totalKey)
		head := w.totalWord()
		if !totalRow {
			head = w.label(r.Columns[d0], down)
		}
		if err := w.set(1, row, head, pick(totalRow, w.st.totalText, w.st.text)); err != nil {
			return err
		}
		col := 2
		for _, g := range groups {
			_, totalCol := g.(totalKey)
			src, match := w.crossSource(totalRow, totalCol, d0, d1, down, g)
			for k, mi := range mets {
				var v any
				if src != nil {
					v = lookup(src, match, r.Columns[mi].Name)
				}
				if err := w.value(col+k, row, r.Columns[mi], v, totalRow || totalCol); err != nil {
					return err
				}
			}
			col += len(mets)
		}
		row++
	}
	return w.freeze(1, headerRow+1)
}

// totalKey marks the 合计 row or column of a cross table.
type totalKey struct{}

// crossSource is the result and the dimension values that hold a cross
// table's cell: the rows themselves, a subtotal, or the total.
func (w *writer) crossSource(totalRow, totalCol bool, d0, d1 int, down, across any) (*metrics.Result, map[string]any) {
	r := w.s.Result
	n0, n1 := r.Columns[d0].Name, r.Columns[d1].Name
	switch {
	case totalRow && totalCol:
		return w.s.Total, nil
	case totalRow:
		return w.s.BySecond, map[string]any{n1: across}
	case totalCol:
		return w.s.ByFirst, map[string]any{n0: down}
	}
	return r, map[string]any{n0: down, n1: across}
}

func (w *writer) label(c metrics.Column, v any) string {
	if v == nil {
		return map[bool]string{true: "（未填）", false: "(blank)"}[w.lang == "zh"]
	}
	return narrate.ValueLabel(w.lang, w.cat, c.Name, fmt.Sprint(v))
}

// freeze keeps the header rows (and the first cols columns) in view.
func (w *writer) freeze(cols, lastHeaderRow int) error {
	return w.f.SetPanes(w.sheet, &excelize.Panes{Freeze: true, XSplit: cols, YSplit: lastHeaderRow,
		TopLeftCell: cell(cols+1, lastHeaderRow+1), ActivePane: "bottomRight"})
}

// lookup finds the value of column name in the row of src whose columns
// match (nil: the first row).
func lookup(src *metrics.Result, match map[string]any, name string) any {
	for _, row := range src.Rows {
		ok := true
		for k, want := range match {
			if v, has := valueOf(src, row, k); !has || v != want {
				ok = false
				break
			}
		}
		if ok {
			v, _ := valueOf(src, row, name)
			return v
		}
	}
	return nil
}

func valueOf(r *metrics.Result, row []any, name string) (any, bool) {
	for j, c := range r.Columns {
		if c.Name == name {
			return row[j], true
		}
	}
	return nil, false
}

func hasDimension(r *metrics.Result) bool {
	return slices.ContainsFunc(r.Columns, func(c metrics.Column) bool { return c.Role == "dimension" })
}

func distinct(rows [][]any, i int) []any {
	var out []any
	for _, r := range rows {
		if !slices.Contains(out, r[i]) {
			out = append(out, r[i])
		}
	}
	return out
}

func colName(n int) string {
	s, _ := excelize.ColumnNumberToName(n)
	return s
}
