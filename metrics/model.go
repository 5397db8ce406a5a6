// Package metrics is Beacon's semantic layer: it loads and validates the YAML
// model, keeps the governed catalog, compiles metric queries to one SQL
// statement through a dialect, and runs them with a result cache.
package metrics

import (
	"bytes"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Model is one semantic-model file as written: sources with their
// dimensions and measures, and the metrics defined over them.
type Model struct {
	Name        string    `yaml:"name"`
	Title       string    `yaml:"title"`
	Description string    `yaml:"description"`
	TimeZone    string    `yaml:"time_zone"`
	Sources     []*Source `yaml:"sources"`
	Metrics     []*Metric `yaml:"metrics"`
	// Rollups are pre-aggregations queries are routed to (rollup.go).
	Rollups []*Rollup `yaml:"rollups"`

	// Currency is the ISO 4217 code of every money metric that sets none.
	Currency string `yaml:"currency"`

	File string `yaml:"-"`
	Line int    `yaml:"-"`
}

// Text is a label or description in Chinese and English.
type Text struct {
	ZH string `yaml:"zh" json:"zh,omitempty"`
	EN string `yaml:"en" json:"en,omitempty"`
}

// Synonyms are the other words people use for a thing, per language.
type Synonyms struct {
	ZH []string `yaml:"zh" json:"zh,omitempty"`
	EN []string `yaml:"en" json:"en,omitempty"`
}

// Source is one table (or view) of the warehouse.
type Source struct {
	Name        string       `yaml:"name"`
	Table       string       `yaml:"table"`
	Description string       `yaml:"description"`
	Time        *TimeColumn  `yaml:"time"`
	Joins       []*Join      `yaml:"joins"`
	Dimensions  []*Dimension `yaml:"dimensions"`
	Measures    []*Measure   `yaml:"measures"`
	// Columns declare data checks on columns that are not dimensions.
	Columns []*ColumnSpec `yaml:"columns"`

	Line int `yaml:"-"`
}

// TimeColumn is a source's time dimension: the column and its finest grain.
// Every coarser grain is available too.
type TimeColumn struct {
	Column string `yaml:"column"`
	Grain  string `yaml:"grain"`
	// DefaultRange is the period a question that names none is about: a
	// named range (last_month, 2024-Q3) or start/end dates (2024-01-01/2024-06-30).
	DefaultRange string `yaml:"default_range"`
	// AsOf fixes "today" for relative ranges over this source: a date, or
	// latest for the last date in the data.
	AsOf string `yaml:"as_of"`

	Line int `yaml:"-"`
}

// Join is a many-to-one join from a source to another source's rows, on
// equal columns.
type Join struct {
	To string `yaml:"to"`
	// On is the column in this source; ToColumn the column in the joined
	// source, the same name when empty.
	On       string `yaml:"on"`
	ToColumn string `yaml:"to_column"`

	Line int `yaml:"-"`
}

// Dimension is a categorical attribute to group and filter by.
type Dimension struct {
	Name        string   `yaml:"name" json:"name"`
	Column      string   `yaml:"column" json:"-"`
	Expr        string   `yaml:"expr" json:"-"`
	Label       Text     `yaml:"label" json:"label"`
	Description string   `yaml:"description" json:"description,omitempty"`
	Synonyms    Synonyms `yaml:"synonyms" json:"synonyms"`
	// Unit is what a numeric dimension's values count in (万元, months):
	// a question's 100万元 over a column kept in 万元 is 100.
	Unit string `yaml:"unit" json:"unit,omitempty"`
	// Values are the known values, with their own synonyms, so that a
	// question can name them.
	Values []*DimensionValue `yaml:"values" json:"values,omitempty"`
	// ValuesFromData loads the distinct values from the table (up to 1,000),
	// with ValueSynonymColumns giving further names for each value.
	ValuesFromData      bool     `yaml:"values_from_data" json:"-"`
	ValueSynonymColumns []string `yaml:"value_synonym_columns" json:"-"`
	// ValueLabelColumns names the columns holding each value's Chinese and
	// English label (a code column with its names beside it).
	ValueLabelColumns Text `yaml:"value_label_columns" json:"-"`
	// Checks are rules every loaded value must keep (see DataChecks).
	Checks *Checks `yaml:"checks" json:"-"`

	Line int `yaml:"-" json:"-"`
}

// DimensionValue is one known value of a categorical dimension.
type DimensionValue struct {
	Value    string   `yaml:"value" json:"value"`
	Label    Text     `yaml:"label" json:"label"`
	Synonyms []string `yaml:"synonyms" json:"synonyms,omitempty"`

	Line int `yaml:"-" json:"-"`
}

// Measure is an aggregation over a source's rows.
type Measure struct {
	Name        string `yaml:"name"`
	Agg         string `yaml:"agg"`
	Column      string `yaml:"column"`
	Expr        string `yaml:"expr"`
	Filter      string `yaml:"filter"`
	Description string `yaml:"description"`
	// TimeAggregation makes a measure semi-additive over time: "first" or
	// "last" takes only the first or last time bucket of each period.
	TimeAggregation string `yaml:"time_aggregation"`

	Line int `yaml:"-"`
}

// Metric is a governed metric: defined once, used by every surface.
type Metric struct {
	Name        string `yaml:"name"`
	Label       Text   `yaml:"label"`
	Description string `yaml:"description"`
	// DescriptionZH is the description in Chinese, shown to Chinese
	// readers (the front, report pages); description is the fallback.
	DescriptionZH string     `yaml:"description_zh"`
	Synonyms      Synonyms   `yaml:"synonyms"`
	Owner         string     `yaml:"owner"`
	Format        string     `yaml:"format"`
	Version       int        `yaml:"version"`
	Type          MetricType `yaml:"type"`

	// simple and cumulative
	Measure string `yaml:"measure"`
	// ratio
	Numerator   string `yaml:"numerator"`
	Denominator string `yaml:"denominator"`
	// derived
	Expr string `yaml:"expr"`
	// share, cumulative over a metric, period_over_period
	Metric string `yaml:"metric"`
	// period_over_period
	Compare string `yaml:"compare"`
	Output  string `yaml:"output"`
	// Dimensions optionally restricts which dimensions make sense; empty means all reachable.
	Dimensions []string `yaml:"dimensions"`
	// Currency (ISO 4217, for format: currency) and Unit (any format but
	// percent: 元, 人, km) say how a value is written in a sentence.
	Currency string `yaml:"currency"`
	Unit     string `yaml:"unit"`
	// Better is the direction that is good news (higher or lower), so that
	// "improved" and "worsened" can be read as a rise or a fall; "" when
	// the model does not say.
	Better string `yaml:"better"`

	Line int `yaml:"-"`
}

// Metric types and the other enumerations of the model format.
var (
	metricTypes      = []string{"simple", "ratio", "derived", "cumulative", "share", "period_over_period"}
	aggregations     = []string{"sum", "count", "count_distinct", "avg", "min", "max"}
	timeAggregations = []string{"first", "last"}
	formats          = []string{"number", "count", "percent", "currency", "ratio"}
	compareModes     = []string{"previous_period", "same_period_last_year"}
	compareOutputs   = []string{"previous", "delta", "pct_change"}
	betterWays       = []string{"higher", "lower"}
)

// ModelError is a problem in a model file, placed at a line, with a fix.
type ModelError struct {
	File    string
	Line    int
	Message string
	Fix     string
}

func (e ModelError) Error() string {
	s := fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Message)
	if e.Fix != "" {
		s += " (fix: " + e.Fix + ")"
	}
	return s
}

// ModelErrors are all the problems found in a model, in file order.
type ModelErrors []ModelError

func (es ModelErrors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// ParseModelFile reads and parses a model file (structure only; see
// Validate for the checks against the warehouse).
func ParseModelFile(path string) (*Model, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read model: %w", err)
	}
	return ParseModel(path, data)
}

// ParseModel parses model YAML; file names the source in error messages.
func ParseModel(file string, data []byte) (*Model, error) {
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil {
		return nil, ModelErrors{{File: file, Line: yamlErrorLine(err), Message: "not valid YAML: " + yamlLineRE.ReplaceAllString(err.Error(), ""), Fix: "check indentation and quoting"}}
	}
	if len(root.Content) == 0 {
		return nil, ModelErrors{{File: file, Line: 1, Message: "the model is empty", Fix: "start with name:, sources: and metrics:"}}
	}
	p := &parser{file: file}
	m := &Model{File: file, Line: 1}
	p.decode(root.Content[0], m)
	if len(p.errs) > 0 {
		return nil, p.errs
	}
	return m, nil
}

// parser decodes YAML nodes into model structs, recording each item's line
// and rejecting unknown keys, which yaml.v3 cannot do for nested decoders.
type parser struct {
	file string
	errs ModelErrors
}

func (p *parser) fail(line int, fix, format string, args ...any) {
	p.errs = append(p.errs, ModelError{File: p.file, Line: line, Message: fmt.Sprintf(format, args...), Fix: fix})
}

// decode fills the struct pointed to by out from a mapping node.
func (p *parser) decode(n *yaml.Node, out any) {
	v := reflect.ValueOf(out).Elem()
	t := v.Type()
	if n.Kind != yaml.MappingNode {
		p.fail(n.Line, "write it as key: value lines", "expected a mapping for %s, found %s", typeWord(t), kindWord(n))
		return
	}
	if f := v.FieldByName("Line"); f.IsValid() {
		f.SetInt(int64(n.Line))
	}
	fields := map[string]int{}
	for i := 0; i < t.NumField(); i++ {
		tag := strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]
		if tag != "" && tag != "-" {
			fields[tag] = i
		}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i], n.Content[i+1]
		idx, ok := fields[key.Value]
		if !ok {
			if fix, split := commaSplit(n, i); split {
				p.fail(key.Line, fix, "unknown key %q in %s: an unquoted comma inside { } ended the value before it", key.Value, typeWord(t))
				continue
			}
			p.fail(key.Line, suggest(key.Value, keysOf(fields)), "unknown key %q in %s", key.Value, typeWord(t))
			continue
		}
		p.decodeValue(val, v.Field(idx))
	}
}

// commaSplit recognises `{en: Finished, paid}`: in a flow mapping an
// unquoted comma ends a value, and the rest of the text becomes a key with
// no value. It returns the fix: the value quoted whole.
func commaSplit(n *yaml.Node, i int) (string, bool) {
	key, val := n.Content[i], n.Content[i+1]
	if n.Style&yaml.FlowStyle == 0 || i < 2 || val.Tag != "!!null" || val.Value != "" {
		return "", false
	}
	prevKey, prev := n.Content[i-2], n.Content[i-1]
	if prev.Kind != yaml.ScalarNode {
		return "", false
	}
	return fmt.Sprintf(`quote the text: {%s: "%s, %s"}`, prevKey.Value, prev.Value, key.Value), true
}

func (p *parser) decodeValue(n *yaml.Node, f reflect.Value) {
	switch {
	case f.Kind() == reflect.Pointer && f.Type().Elem().Kind() == reflect.Struct:
		ptr := reflect.New(f.Type().Elem())
		p.decode(n, ptr.Interface())
		f.Set(ptr)
	case f.Kind() == reflect.Struct:
		p.decode(n, f.Addr().Interface())
	case f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.Pointer:
		if n.Kind != yaml.SequenceNode {
			p.fail(n.Line, "write each item on a line starting with '- '", "expected a list, found %s", kindWord(n))
			return
		}
		s := reflect.MakeSlice(f.Type(), 0, len(n.Content))
		for _, item := range n.Content {
			ptr := reflect.New(f.Type().Elem().Elem())
			p.decode(item, ptr.Interface())
			s = reflect.Append(s, ptr)
		}
		f.Set(s)
	default:
		// Scalars and lists of scalars: yaml.v3's own decoding, with its type errors placed at the line.
		if err := n.Decode(f.Addr().Interface()); err != nil {
			p.fail(n.Line, "use a "+f.Type().String()+" value", "bad value %q: %v", n.Value, cleanYAMLError(err))
		}
	}
}

func keysOf(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func typeWord(t reflect.Type) string {
	switch t.Name() {
	case "Model":
		return "the model"
	case "TimeColumn":
		return "time"
	case "DimensionValue":
		return "a dimension value"
	case "Text":
		return "a label (zh/en)"
	case "Synonyms":
		return "synonyms (zh/en lists)"
	case "Checks":
		return "checks"
	case "ColumnSpec":
		return "a column"
	case "Range":
		return "a range (min/max)"
	}
	return "a " + strings.ToLower(t.Name())
}

func kindWord(n *yaml.Node) string {
	switch n.Kind {
	case yaml.ScalarNode:
		return fmt.Sprintf("the value %q", n.Value)
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	}
	return "nothing"
}

func cleanYAMLError(err error) string {
	return strings.TrimPrefix(strings.TrimPrefix(err.Error(), "yaml: unmarshal errors:\n  "), "yaml: ")
}

var yamlLineRE = regexp.MustCompile(`^yaml: (line \d+: )?`)

func yamlErrorLine(err error) int {
	var line int
	if _, scanErr := fmt.Sscanf(strings.TrimPrefix(err.Error(), "yaml: "), "line %d:", &line); scanErr == nil {
		// yaml.v3 places "did not find expected ..." at the line before the
		// unclosed construct (a zero-based context mark); point at the construct.
		if strings.Contains(err.Error(), "did not find expected") {
			line++
		}
		return line
	}
	return 1
}

// Warnings are problems in a model that do not stop it from working: a
// source, a measure and a metric sharing one name, which readers (and the
// chat) cannot tell apart.
func (m *Model) Warnings() ModelErrors {
	var out ModelErrors
	sources := map[string]*Source{}
	for _, s := range m.Sources {
		sources[s.Name] = s
	}
	for _, mt := range m.Metrics {
		s, ok := sources[mt.Name]
		if !ok {
			continue
		}
		for _, ms := range measuresNamed(m, mt.Name) {
			out = append(out, ModelError{File: m.File, Line: mt.Line,
				Message: fmt.Sprintf("%q names a source (line %d), a measure (line %d) and a metric", mt.Name, s.Line, ms.Line),
				Fix:     "rename the source or the measure, e.g. " + mt.Name + "_table or " + mt.Name + "_count, so each name means one thing"})
		}
	}
	return out
}

func measuresNamed(m *Model, name string) []*Measure {
	var out []*Measure
	for _, s := range m.Sources {
		for _, ms := range s.Measures {
			if ms.Name == name {
				out = append(out, ms)
			}
		}
	}
	return out
}

// suggest names the closest valid choice, or lists them all; with no
// choice at all it suggests nothing.
func suggest(got string, valid []string) string {
	if len(valid) == 0 {
		return ""
	}
	best, bestD := "", 1<<30
	for _, v := range valid {
		if d := editDistance(strings.ToLower(got), strings.ToLower(v)); d < bestD {
			best, bestD = v, d
		}
	}
	if best != "" && bestD <= max(2, len(got)/3) {
		return fmt.Sprintf("did you mean %q?", best)
	}
	return "use one of: " + strings.Join(valid, ", ")
}

// aggAliases are the words other tools use for an aggregation: closer in
// meaning than any spelling ("mean" is two edits from "max").
var aggAliases = map[string]string{
	"mean": "avg", "average": "avg", "total": "sum",
	"distinct": "count_distinct", "distinct_count": "count_distinct", "nunique": "count_distinct", "countd": "count_distinct",
	"n": "count", "rows": "count", "size": "count", "minimum": "min", "maximum": "max",
}

// suggestAgg suggests a valid aggregation for a wrong one.
func suggestAgg(got string) string {
	if a, ok := aggAliases[strings.ToLower(strings.TrimSpace(got))]; ok {
		return fmt.Sprintf("did you mean %q?", a)
	}
	return suggest(got, aggregations)
}

// editDistance is the Levenshtein distance, used only for "did you mean"
// hints over short names, where a dependency would be overkill.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
