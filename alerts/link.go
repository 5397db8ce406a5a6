package alerts

import (
	"net/url"
	"strings"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/reports"
)

// ruleLink is the link to a rule's full report: its query, as a report
// page, under the owner's scope. Without a sharer there is none (a rule
// has no declared page a reader could open).
func (sc *Scheduler) ruleLink(r *Rule) string {
	return sc.shareLink(reports.Share{Title: r.Name, Queries: []metrics.Query{r.evalQuery()}, Scope: r.Owner.Scope, Lang: r.Lang})
}

// subscriptionLink is the link to a subscription's full report: the
// declared report or, for one with figures of its own, a page of them.
// Without a sharer, a declared report's own page (whose reader signs in).
func (sc *Scheduler) subscriptionLink(s *Subscription) string {
	base := strings.TrimRight(sc.cfg.BaseURL, "/")
	if base == "" {
		return ""
	}
	if sc.cfg.Sharer == nil {
		if len(s.Figures) > 0 {
			return ""
		}
		return base + "/reports/" + url.PathEscape(s.Report) + "?lang=" + s.Lang
	}
	sh := reports.Share{Scope: s.Owner.Scope, Lang: s.Lang}
	if len(s.Figures) == 0 {
		sh.Report = s.Report
	} else {
		sh.Title = s.Name
		for _, f := range s.Figures {
			sh.Queries = append(sh.Queries, figureQuery(f))
		}
	}
	return sc.shareLink(sh)
}

// shareLink seals sh into a link that expires after reports.SharedTTL;
// empty without a public URL or a sharer.
func (sc *Scheduler) shareLink(sh reports.Share) string {
	base := strings.TrimRight(sc.cfg.BaseURL, "/")
	if base == "" || sc.cfg.Sharer == nil {
		return ""
	}
	sh.Expires = sc.now().Add(reports.SharedTTL).Unix()
	tok, err := sc.cfg.Sharer.Seal(sh)
	if err != nil {
		sc.log.Warn("seal a report link", "err", err)
		return ""
	}
	return base + reports.SharedPath + tok
}
