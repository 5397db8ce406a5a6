package queries

import (
	"slices"
	"testing"
)

func TestPhrasesAreFoundWithAnArticle(t *testing.T) {
	cases := []struct {
		phrase string
		want   []string
	}{
		{"with family bundle", []string{"with a family bundle", "with an family bundle", "with the family bundle"}},
		{"without autopay", []string{"without a autopay", "without an autopay", "without the autopay"}},
		{"with a family bundle", nil}, // already has one
		{"family bundle", nil},        // no opener
		{"within budget", nil},        // "with" is not a whole word here
	}
	for _, tc := range cases {
		if got := withArticle(tc.phrase); !slices.Equal(got, tc.want) {
			t.Errorf("%q: got %q, want %q", tc.phrase, got, tc.want)
		}
	}
}

func TestSingular(t *testing.T) {
	for in, want := range map[string]string{"households": "household", "cities": "city", "seats": "seat", "bus": "bus", "class": "class"} {
		if got := singular(in); got != want {
			t.Errorf("singular(%q) = %q, want %q", in, got, want)
		}
	}
}
