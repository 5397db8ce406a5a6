package queries

import "regexp"

// reMoveRank ranks a move rather than a value: 上升最多的支行 is the branch
// whose figure rose most against the period before, not the highest one.
var reMoveRank = regexp.MustCompile(`(?:上升|增长|增加|提高|提升|上涨|攀升|下降|减少|降低|下跌|下滑|回落)(?:得|了)?(?:最多|最快|最大|最猛|幅度最大|最明显)(?:的\s*(` + countPattern + `)\s*(?:个|家|位|名|条)?)?|\b(?:rose|risen|grew|grown|increased|climbed|went up|fell|fallen|dropped|declined|decreased|went down)\s+(?:the\s+)?(?:most|fastest)\b|\b(?:biggest|largest|greatest|sharpest|fastest)\s+(?:rise|increase|growth|jump|gain|fall|drop|decline|decrease)\b`)

// reMoveUp and reMoveRate read a ranked move's direction and whether it is
// ranked by its rate (最快, 幅度, fastest) rather than its amount.
var (
	reMoveUp   = regexp.MustCompile(`上升|增长|增加|提高|提升|上涨|攀升|rose|risen|grew|grown|increased|climbed|went up|rise|increase|growth|jump|gain`)
	reMoveRate = regexp.MustCompile(`最快|幅度|fastest`)
)

// reTheN is a count before a plural noun: "the 3 branches where AUM fell
// the most". With a superlative it is how many are ranked.
var reTheN = regexp.MustCompile(`\bthe\s+(` + countPattern + `)\s+[a-z]+s\b`)

// theN reads "the N <plural>" in a question that ranks, blanking the
// article and the count and keeping the noun (read from the question as
// asked, since a dimension's name may already be taken from the text).
func theN(norm, text string, which *int) string {
	loc := reTheN.FindStringSubmatchIndex(norm)
	if loc == nil || len(text) != len(norm) || text[loc[2]:loc[3]] != norm[loc[2]:loc[3]] {
		return text
	}
	if n, ok := number(norm[loc[2]:loc[3]]); ok && n > 1 && n <= 1000 {
		*which = n
		return blank(text, loc[0], loc[3])
	}
	return text
}

// reOrderWords sort a list: descending, or ascending when group 1 matched.
var reOrderWords = regexp.MustCompile(`(?:按|并)?\s*(?:(从低到高|由低到高|从小到大|由小到大|升序|\blowest first\b|\bsmallest first\b|\bascending\b)|从高到低|由高到低|从大到小|由大到小|降序|\bhighest first\b|\blargest first\b|\bbiggest first\b|\bdescending\b)\s*(?:排列|排序|排)?`)

// reSuperCount is a count right after a Chinese superlative: 最大的三个.
var reSuperCount = regexp.MustCompile(`最(?:高|低|大|小|多|少|好|差|强|弱|快|慢|活跃)(?:的)?\s*(` + countPattern + `)\s*(?:个|家|位|名|条|只|种|类|户)`)

var reWhichN = regexp.MustCompile(`\b(?:which|what)\s+(` + countPattern + `)\b()|哪()(` + countPattern + `)\s*(?:个|家|位|名|种|类)`)

// readRanking reads top-N, bottom-N, 最高/lowest and 排名 words.
func (o *Offline) readRanking(r *reading) bool {
	rank := &r.rank
	which := 0
	// "which three provinces had the lowest", 哪三个分行最高: a count with a superlative.
	r.text = consume(r.text, reWhichN, func(m []string) bool {
		n, ok := number(m[1] + m[2])
		if ok && n > 1 && n <= 1000 {
			which = n
		}
		return ok
	})
	r.text = consume(r.text, reMoveRank, func(m []string) bool {
		rank.set, rank.limit, rank.by = true, 1, "delta"
		if n, ok := number(m[1]); ok && n > 0 && n <= 1000 {
			rank.limit = n // 下降最多的3个分行
		}
		rank.up = reMoveUp.MatchString(m[0])
		if reMoveRate.MatchString(m[0]) {
			rank.by = "pct_change"
		}
		return true
	})
	// 资产规模最大的三个省份: the count after a superlative is how many.
	if loc := reSuperCount.FindStringSubmatchIndex(r.text); loc != nil {
		if n, ok := number(r.text[loc[2]:loc[3]]); ok && n > 1 && n <= 1000 {
			which = n
			r.text = blank(r.text, loc[2], loc[1])
		}
	}
	defer func() {
		if which > 0 && rank.set && (rank.limit == 1 || rank.limit == 0) {
			rank.limit = which
		}
	}()
	r.text = consume(r.text, reTopN, func(m []string) bool {
		n, ok := number(m[1])
		if ok && n > 0 && n <= 1000 {
			rank.set, rank.desc, rank.limit = true, true, n
		}
		return ok
	})
	r.text = consume(r.text, reBottomN, func(m []string) bool {
		n, ok := number(m[1])
		if ok && n > 0 && n <= 1000 {
			rank.set, rank.desc, rank.limit = true, false, n
		}
		return ok
	})
	// 从高到低, highest first: the order of the whole list, no limit.
	r.text = consume(r.text, reOrderWords, func(m []string) bool {
		if !rank.set {
			rank.set, rank.desc = true, m[1] == ""
		}
		return true
	})
	// 最高/lowest name the direction; with a count already read they only confirm it.
	r.text = consume(r.text, reMax, func([]string) bool {
		if !rank.set {
			rank.set, rank.desc, rank.limit = true, true, 1
		}
		return true
	})
	r.text = consume(r.text, reMin, func([]string) bool {
		if !rank.set {
			rank.set, rank.desc, rank.limit = true, false, 1
		}
		return true
	})
	if rank.set && rank.limit <= 1 {
		r.text = theN(r.norm, r.text, &which)
	}
	r.text = consume(r.text, reRank, func([]string) bool {
		if !rank.set {
			rank.set, rank.desc = true, true
		}
		return true
	})
	return false
}
