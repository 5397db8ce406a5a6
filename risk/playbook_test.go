package risk

import (
	"strings"
	"testing"

	"github.com/beaconbi/beacon/models"
)

func TestDefaultPlaybookSuggestions(t *testing.T) {
	pb, err := ParsePlaybook(models.PlaybookFile, models.Playbook)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		tier, segment, reason, want string
	}{
		{TierHigh, "高净值", "balance_change_3m", "dedicated_rm_call"},
		{TierHigh, "高净值", "complaints_90d", "complaint_follow_up"}, // a complaint comes first
		{TierMedium, "年轻", "tx_count_change", "app_offer_card_review"},
		{TierHigh, "退休", "aum_change_3m", "stable_product_consult"},
		{TierHigh, "普通", "term_deposits_maturing_90d", "renewal_offer"},
		{TierHigh, "潜在", "months_inactive", "outbound_call_fee_waiver"},
		{TierMedium, "大众富裕", "tenure_months", "rm_message"},
		{TierMedium, "普通", "tx_count_3m", "app_campaign"},
		{TierLow, "高净值", "complaints_90d", "routine_service"},
	}
	for _, c := range cases {
		if got := pb.Suggest(c.tier, c.segment, c.reason); got.Code != c.want {
			t.Errorf("%s %s %s: got %s, want %s", c.tier, c.segment, c.reason, got.Code, c.want)
		}
	}
}

func TestBadPlaybooksNameTheLine(t *testing.T) {
	cases := []struct{ name, yaml, want string }{
		{"unknown tier", "rules:\n  - when: {tiers: [urgent]}\n    action: {code: a, zh: 甲, en: a}\n  - action: {code: b, zh: 乙, en: b}\n", "x.yaml:2: rules[0]: tier \"urgent\""},
		{"unknown reason", "rules:\n  - action: {code: b, zh: 乙, en: b}\n  - when: {reasons: [mood]}\n    action: {code: a, zh: 甲, en: a}\n", "x.yaml:3: rules[1]: reason \"mood\""},
		{"no default", "rules:\n  - when: {tiers: [high]}\n    action: {code: a, zh: 甲, en: a}\n", "x.yaml:2: the last rule must have no conditions"},
		{"missing English", "rules:\n  - action: {code: a, zh: 甲}\n", "x.yaml:2: rules[0]: the action needs a code, zh and en"},
		{"unknown key", "rules:\n  - action: {code: a, zh: 甲, en: a}\n    priority: 1\n", "field priority not found"},
		{"empty", "rules: []\n", "no rules"},
	}
	for _, c := range cases {
		_, err := ParsePlaybook("x.yaml", []byte(c.yaml))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", c.name, err, c.want)
		}
	}
}
