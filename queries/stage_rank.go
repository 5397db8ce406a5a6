package queries

import "regexp"

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
	r.text = consume(r.text, reRank, func([]string) bool {
		if !rank.set {
			rank.set, rank.desc = true, true
		}
		return true
	})
	return false
}
