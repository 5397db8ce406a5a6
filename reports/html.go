package reports

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"sort"
	"strings"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/narrate"
)

//go:embed page.html
var pageHTML string

//go:embed static
var static embed.FS

var pageTemplate = template.Must(template.New("page").Funcs(template.FuncMap{
	"label": func(lang string, t metrics.Text, name string) string { return narrate.Label(lang, t, name) },
	// desc is a metric's description in the page's language, falling back.
	"desc": func(lang string, d metrics.Definition) string {
		return narrate.Label(lang, metrics.Text{ZH: d.DescriptionZH, EN: d.Description}, "")
	},
}).Parse(pageHTML))

// StaticPath is where Static is served: the page's script and style.
const StaticPath = "/reports/_static"

// Static is the page's own script and style sheet (ECharts itself is
// served by the web package).
func Static() fs.FS {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the folder is embedded: it exists
	}
	return sub
}

// words are the page's fixed words in each language.
type words struct {
	Excel, Failed, More, Definitions, Formula, Owner, Footer, Data string
}

var pageWords = map[string]words{
	"zh": {Excel: "下载 Excel", Failed: "本节未能生成", More: "另有 %d 行未列出（见 Excel）。", Definitions: "指标口径与 SQL",
		Formula: "公式", Owner: "负责人", Data: "数据表", Footer: "数据来自 Beacon 的受管指标；每个数字都可在上方查看其口径与 SQL。"},
	"en": {Excel: "Download Excel", Failed: "This section could not be made", More: "%d more rows not shown (see the Excel file).", Definitions: "Definitions and SQL",
		Formula: "Formula", Owner: "Owner", Data: "Data", Footer: "Figures are Beacon's governed metrics; each shows its definition and SQL above."},
}

// Links are the page's links to itself in the other language and as a
// workbook; empty ones are left out (a POSTed query has no URL to repeat).
type Links struct {
	ZH, EN, XLSX string
}

// HTML writes the page. base is the path from the page back to Beacon's
// root ("../" for a page under /reports/), so that its script, style and
// ECharts load from Beacon wherever it is mounted, and from no other host.
func (p *Page) HTML(w io.Writer, base string, links Links) error {
	err := pageTemplate.Execute(w, struct {
		*Page
		Base      string
		Words     words
		ScopeNote string
		Links     Links
	}{p, base, pageWords[p.Lang], scopeNote(p.Lang, p.Scope, p.Shared), links})
	if err != nil {
		return fmt.Errorf("render report %s: %w", p.Name, err)
	}
	return nil
}

// scopeNote says that the figures cover only the reader's rows or, on a
// shared page (whoever opens the link reads it), the owner's.
func scopeNote(lang string, s metrics.Scope, shared bool) string {
	if len(s) == 0 {
		return ""
	}
	var dims []string
	for d := range s {
		dims = append(dims, d)
	}
	sort.Strings(dims)
	var parts []string
	for _, d := range dims {
		parts = append(parts, strings.Join(s[d], "、"))
	}
	switch {
	case shared && lang == "zh":
		return "仅含此规则或订阅所有者的数据范围（并非打开链接者的权限）：" + strings.Join(parts, "；")
	case shared:
		return "Within the data scope of this rule's or subscription's owner only (not the access of whoever opens the link): " + strings.Join(parts, "; ")
	case lang == "zh":
		return "仅含您有权查看的范围：" + strings.Join(parts, "；")
	}
	return "Within your access only: " + strings.Join(parts, "; ")
}
