package server_test

import (
	"bytes"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/beaconbi/beacon/server"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

// The risk list as a workbook reads back with the same customers, scores
// and reasons as the hand SQL over risk_scores, the score a number.
func TestRiskListXLSX(t *testing.T) {
	db, _ := scoredBank(t)
	srv := newServer(t, db, server.AuthConfig{})
	r := do(t, srv, "GET", "/api/v1/risk/customers?tier=high&format=xlsx&lang=en&limit=500", nil)
	if r.status != 200 || !strings.Contains(r.header.Get("Content-Type"), "spreadsheetml") ||
		!strings.Contains(r.header.Get("Content-Disposition"), ".xlsx") {
		t.Fatalf("xlsx: status %d %s %.200s", r.status, r.header, r.body)
	}
	f, err := excelize.OpenReader(bytes.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheet := f.GetSheetName(0)
	rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	const header = 2 // title, a blank row, then the header
	if len(rows) <= header || rows[header][0] != "customer_id" || rows[header][5] != "score" || rows[header][8] != "reason_1" {
		t.Fatalf("header: %q", rows[:min(len(rows), header+1)])
	}
	want := warehousetest.Rows(t, db, `SELECT customer_id, score, reasons FROM risk_scores WHERE tier = 'high'
		ORDER BY score DESC, customer_id`)
	got := rows[header+1:]
	if len(got) != len(want) || len(want) == 0 {
		t.Fatalf("%d rows, hand SQL %d", len(got), len(want))
	}
	for i, w := range want {
		id := strconv.FormatInt(int64(w[0].(float64)), 10)
		score, err := strconv.ParseFloat(got[i][5], 64)
		// Excel keeps 15 significant digits.
		if got[i][0] != id || err != nil || math.Abs(score-w[1].(float64)) > 1e-13 {
			t.Errorf("row %d: customer %s score %s, want %s %v", i, got[i][0], got[i][5], id, w[1])
		}
		if reason := got[i][8]; reason == "" || !strings.Contains(w[2].(string), reason) {
			t.Errorf("row %d: reason %q is not among %s", i, reason, w[2])
		}
		if typ, _ := f.GetCellType(sheet, "F"+strconv.Itoa(header+2+i)); typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
			t.Errorf("row %d: score cell of type %v, want a number", i, typ)
		}
	}
}
