package export

import "testing"

// Sheet names are what Excel accepts: at most 31 characters, none of
// : \ / ? * [ ], unique without regard to case.
func TestSheetNames(t *testing.T) {
	used := map[string]bool{}
	for _, tc := range []struct{ in, want string }{
		{"客户流失率", "客户流失率"},
		{"客户流失率", "客户流失率(2)"},
		{"Churn: by [segment]?", "Churn_ by _segment__"},
		{"", "Sheet4"},
		{"一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三", "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一"},
		{"一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三", "一二三四五六七八九十一二三四五六七八九十一二三四五六七八(2)"},
		{"churn", "churn"},
		{"CHURN", "CHURN(2)"},
	} {
		if got := sheetName(tc.in, 3, used); got != tc.want {
			t.Errorf("sheetName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
