package server

import (
	"context"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/beaconbi/beacon"
	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/warehouse"
)

// loadFlag reads a true/false query parameter of an upload.
func loadFlag(c *fiber.Ctx, name string) (bool, error) {
	v := c.Query(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, beacon.Invalid(name, []string{"true", "false"}, "%s must be true or false, got %q", name, clipParam(v))
	}
	return b, nil
}

// partitioning is the model's time partitioning of a table, for the
// overlap check of appends; nil for a table without time.
func partitioning(cat *metrics.Catalog, table string) *warehouse.Partitioning {
	if col, grain, ok := cat.TimePartitioning(table); ok {
		return &warehouse.Partitioning{Column: col, Grain: grain}
	}
	return nil
}

// loadAnswer is the upload's answer: rows, the periods an append wrote and
// the rollups it refreshed.
func loadAnswer(name, mode string, st warehouse.LoadStats, version uint64, built []metrics.RollupBuild) fiber.Map {
	out := fiber.Map{"table": name, "rows": st.Rows, "mode": mode, "data_version": version, "elapsed_ms": st.Elapsed.Milliseconds()}
	if len(st.Partitions) > 0 {
		parts := make([]string, len(st.Partitions))
		for i, p := range st.Partitions {
			parts[i] = p.Format(time.DateOnly)
		}
		out["partitions"] = parts
	}
	if built == nil {
		built = []metrics.RollupBuild{}
	}
	out["rollups"] = built
	return out
}

// tableStatuses are the versions and last load times of the model's
// tables, for /readyz.
func (s *Server) tableStatuses(c *fiber.Ctx) []warehouse.TableStatus {
	if s.engine == nil {
		return nil
	}
	// Readiness answers at once however busy the read pool is: the first
	// call reads the load times, and waits for a connection only a moment.
	ctx, cancel := context.WithTimeout(c.UserContext(), readyzScoringWait)
	defer cancel()
	st, err := s.db.TableStatuses(ctx, s.engine.Catalog().Tables())
	if err != nil {
		s.log.Warn("table statuses", "err", err)
		return nil
	}
	return st
}
