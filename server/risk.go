package server

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	beacon "github.com/beaconbi/beacon"
	"github.com/beaconbi/beacon/export"
	"github.com/beaconbi/beacon/risk"
)

// Bounds of the risk list's paging.
const (
	riskDefaultLimit = 50
	riskMaxLimit     = 5000
	riskMaxOffset    = 10_000_000
)

// mountRisk adds the churn early-warning routes.
func (s *Server) mountRisk(api fiber.Router) {
	q := s.admit(ClassQuery)
	api.Get("/risk/customers", s.allow(roleViewer), q, s.listRisk)
	api.Get("/risk/customers/:id", s.allow(roleViewer), q, s.getCustomerRisk)
	api.Get("/risk/model", s.allow(roleViewer), s.admit(ClassCheap), s.getRiskModel)
}

// listRisk handles GET /api/v1/risk/customers?tier=&segment=&branch=&inactive=&month=&limit=&offset=&format=&lang=:
// scored customers, highest risk first, within the caller's row scope.
func (s *Server) listRisk(c *fiber.Ctx) error {
	q, err := riskListQuery(c)
	if err != nil {
		return err
	}
	q.Scope = principalOf(c).Scope
	page, err := risk.List(c.UserContext(), s.db, q)
	if err != nil {
		return err
	}
	if c.Query("format") == "xlsx" {
		return sendRiskXLSX(c, page)
	}
	if wantsCSV(c) {
		return sendRiskCSV(c, page)
	}
	return c.JSON(page)
}

// riskListQuery reads and checks the list's query parameters.
func riskListQuery(c *fiber.Ctx) (risk.ListQuery, error) {
	q := risk.ListQuery{Tier: c.Query("tier"), Segment: c.Query("segment"), Branch: c.Query("branch"), Limit: riskDefaultLimit}
	if q.Tier != "" && !risk.ValidTier(q.Tier) {
		return q, beacon.Invalid("tier", risk.TierNames, "unknown tier %q", clipParam(q.Tier))
	}
	ints := []struct {
		name     string
		dst      *int
		min, max int
	}{
		{"limit", &q.Limit, 1, riskMaxLimit},
		{"offset", &q.Offset, 0, riskMaxOffset},
		{"inactive", &q.MinInactive, 0, 120},
	}
	for _, p := range ints {
		raw := c.Query(p.name)
		if raw == "" {
			continue
		}
		v, err := strconv.Atoi(raw)
		if err != nil || v < p.min || v > p.max {
			return q, beacon.Invalid(p.name, nil, "%q is not a whole number from %d to %d", clipParam(raw), p.min, p.max)
		}
		*p.dst = v
	}
	if raw := c.Query("month"); raw != "" {
		m, err := time.Parse("2006-01", raw)
		if err != nil {
			return q, beacon.Invalid("month", nil, "%q is not a month; write it as YYYY-MM, e.g. 2026-10", clipParam(raw))
		}
		q.Month = m
	}
	if l := c.Query("lang"); l != "" && l != "zh" && l != "en" {
		return q, beacon.Invalid("lang", []string{"zh", "en"}, "unknown language %q", clipParam(l))
	}
	return q, nil
}

// riskColumns are the columns of the risk list as a file, with the
// format of their cells in a workbook.
var riskColumns = []export.TableColumn{{Header: "customer_id", Format: "text"}, {Header: "month", Format: "text"},
	{Header: "branch", Format: "text"}, {Header: "region", Format: "text"}, {Header: "segment", Format: "text"},
	{Header: "score", Format: "number"}, {Header: "tier", Format: "text"}, {Header: "months_inactive", Format: "count"},
	{Header: "reason_1", Format: "text"}, {Header: "reason_2", Format: "text"}, {Header: "reason_3", Format: "text"},
	{Header: "action", Format: "text"}, {Header: "model_version", Format: "text"}}

// riskRecords are a page of the risk list as rows of riskColumns, reasons
// and action in the language asked for (lang=zh by default).
func riskRecords(page *risk.ListPage, en bool) [][]any {
	out := make([][]any, 0, len(page.Customers))
	for _, r := range page.Customers {
		reasons := []any{"", "", ""}
		for i, why := range r.Reasons {
			if i < 3 {
				reasons[i] = why.ZH
				if en {
					reasons[i] = why.EN
				}
			}
		}
		action := r.Action.ZH
		if en {
			action = r.Action.EN
		}
		rec := []any{strconv.FormatInt(r.CustomerID, 10), r.Month, r.Branch, r.Region, r.Segment, r.Score, r.Tier, r.MonthsInactive}
		rec = append(rec, reasons...)
		out = append(out, append(rec, action, r.ModelVersion))
	}
	return out
}

// sendRiskCSV writes a page of the risk list as CSV.
func sendRiskCSV(c *fiber.Ctx, page *risk.ListPage) error {
	var buf bytes.Buffer
	if c.Query("format") == "excel" {
		buf.WriteString("\ufeff") // Excel reads UTF-8 only after a byte-order mark
	}
	w := csv.NewWriter(&buf)
	head := make([]string, len(riskColumns))
	for i, col := range riskColumns {
		head[i] = col.Header
	}
	_ = w.Write(head)
	for _, r := range riskRecords(page, c.Query("lang") == "en") {
		rec := make([]string, len(r))
		for i, v := range r {
			switch x := v.(type) {
			case float64:
				rec[i] = strconv.FormatFloat(x, 'f', 6, 64)
			case int:
				rec[i] = strconv.Itoa(x)
			default:
				rec[i] = csvSafe(fmt.Sprint(x))
			}
		}
		_ = w.Write(rec)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set("X-Beacon-Total", strconv.Itoa(page.Total))
	return c.Send(buf.Bytes())
}

// sendRiskXLSX writes a page of the risk list as an Excel workbook: typed
// cells (the score a number), the header frozen.
func sendRiskXLSX(c *fiber.Ctx, page *risk.ListPage) error {
	en := c.Query("lang") == "en"
	name, title := "风险客户名单", "流失预警名单 "+page.Month
	if en {
		name, title = "Risk list", "Churn risk list "+page.Month
	}
	b, err := export.Table(name, title, riskColumns, riskRecords(page, en))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, xlsxType)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="risk-`+page.Month+`.xlsx"`)
	c.Set("X-Beacon-Total", strconv.Itoa(page.Total))
	return c.Send(b)
}

// getCustomerRisk handles GET /api/v1/risk/customers/:id: one customer's
// score history with reasons, and the retention actions taken.
func (s *Server) getCustomerRisk(c *fiber.Ctx) error {
	raw := c.Params("id")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id < 0 {
		return beacon.Invalid("id", nil, "%q is not a customer id (a whole number)", clipParam(raw))
	}
	out, err := risk.Customer(c.UserContext(), s.db, id, principalOf(c).Scope)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

// riskModelInfo is what GET /api/v1/risk/model shows of the latest model:
// everything but the trees themselves.
type riskModelInfo struct {
	Version    string              `json:"version"`
	Kind       string              `json:"kind"`
	TrainedAt  time.Time           `json:"trained_at"`
	Horizon    int                 `json:"horizon_months"`
	TrainFrom  string              `json:"train_from"`
	TrainTo    string              `json:"train_to"`
	TestFrom   string              `json:"test_from"`
	TestTo     string              `json:"test_to"`
	TrainRows  int                 `json:"train_rows"`
	TestRows   int                 `json:"test_rows"`
	Features   []string            `json:"features"`
	Importance []featureImportance `json:"importance,omitempty"`
	Params     risk.TrainParams    `json:"params"`
	Test       risk.Evaluation     `json:"test"`
	Baseline   *risk.Evaluation    `json:"baseline_logistic,omitempty"`
	Tiers      risk.Tiers          `json:"tiers"`
}

type featureImportance struct {
	Feature string  `json:"feature"`
	Share   float64 `json:"share"`
}

// getRiskModel handles GET /api/v1/risk/model: the latest model's version,
// training window, features and held-out figures.
func (s *Server) getRiskModel(c *fiber.Ctx) error {
	cm, err := risk.LatestModel(c.UserContext(), s.db)
	if errors.Is(err, risk.ErrNoModel) {
		return s.modelPending(c, err)
	}
	if err != nil {
		return err
	}
	info := riskModelInfo{Version: cm.Version, Kind: cm.Model.Kind, TrainedAt: cm.TrainedAt, Horizon: cm.Options.Horizon,
		TrainFrom: cm.TrainFrom, TrainTo: cm.TrainTo, TestFrom: cm.TestFrom, TestTo: cm.TestTo,
		TrainRows: cm.TrainRows, TestRows: cm.TestRows, Features: cm.Model.Features, Params: cm.Model.Params,
		Test: cm.Test, Baseline: cm.Baseline, Tiers: cm.Tiers}
	if g := cm.Model.GBDT; g != nil {
		total := 0.0
		for _, v := range g.Importance {
			total += v
		}
		for j, v := range g.Importance {
			if v > 0 && total > 0 {
				info.Importance = append(info.Importance, featureImportance{Feature: cm.Model.Features[j], Share: v / total})
			}
		}
		sort.SliceStable(info.Importance, func(a, b int) bool { return info.Importance[a].Share > info.Importance[b].Share })
	}
	return c.JSON(info)
}
