package server

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/beaconbi/beacon"
	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/warehouse"
)

// listTables handles GET /api/v1/tables: the warehouse's tables and columns.
func (s *Server) listTables(c *fiber.Ctx) error {
	tables, err := s.db.Tables(c.UserContext())
	if err != nil {
		return err
	}
	type col struct {
		Name string `json:"name"`
		Type string `json:"type"`
	}
	out := map[string][]col{}
	for t, cols := range tables {
		if warehouse.ValidTableName(t) != nil {
			continue // Beacon's own state
		}
		for _, c := range cols {
			out[t] = append(out[t], col{c.Name, c.Type})
		}
	}
	return c.JSON(fiber.Map{"tables": out})
}

// postTable handles POST /api/v1/tables/:name?format=csv|parquet&mode=replace|append:
// the body is loaded into the table atomically; bad rows, and values that
// break the model's data checks, are reported with their line numbers and
// nothing is written.
func (s *Server) postTable(c *fiber.Ctx) error {
	name := c.Params("name")
	if err := warehouse.ValidTableName(name); err != nil {
		return beacon.Invalid("name", nil, "%v", err)
	}
	format := c.Query("format", "csv")
	if format != "csv" && format != "parquet" {
		return beacon.Invalid("format", []string{"csv", "parquet"}, "unknown format %q", clipParam(format))
	}
	mode := c.Query("mode", "replace")
	if mode != "replace" && mode != "append" {
		return beacon.Invalid("mode", []string{"replace", "append"}, "unknown mode %q", clipParam(mode))
	}
	replaceParts, err := loadFlag(c, "replace_partitions")
	if err != nil {
		return err
	}
	if len(c.Request().Body()) == 0 {
		return beacon.Invalid("body", nil, "the body is empty; send the file's bytes")
	}
	dir, err := os.MkdirTemp(s.cfg.UploadDir, "upload-")
	if err != nil {
		return fmt.Errorf("upload: %w", err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, name+"."+format)
	if err := os.WriteFile(path, c.Request().Body(), 0o600); err != nil {
		return fmt.Errorf("upload: %w", err)
	}
	cat := s.engine.Catalog()
	modelTable := slices.ContainsFunc(cat.Tables(), func(t string) bool { return strings.EqualFold(t, name) })
	// risk_models is read by /api/v1/risk/model and the scorer: a file
	// without its columns made them answer 500.
	keepColumns := modelTable || strings.EqualFold(name, "risk_models")
	// The model's data checks run over the staged rows: a breach refuses the whole file.
	// Appends are checked against the periods already loaded, and the
	// rollups reading the table refresh in the load's transaction (append.go).
	var built []metrics.RollupBuild
	st, err := s.db.Load(c.UserContext(), warehouse.LoadOptions{Table: name, Path: path, Format: format, Append: mode == "append",
		KeepColumns: keepColumns, Checks: cat.DataChecks(name), Partitioning: partitioning(cat, name), ReplacePartitions: replaceParts,
		AfterLoad: cat.AfterLoadHook(&built)})
	var le *warehouse.LoadError
	var overlap *warehouse.OverlapError
	switch {
	case errors.As(err, &le):
		return err
	case errors.As(err, &overlap):
		return overlap.Beacon()
	case err != nil:
		// DuckDB's own read errors (not CSV, wrong Parquet schema) are the client's file at fault.
		// Name the upload as the client knows it, never the server's temporary path.
		msg := strings.ReplaceAll(firstLine(err.Error()), path, name+"."+format)
		return &beacon.Error{Code: beacon.EINVALID, Field: "body", Message: "the file could not be loaded: " + strings.ReplaceAll(msg, dir, "upload"), Err: err}
	}
	if err := s.engine.Loaded(c.UserContext(), name); err != nil {
		s.log.Error("after load", "table", name, "err", err)
	}
	s.log.Info("table loaded", "table", name, "rows", st.Rows, "mode", mode, "by", principalOf(c).Subject)
	return c.JSON(loadAnswer(name, mode, st, s.db.Version(), built))
}

func firstLine(s string) string {
	for i, r := range s {
		if r == '\n' {
			return s[:i]
		}
	}
	return s
}
