package export

import (
	"bytes"
	"fmt"

	"github.com/xuri/excelize/v2"
)

// TableColumn is one column of a plain table: its heading and the format
// of its cells ("text", "percent", "count", "number" or "currency").
type TableColumn struct {
	Header string
	Format string
}

// Table writes rows as a one-sheet workbook: a title, one header row and
// typed cells (numbers stay numbers, in their column's format), with the
// header frozen. It is for lists that are not metric results, such as the
// churn risk list. A cell is a string, a number or nil (left empty).
func Table(name, title string, cols []TableColumn, rows [][]any) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	st, err := newStyles(f)
	if err != nil {
		return nil, err
	}
	sheet := sheetName(name, 0, map[string]bool{})
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, fmt.Errorf("name sheet %q: %w", sheet, err)
	}
	w := &writer{f: f, sheet: sheet, st: st}
	if err := w.set(1, 1, title, st.title); err != nil {
		return nil, err
	}
	for j, c := range cols {
		if err := w.set(j+1, headerRow, c.Header, st.header); err != nil {
			return nil, err
		}
	}
	for i, row := range rows {
		if len(row) != len(cols) {
			return nil, fmt.Errorf("table row %d has %d cells for %d columns", i+1, len(row), len(cols))
		}
		for j, v := range row {
			if err := w.tableCell(j+1, headerRow+1+i, cols[j].Format, v); err != nil {
				return nil, fmt.Errorf("table row %d, column %q: %w", i+1, cols[j].Header, err)
			}
		}
	}
	if err := w.freeze(0, headerRow); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		return nil, fmt.Errorf("write workbook: %w", err)
	}
	return b.Bytes(), nil
}

// tableCell writes one typed cell of a plain table.
func (w *writer) tableCell(col, row int, format string, v any) error {
	switch x := v.(type) {
	case nil:
		return w.f.SetCellStyle(w.sheet, cell(col, row), cell(col, row), w.st.text)
	case string:
		return w.set(col, row, x, w.st.text)
	case int:
		return w.set(col, row, x, w.st.numberStyle(format, false))
	case int64:
		return w.set(col, row, x, w.st.numberStyle(format, false))
	case float64:
		return w.set(col, row, x, w.st.numberStyle(format, false))
	}
	return fmt.Errorf("cell of type %T", v)
}
