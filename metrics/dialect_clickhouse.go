package metrics

import (
	"fmt"
	"strings"
)

// ClickHouse is the dialect of ClickHouse, the distributed engine a bank
// moves to when one machine no longer holds its history. It targets the
// oldest server Beacon supports (18.16, Debian's package), whose SQL has
// no common table expressions, no window functions, one JOIN per SELECT
// and no positional GROUP BY: statements for it are written by the nested
// writer of dialect_clickhouse_compile.go, not by the CTE writer.
type ClickHouse struct{}

// Name implements Dialect.
func (ClickHouse) Name() string { return "clickhouse" }

// Quote implements Dialect. ClickHouse reads "x" as an identifier too;
// backquotes are its own spelling and never collide with string syntax.
func (ClickHouse) Quote(name string) string {
	return "`" + strings.ReplaceAll(strings.ReplaceAll(name, `\`, `\\`), "`", "\\`") + "`"
}

// Param implements Dialect: clickhouse-go binds $n numbered parameters on
// the client, as literals of the value's Go type.
func (ClickHouse) Param(n int) string { return fmt.Sprintf("$%d", n) }

// DateParam implements Dialect. A Date column compared with a DateTime
// value silently matches nothing on 18.16, so dates are bound as dates.
func (ClickHouse) DateParam(param, columnType string) string {
	if strings.HasPrefix(strings.ToUpper(columnType), "TIMESTAMP") {
		return "toDateTime(" + param + ")"
	}
	return "toDate(" + param + ")"
}

// LocalTime implements Dialect: an instant is read in the model's zone.
func (ClickHouse) LocalTime(col, columnType, tzParam string) string {
	t := strings.ToUpper(columnType)
	if (t == "TIMESTAMP WITH TIME ZONE" || t == "TIMESTAMPTZ") && tzParam != "" {
		return "toTimeZone(" + col + ", " + tzParam + ")"
	}
	return col
}

// TruncDate implements Dialect; every branch returns a Date.
func (ClickHouse) TruncDate(grain, expr string) string {
	switch Grain(grain) {
	case GrainDay:
		return "toDate(" + expr + ")"
	case GrainWeek:
		return "toMonday(" + expr + ")"
	case GrainMonth:
		return "toStartOfMonth(" + expr + ")"
	case GrainQuarter:
		return "toStartOfQuarter(" + expr + ")"
	}
	return "toStartOfYear(" + expr + ")"
}

// AddDate implements Dialect. addMonths clamps the 31st as DuckDB's
// interval arithmetic does (2024-01-31 + 1 month = 2024-02-29).
func (ClickHouse) AddDate(expr string, n int, unit string) string {
	if n == 0 {
		return expr
	}
	if unit == "quarter" { // 18.16 has no addQuarters
		n, unit = 3*n, "month"
	}
	fn := map[string]string{"day": "addDays", "week": "addWeeks", "month": "addMonths", "year": "addYears"}[unit]
	return fmt.Sprintf("%s(%s, %d)", fn, expr, n)
}

// ToDouble implements Dialect.
func (ClickHouse) ToDouble(expr string) string { return "toFloat64(" + expr + ")" }

// Divide implements Dialect: ClickHouse divides by 0 to inf, so the
// denominator is made NULL first, as in DuckDB.
func (c ClickHouse) Divide(num, den string) string {
	return c.ToDouble(num) + " / nullIf(" + den + ", 0)"
}

// NullSafeEqual implements Dialect (18.16 has no IS NOT DISTINCT FROM).
func (ClickHouse) NullSafeEqual(a, b string) string {
	return "((" + a + " = " + b + ") OR (isNull(" + a + ") AND isNull(" + b + ")))"
}

// NullSafeNotEqual implements Dialect; b is a bound value, never NULL.
func (ClickHouse) NullSafeNotEqual(a, b string) string {
	return "(isNull(" + a + ") OR " + a + " != " + b + ")"
}

// Contains implements Dialect.
func (ClickHouse) Contains(expr, param string) string {
	return "position(toString(" + expr + "), " + param + ") > 0"
}

// OrderBy implements Dialect.
func (ClickHouse) OrderBy(expr string, desc bool) string {
	if desc {
		return expr + " DESC NULLS LAST"
	}
	return expr + " ASC NULLS LAST"
}

// SumFlag implements Dialect: countIf would give 0 where sum gives NULL.
func (ClickHouse) SumFlag(expr string) string { return "sum(toInt64(" + expr + "))" }

// Text implements Dialect: toString keeps NULL (a CAST to String fails on it).
func (ClickHouse) Text(expr string) string { return "toString(" + expr + ")" }

// Args implements Dialect: 18.16 has no boolean literals, so a bound
// true or false is sent as 1 or 0 (how it stores booleans, as UInt8).
func (ClickHouse) Args(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		if b, ok := a.(bool); ok {
			a = 0
			if b {
				a = 1
			}
		}
		out[i] = a
	}
	return out
}

// TypeName implements Dialect.
func (ClickHouse) TypeName(t string) string { return ClickHouseTypeName(t) }

// ClickHouseTypeName names a ClickHouse column type as DuckDB does, which
// is how the catalog and result columns read types: Nullable and
// LowCardinality are unwrapped; UInt8 is read as BOOLEAN, ClickHouse
// 18.16's boolean (a small count needs a wider type); an instant with a
// zone is TIMESTAMP WITH TIME ZONE.
func ClickHouseTypeName(t string) string {
	for _, wrap := range []string{"Nullable(", "LowCardinality("} {
		for strings.HasPrefix(t, wrap) && strings.HasSuffix(t, ")") {
			t = t[len(wrap) : len(t)-1]
		}
	}
	switch {
	case strings.HasPrefix(t, "Decimal"):
		return strings.ToUpper(strings.Replace(t, "Decimal", "DECIMAL", 1))
	case strings.HasPrefix(t, "DateTime("):
		return "TIMESTAMP WITH TIME ZONE"
	case strings.HasPrefix(t, "DateTime64"):
		return "TIMESTAMP"
	case strings.HasPrefix(t, "FixedString"), strings.HasPrefix(t, "Enum"):
		return "VARCHAR"
	}
	if n, ok := map[string]string{
		"UInt8": "BOOLEAN", "Int8": "TINYINT", "Int16": "SMALLINT", "Int32": "INTEGER", "Int64": "BIGINT",
		"UInt16": "INTEGER", "UInt32": "BIGINT", "UInt64": "UBIGINT", "Float32": "FLOAT", "Float64": "DOUBLE",
		"String": "VARCHAR", "Date": "DATE", "DateTime": "TIMESTAMP", "UUID": "UUID",
	}[t]; ok {
		return n
	}
	return strings.ToUpper(t)
}
