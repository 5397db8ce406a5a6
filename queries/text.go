// Package queries turns questions in Chinese or English into governed
// metric queries: the offline planner (catalog words, time, comparison,
// ranking and grouping language), the optional LLM planner, conversation
// context, the answer sentence, and the guard for analysts' free SQL.
package queries

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// normalize folds full-width characters to ASCII, lowercases, and turns
// punctuation into spaces, keeping byte offsets meaningful for matching.
func normalize(s string) string {
	s = reUnitGloss.ReplaceAllString(s, " ")
	s = reThousands.ReplaceAllString(s, "$1$2")
	s = reISOMonth.ReplaceAllString(s, "${1}年${2}月")
	s = reShortYear.ReplaceAllString(s, "${1}20${2}年${3}")
	s = reYearDash.ReplaceAllString(s, "${1}~${2}")
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\u3000':
			r = ' '
		case r >= '\uff01' && r <= '\uff5e':
			r -= 0xfee0
		}
		switch {
		case r == '-' || r == '_':
			// cross-sell and cross sell, 18-29 and 18 29, read alike.
			b.WriteByte(' ')
		case unicode.IsPunct(r) && r != '/' && r != '.' && r != '%' && r != '\'' && r != '&':
			b.WriteByte(' ')
		case unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			b.WriteByte(' ')
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return " " + strings.Join(strings.Fields(b.String()), " ") + " "
}

// reShortYear is a year of two digits before a period of it, as speech
// shortens it: 24年4季度, 25年3月, 24年上半年 are of 2024 and 2025. A bare
// 24年 (24 years) is left alone.
var reShortYear = regexp.MustCompile(`(^|[^0-9])([0-9]{2})年(第?[一二三四1-4]季|[0-9一二三四五六七八九十]{1,2}月|上半年|下半年|全年|年末|年底|年初|前三季度)`)

// reUnitGloss is a unit in brackets after a number, "5000 (10k CNY)",
// 5000（万元）: a note on how the number is written, not a second number.
var reUnitGloss = regexp.MustCompile(`(?i)[(（]\s*(?:in\s+)?(?:10k|10,000|ten thousand|万|千|亿|thousands?|millions?|k|m)?\s*(?:of\s+)?(?:cny|rmb|yuan|元|万元|千元|亿元|usd|dollars?)\s*[)）]`)

// reYearDash finds a span of years written 2023-2024, which would
// otherwise read as two numbers once "-" is a space.
var reYearDash = regexp.MustCompile(`\b((?:19|20)\d{2})\s*[-–—]\s*((?:19|20)\d{2})\b`)

// reISOMonth finds a month written 2025-09 (not a day 2025-09-30), which
// would otherwise read as two numbers once "-" is a space.
var reISOMonth = regexp.MustCompile(`\b(\d{4})-(0?[1-9]|1[0-2])\b(?:[^-\d]|$)`)

// reThousands finds a thousands separator: 100,000 and 1,250,000 are numbers.
var reThousands = regexp.MustCompile(`(\d),(\d{3}\b)`)

// hasHan reports whether s contains Chinese characters.
func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// blank replaces text[i:j] with spaces so later matchers skip it.
func blank(text string, i, j int) string {
	return text[:i] + strings.Repeat(" ", j-i) + text[j:]
}

// consume finds every match of re in text, calls fn with the submatches,
// and blanks the matches fn accepts.
func consume(text string, re *regexp.Regexp, fn func(m []string) bool) string {
	for {
		loc := re.FindStringSubmatchIndex(text)
		if loc == nil {
			return text
		}
		m := make([]string, len(loc)/2)
		for i := range m {
			if loc[2*i] >= 0 {
				m[i] = text[loc[2*i]:loc[2*i+1]]
			}
		}
		if !fn(m) {
			// Rejected: hide it from this loop only.
			rest := consume(text[loc[1]:], re, fn)
			return text[:loc[1]] + rest
		}
		text = blank(text, loc[0], loc[1])
	}
}

var zhDigits = map[rune]int{'零': 0, '〇': 0, '一': 1, '二': 2, '两': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}

var enNumbers = map[string]int{"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
	"eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "eighteen": 18, "twenty": 20, "twenty four": 24, "thirty": 30, "ninety": 90}

// number reads Arabic, Chinese (三, 十二, 二十四, 两) or English (three) numerals.
func number(s string) (int, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(s); err == nil {
		return n, true
	}
	if n, ok := enNumbers[s]; ok {
		return n, true
	}
	total, cur := 0, 0
	seen := false
	for _, r := range s {
		if d, ok := zhDigits[r]; ok {
			cur, seen = d, true
			continue
		}
		switch r {
		case '十':
			if !seen {
				cur = 1
			}
			total += cur * 10
			cur, seen = 0, true
		case '百':
			total += max(cur, 1) * 100
			cur, seen = 0, true
		default:
			return 0, false
		}
	}
	return total + cur, seen
}

// countPattern matches a count (top 5, 前三): digits, Chinese or English words.
const countPattern = `[0-9]+|[零〇一二两三四五六七八九十百]+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty`

// numPattern matches a numeral in any of the forms number reads.
const numPattern = `[0-9]+|[零〇一二两三四五六七八九十百]+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|eighteen|twenty four|twenty|thirty|ninety`
