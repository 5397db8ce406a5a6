package queries

// readRanking reads top-N, bottom-N, 最高/lowest and 排名 words.
func (o *Offline) readRanking(r *reading) bool {
	rank := &r.rank
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
