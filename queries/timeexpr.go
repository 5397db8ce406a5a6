package queries

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// timeRead is what the time language of a question said.
type timeRead struct {
	Range      string // a metrics range name, e.g. last_month, 2024-Q3, last_3_months
	Start, End string // or a span of whole months, inclusive dates (2025年1月到9月)
	// MonthOnly marks a month named without its year (10月, December): a
	// follow-up reads it in the previous question's year.
	MonthOnly   bool
	Text        string // the words the range was read from
	Grain       string
	GrainText   string // the words the grain was read from
	Trend       bool   // 趋势, trend: a series was asked for
	Compare     string // previous_period or same_period_last_year
	CompareText string
	// Extra holds a second period phrase that the range did not take, and
	// ExtraRange what it names: the planner must not drop it silently.
	Extra, ExtraRange string
	// Shift holds words that name a period only against the one asked
	// before (the year before, 一年前): a follow-up reads them.
	Shift string
	// Unreadable holds a date phrase that was recognised but is out of
	// range (in 1899): the planner must not answer for another period.
	Unreadable string
}

var enMonths = map[string]int{"january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5,
	"june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9, "october": 10, "oct": 10,
	"november": 11, "nov": 11, "december": 12, "dec": 12}

var ordinals = map[string]int{"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4}

const enMonthNames = `january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec`

var (
	// Comparisons come first: 去年同期 and "vs last year" must not be read as the range last_year.
	reYoY = regexp.MustCompile(`同比(?:去年|上年)(?:同期|同月)?|(?:和|与|跟|较|比|对比)\s*(?:去年同期|上年同期|去年同月|去年)\s*(?:相比|比较|对比|比)?|同比|去年同期|与去年相比|和去年相比|跟去年比|较去年|比去年|上年同期|year over year|\byoy\b|\by/y\b|(?:vs\.?|versus|compared (?:to|with)|against) (?:the )?(?:same (?:period|month|quarter) )?(?:of )?last year|same (?:period|month|quarter|week|time) (?:of )?last year`)
	reMoM = regexp.MustCompile(`(?:和|与|跟|较|比|对比)\s*(?:上个月|上月|上一个月|上期|上一期|上季度|上个季度|上一季度|前一个月|前一季度)\s*(?:相比|比较|对比|比)?|环比(?:上个月|上月|上期|上季度|上个季度|\s*(?:\d{1,2}|[一二三四五六七八九十]+)\s*月(?:份)?)?|较上月|比上月|比上个月|与上月相比|和上月相比|较上期|比上期|与上期相比|和上期相比|较上季度|比上季度|与上季度相比|month over month|quarter over quarter|\bmom\b|\bqoq\b|\bm/m\b|(?:vs\.?|versus|compared? (?:to|with)|comparing (?:to|with)|against) (?:the )?(?:previous|prior|last|preceding) (?:period|month|quarter)|(?:the )?(?:month|quarter|period) before|period over period`)

	// Spans of months: 2025年1月到9月, 2025年前三季度, from January to September 2025.
	reZhMonthSpan = regexp.MustCompile(`(\d{4})\s*年\s*(\d{1,2}|[一二三四五六七八九十]+)\s*月?\s*(?:到|至|~|—|–|\bto\b|\bthrough\b|\buntil\b|\btill\b)\s*(?:(\d{4})\s*年\s*)?(\d{1,2}|[一二三四五六七八九十]+)\s*月(?:份)?(?:之间)?`)
	// Spans of whole years: 2023年到2024年, 2023-2024年, from 2023 to 2024.
	reZhYearSpan = regexp.MustCompile(`(\d{4})\s*年?\s*(?:到|至|~|—|–|-)\s*(\d{4})\s*年(?:度)?`)
	reEnYearSpan = regexp.MustCompile(`\bfrom\s+(\d{4})\s*(?:to|through|until|till|-|–)\s*(\d{4})\b|\b(\d{4})\s*(?:through|until|till|–|~)\s*(\d{4})\b`)
	// Spans of quarters: 2024年第二季度到2025年第一季度, from Q2 2024 to Q1 2025.
	reZhQuarterSpan = regexp.MustCompile(`(\d{4})\s*年\s*第?\s*([一二三四1-4])\s*季度?\s*(?:到|至|~|—|–)\s*(?:(\d{4})\s*年\s*)?第?\s*([一二三四1-4])\s*季度`)
	reEnQuarterSpan = regexp.MustCompile(`\b(?:from|between)\s+(?:q([1-4])\s*,?\s*(\d{4})|(\d{4})\s*-?\s*q([1-4]))\s+(?:to|through|until|till|and|-|–)\s+(?:q([1-4])\s*,?\s*(\d{4})|(\d{4})\s*-?\s*q([1-4]))\b`)
	reZhFirstQs     = regexp.MustCompile(`(\d{4})\s*年\s*前\s*([一二三两1-3])\s*(?:个)?季度`)
	reZhFirstMonths = regexp.MustCompile(`(\d{4})\s*年\s*前\s*(\d{1,2}|[一二三四五六七八九十]+)\s*个月`)
	reEnMonthSpan   = regexp.MustCompile(`\b(?:from|between)\s+(` + enMonthNames + `)\.?\s+(?:(\d{4})\s+)?(?:to|and|through|until|till)\s+(` + enMonthNames + `)\.?\s*,?\s*(\d{4})\b|\b(` + enMonthNames + `)\.?\s+(?:(\d{4})\s+)?(?:to|through|until|till)\s+(` + enMonthNames + `)\.?\s*,?\s*(\d{4})\b`)
	reEnMonthOnly   = regexp.MustCompile(`\b(?:in\s+)?(january|february|march|april|june|july|august|september|october|november|december)\b|\b(?:about|in|and|for)\s+(may)\s*$`)
	reZhShortYear   = regexp.MustCompile(`(^|[^\d])(\d{2})\s*年\s*(\d{1,2})\s*月`)
	reZhYearMonth   = regexp.MustCompile(`(\d{4})\s*年\s*(\d{1,2}|[一二三四五六七八九十]+)\s*月(?:份)?`)
	reZhYearQuarter = regexp.MustCompile(`(\d{4})\s*年\s*(?:第\s*)?(?:q\s*([1-4])|([一二三四1-4])\s*季度?)`)
	reZhYearHalf    = regexp.MustCompile(`(\d{4})\s*年\s*(上|下)半年`)
	reZhYear        = regexp.MustCompile(`(\d{4})\s*年(?:度)?`)
	reZhRelHalf     = regexp.MustCompile(`(今年|去年)?(上|下)半年`)
	reZhMonthOnly   = regexp.MustCompile(`(今年|去年)?(\d{1,2}|[一二三四五六七八九十]+)\s*月(?:份)?`)
	reZhQuarterOnly = regexp.MustCompile(`(今年|去年)?(?:第\s*)?([一二三四1-4])\s*季度`)
	reZhRolling     = regexp.MustCompile(`(?:近|最近|过去|前|最近的|过去的)\s*(` + numPattern + `)\s*(个)?\s*(天|日|周|星期|个月|月|个季度|季度|季|年)`)
	reZhToDate      = regexp.MustCompile(`年初至今|今年以来|年初以来|本年至今|本月至今|本月以来|月初至今|本季度至今|本季至今|本季度以来|季初至今|本周至今`)
	// The period before the last one: 上上个月, the quarter before last.
	reBeforeLast = regexp.MustCompile(`上上个?月|上上一?个?季度|上上季|大前年|\b(?:the )?(month|quarter|year) before last\b`)
	reShiftOnly  = regexp.MustCompile(`\b(?:the )?year before\b|\b(?:a|one) (?:month|quarter|year) (?:earlier|before)\b|(?:一|1)个?(?:月|季度|年)(?:前|之前|以前)`)
	reRestated   = regexp.MustCompile(`(?:\d\s*月份?|季度|\d\s*年度?)\s*(当月|当季度|当季|当年)`)
	reZhNamed    = regexp.MustCompile(`今天|今日|昨天|昨日|本周|这周|这个星期|本星期|上周|上个星期|上星期|本月|这个月|当月|上一个月|上个月|上月|本季度|这个季度|本季|当季|上季度|上个季度|上一季度|上季|今年|本年度|本年|去年|上一年|上年|前年`)

	// A quarter without its year (Q2, the third quarter): this year's, or
	// the year of another period named with it.
	reEnQuarterOnly = regexp.MustCompile(`(?:\bq([1-4])\b|\b(first|second|third|fourth|1st|2nd|3rd|4th) quarter\b)(?:\s+(?:of\s+)?(this|last) year\b)?`)
	reEnQuarter     = regexp.MustCompile(`\bq([1-4])\s*,?\s*(\d{4})\b|\b(\d{4})\s*-?\s*q([1-4])\b|\b(first|second|third|fourth|1st|2nd|3rd|4th) quarter(?: of)? (\d{4})\b`)
	reEnHalf        = regexp.MustCompile(`\bh([12])\s*(\d{4})\b|\b(\d{4})\s*h([12])\b|\b(first|second) half(?: of)? (\d{4})\b`)
	reEnMonthYear   = regexp.MustCompile(`\b(` + enMonthNames + `)\.?\s*,?\s*(\d{4})\b`)
	reEnRolling     = regexp.MustCompile(`\b(?:last|past|previous|trailing|recent)\s+(` + numPattern + `)\s+(day|week|month|quarter|year)s?\b`)
	reEnToDate      = regexp.MustCompile(`\b(?:ytd|mtd|qtd|year to date|month to date|quarter to date|so far this year|this year so far)\b`)
	reEnHalfRel     = regexp.MustCompile(`\b(?:the )?(first|second) half(?:(?: of)?(?: the| this)? year)?\b|\bh([12])(?: this year)?\b`)
	reEnPast        = regexp.MustCompile(`\b(?:the )?(?:past|trailing|last) (year|twelve months)\b|\b(?:the )?(?:past|trailing) (quarter|month|week)\b`)
	reEnNamed       = regexp.MustCompile(`\b(today|yesterday|this week|last week|previous week|this month|last month|previous month|this quarter|last quarter|previous quarter|this year|last year|previous year)\b`)
	reEnYear        = regexp.MustCompile(`\b(?:in|for|during|of)\s+(\d{4})\b|\b(\d{4})\b`)

	reGrain = []struct {
		re    *regexp.Regexp
		grain string
	}{
		{regexp.MustCompile(`按月|每月|逐月|月度|每个月|分月|各月|月均|monthly|by month|per month|each month|month by month|every month`), "month"},
		{regexp.MustCompile(`按季度|按季|每季度|每个季度|逐季|分季度|各季度|季度变化|季度走势|quarterly|by quarter|per quarter|each quarter|quarter by quarter`), "quarter"},
		{regexp.MustCompile(`按年|每年|逐年|年度变化|yearly|annually|by year|per year|each year|year by year`), "year"},
		{regexp.MustCompile(`按周|每周|逐周|周度|weekly|by week|per week|each week`), "week"},
		{regexp.MustCompile(`按天|按日|每天|每日|逐日|日度|daily|by day|per day|each day`), "day"},
	}
	reTrend = regexp.MustCompile(`趋势|走势|变化趋势|曲线|\btrends?\b|\btrend(?:ed|ing)\b|over time|\bhow has .* changed\b`)
)

var zhNamedRanges = map[string]string{
	"今天": "today", "今日": "today", "昨天": "yesterday", "昨日": "yesterday",
	"本周": "this_week", "这周": "this_week", "这个星期": "this_week", "本星期": "this_week",
	"上周": "last_week", "上个星期": "last_week", "上星期": "last_week",
	"本月": "this_month", "这个月": "this_month", "当月": "this_month", "上个月": "last_month", "上月": "last_month", "上一个月": "last_month",
	"本季度": "this_quarter", "这个季度": "this_quarter", "本季": "this_quarter", "当季": "this_quarter",
	"上季度": "last_quarter", "上个季度": "last_quarter", "上一季度": "last_quarter", "上季": "last_quarter",
	"今年": "this_year", "本年度": "this_year", "本年": "this_year", "去年": "last_year", "上一年": "last_year", "上年": "last_year",
}

var zhToDate = map[string]string{"年初至今": "ytd", "今年以来": "ytd", "年初以来": "ytd", "本年至今": "ytd", "本月至今": "mtd", "本月以来": "mtd",
	"月初至今": "mtd", "本季度至今": "qtd", "本季至今": "qtd", "本季度以来": "qtd", "季初至今": "qtd", "本周至今": "wtd"}

// readTime extracts comparison, time range, grain and trend words from a
// normalized question, returning what it read and the text with them blanked.
func readTime(text string, now time.Time) (timeRead, string) {
	var tr timeRead
	// Read before the comparisons, whose "the month before" it holds.
	var beforeLast, beforeLastText string
	text = consume(text, reBeforeLast, func(m []string) bool {
		beforeLast, beforeLastText = periodBeforeLast(m[0], m[1], now), m[0]
		return beforeLast != ""
	})
	text = consume(text, reYoY, func(m []string) bool {
		tr.Compare, tr.CompareText = "same_period_last_year", strings.TrimSpace(m[0])
		return true
	})
	text = consume(text, reMoM, func(m []string) bool {
		if tr.Compare == "" {
			tr.Compare, tr.CompareText = "previous_period", strings.TrimSpace(m[0])
		}
		return true
	})
	for _, g := range reGrain {
		text = consume(text, g.re, func(m []string) bool {
			if tr.Grain == "" {
				tr.Grain, tr.GrainText = g.grain, m[0]
			}
			return true
		})
	}
	text = consume(text, reTrend, func([]string) bool { tr.Trend = true; return true })

	year := now.Year()
	var matched string // the words of the match being handled, for Text
	set := func(r string) bool {
		switch {
		case tr.Range == "":
			tr.Range, tr.Text = r, strings.TrimSpace(matched)
		case r != tr.Range && tr.Extra == "":
			tr.Extra, tr.ExtraRange = strings.TrimSpace(matched), r
		}
		return true
	}
	yearOf := func(word string) int {
		if word == "去年" {
			return year - 1
		}
		return year
	}
	span := func(y1, m1, y2, m2 int) bool {
		if m1 < 1 || m1 > 12 || m2 < 1 || m2 > 12 || y1 < 1900 || y2 > 2200 || y2*12+m2 < y1*12+m1 {
			return false
		}
		if tr.Range != "" || tr.Start != "" {
			tr.Extra = strings.TrimSpace(matched)
			return true
		}
		tr.Start = fmt.Sprintf("%04d-%02d-01", y1, m1)
		tr.End = time.Date(y2, time.Month(m2)+1, 0, 0, 0, 0, 0, time.UTC).Format("2006-01-02")
		tr.Text = strings.TrimSpace(matched)
		return true
	}
	atoi := func(s string) int { n, _ := number(s); return n }
	if beforeLast != "" {
		matched = beforeLastText
		set(beforeLast)
	}
	// 2025年9月当月: 当月 restates the month just named.
	for _, loc := range reRestated.FindAllStringSubmatchIndex(text, -1) {
		text = blank(text, loc[2], loc[3])
	}
	// 25年9月 is 2025年9月.
	text = reZhShortYear.ReplaceAllString(text, "${1}20${2}年${3}月")
	text = consume(text, reZhMonthSpan, func(m []string) bool {
		matched = m[0]
		y2 := atoi(m[1])
		if m[3] != "" {
			y2 = atoi(m[3])
		}
		return span(atoi(m[1]), atoi(m[2]), y2, atoi(m[4]))
	})
	quarters := func(y1, q1, y2, q2 int) bool { return span(y1, 3*q1-2, y2, 3*q2) }
	text = consume(text, reZhQuarterSpan, func(m []string) bool {
		matched = m[0]
		y2 := atoi(m[1])
		if m[3] != "" {
			y2 = atoi(m[3])
		}
		return quarters(atoi(m[1]), atoi(m[2]), y2, atoi(m[4]))
	})
	text = consume(text, reEnQuarterSpan, func(m []string) bool {
		matched = m[0]
		return quarters(atoi(m[2]+m[3]), atoi(m[1]+m[4]), atoi(m[6]+m[7]), atoi(m[5]+m[8]))
	})
	text = consume(text, reZhFirstQs, func(m []string) bool { matched = m[0]; return span(atoi(m[1]), 1, atoi(m[1]), 3*atoi(m[2])) })
	text = consume(text, reZhFirstMonths, func(m []string) bool { matched = m[0]; return span(atoi(m[1]), 1, atoi(m[1]), atoi(m[2])) })
	text = consume(text, reEnMonthSpan, func(m []string) bool {
		matched = m[0]
		if m[1] == "" {
			m = append(m[:1], m[5:]...) // January to June 2024, with no "from"
		}
		y1 := atoi(m[4])
		if m[2] != "" {
			y1 = atoi(m[2])
		}
		return span(y1, enMonths[m[1]], atoi(m[4]), enMonths[m[3]])
	})
	yearSpan := func(m []string) bool {
		m = append(m, "", "", "", "")
		matched = m[0]
		y1, y2 := atoi(firstNonEmpty(m[1], m[3])), atoi(firstNonEmpty(m[2], m[4]))
		return y1 <= y2 && span(y1, 1, y2, 12)
	}
	text = consume(text, reZhYearSpan, yearSpan)
	text = consume(text, reEnYearSpan, yearSpan)
	// Most specific first, so that 2024年3月 is not read as 2024年.
	text = consume(text, reZhToDate, func(m []string) bool { matched = m[0]; return set(zhToDate[m[0]]) })
	text = consume(text, reZhYearMonth, func(m []string) bool {
		matched = m[0]
		mo, ok := number(m[2])
		return ok && mo >= 1 && mo <= 12 && set(fmt.Sprintf("%s-%02d", m[1], mo))
	})
	text = consume(text, reZhYearQuarter, func(m []string) bool {
		matched = m[0]
		q := m[2]
		if q == "" {
			n, _ := number(m[3])
			q = fmt.Sprint(n)
		}
		return set(m[1] + "-Q" + q)
	})
	text = consume(text, reZhYearHalf, func(m []string) bool {
		matched = m[0]
		return set(m[1] + "-H" + map[string]string{"上": "1", "下": "2"}[m[2]])
	})
	text = consume(text, reZhRelHalf, func(m []string) bool {
		matched = m[0]
		if m[1] == "" && m[2] == "上" {
			return set("first_half")
		}
		return set(fmt.Sprintf("%d-H%s", yearOf(m[1]), map[string]string{"上": "1", "下": "2"}[m[2]]))
	})
	text = consume(text, reZhQuarterOnly, func(m []string) bool {
		matched = m[0]
		n, _ := number(m[2])
		if n < 1 || n > 4 {
			return false
		}
		tr.MonthOnly = tr.MonthOnly || m[1] == "" && tr.Range == ""
		return set(fmt.Sprintf("%d-Q%d", yearOf(m[1]), n))
	})
	text = consume(text, reZhRolling, func(m []string) bool {
		matched = m[0]
		n, ok := number(m[1])
		if !ok || n < 1 {
			return false
		}
		switch m[3] {
		case "天", "日":
			return set(fmt.Sprintf("last_%d_days", n))
		case "周", "星期":
			return set(fmt.Sprintf("last_%d_weeks", n))
		case "个月", "月":
			return set(fmt.Sprintf("last_%d_months", n))
		case "个季度", "季度", "季":
			return set(fmt.Sprintf("last_%d_quarters", n))
		default: // 年: rolling years are counted in months, 近一年 = the last 12 months
			return set(fmt.Sprintf("last_%d_months", 12*n))
		}
	})
	text = consume(text, reZhYear, func(m []string) bool {
		matched = m[0]
		if m[1] < "1990" || m[1] > "2100" {
			tr.Unreadable = m[0]
		}
		return set(m[1])
	})
	text = consume(text, reZhMonthOnly, func(m []string) bool {
		matched = m[0]
		mo, ok := number(m[2])
		if !ok || mo < 1 || mo > 12 {
			return false
		}
		y := yearOf(m[1])
		if m[1] == "" && mo > int(now.Month()) {
			y-- // a month later than this one means last year's
		}
		tr.MonthOnly = m[1] == "" && tr.Range == ""
		return set(fmt.Sprintf("%d-%02d", y, mo))
	})
	text = consume(text, reZhNamed, func(m []string) bool {
		matched = m[0]
		if m[0] == "前年" {
			return set(fmt.Sprint(year - 2))
		}
		return set(zhNamedRanges[m[0]])
	})

	text = consume(text, reEnToDate, func(m []string) bool {
		matched = m[0]
		switch {
		case strings.HasPrefix(m[0], "m"):
			return set("mtd")
		case strings.HasPrefix(m[0], "q"):
			return set("qtd")
		}
		return set("ytd")
	})
	text = consume(text, reEnQuarter, func(m []string) bool {
		matched = m[0]
		switch {
		case m[1] != "":
			return set(m[2] + "-Q" + m[1])
		case m[3] != "":
			return set(m[3] + "-Q" + m[4])
		}
		return set(fmt.Sprintf("%s-Q%d", m[6], ordinals[m[5]]))
	})
	text = consume(text, reEnQuarterOnly, func(m []string) bool {
		matched = m[0]
		y := year
		if m[3] == "last" {
			y--
		}
		tr.MonthOnly = tr.MonthOnly || m[3] == "" && tr.Range == ""
		if m[1] != "" {
			return set(fmt.Sprintf("%d-Q%s", y, m[1]))
		}
		return set(fmt.Sprintf("%d-Q%d", y, ordinals[m[2]]))
	})
	text = consume(text, reEnHalf, func(m []string) bool {
		matched = m[0]
		switch {
		case m[1] != "":
			return set(m[2] + "-H" + m[1])
		case m[3] != "":
			return set(m[3] + "-H" + m[4])
		}
		return set(fmt.Sprintf("%s-H%d", m[6], ordinals[m[5]]))
	})
	text = consume(text, reEnHalfRel, func(m []string) bool {
		matched = m[0]
		if m[1] == "first" || m[2] == "1" {
			return set("first_half")
		}
		return set(fmt.Sprintf("%d-H2", year))
	})
	text = consume(text, reEnMonthYear, func(m []string) bool { matched = m[0]; return set(fmt.Sprintf("%s-%02d", m[2], enMonths[m[1]])) })
	text = consume(text, reEnRolling, func(m []string) bool {
		matched = m[0]
		n, ok := number(m[1])
		if !ok || n < 1 {
			return false
		}
		if m[2] == "year" {
			return set(fmt.Sprintf("last_%d_months", 12*n))
		}
		return set(fmt.Sprintf("last_%d_%ss", n, m[2]))
	})
	// "the past year" is the last twelve months; "last year" alone is the calendar year (reEnNamed).
	text = consume(text, reEnPast, func(m []string) bool {
		matched = m[0]
		switch {
		case m[1] == "twelve months" || m[1] == "year" && !strings.HasPrefix(strings.TrimPrefix(m[0], "the "), "last"):
			return set("last_12_months")
		case m[2] != "":
			return set("last_" + m[2])
		}
		return false
	})
	text = consume(text, reEnNamed, func(m []string) bool {
		matched = m[0]
		return set(strings.Replace(strings.ReplaceAll(m[1], " ", "_"), "previous", "last", 1))
	})
	text = consume(text, reEnMonthOnly, func(m []string) bool {
		matched = m[0]
		mo := enMonths[m[1]+m[2]]
		y := year
		if mo > int(now.Month()) {
			y--
		}
		tr.MonthOnly = tr.Range == ""
		return set(fmt.Sprintf("%d-%02d", y, mo))
	})
	text = consume(text, reShiftOnly, func(m []string) bool { tr.Shift = m[0]; return true })
	text = consume(text, reEnYear, func(m []string) bool {
		matched = m[0]
		y := m[1] + m[2]
		if y < "1990" || y > "2100" {
			// "in 1899", or a bare number that can only be a year: no data has it.
			// A bare number counts only near the years the data could hold, so
			// "the 2500 largest branches" is not a year.
			if tr.Unreadable == "" && (m[1] != "" || y >= "1800" && y <= "2199") {
				tr.Unreadable = strings.TrimSpace(m[0])
			}
			return false
		}
		return set(y)
	})
	return tr, text
}

// periodBeforeLast names the period two before today's: 上上个月 or "the
// month before last" is the month before last month; 大前年 is three
// years back, as 前年 is two.
func periodBeforeLast(words, unit string, now time.Time) string {
	switch {
	case strings.Contains(words, "月") || unit == "month":
		return monthsBack(now, 2).Format("2006-01")
	case strings.Contains(words, "季") || unit == "quarter":
		q := monthsBack(now, 6)
		return fmt.Sprintf("%d-Q%d", q.Year(), (int(q.Month())+2)/3)
	case words == "大前年":
		return fmt.Sprint(now.Year() - 3)
	case unit == "year":
		return fmt.Sprint(now.Year() - 2)
	}
	return ""
}

// monthsBack is the first day of the month n months before now's.
func monthsBack(now time.Time, n int) time.Time {
	return time.Date(now.Year(), now.Month()-time.Month(n), 1, 0, 0, 0, 0, time.UTC)
}
