package server

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/beaconbi/beacon/metrics"
)

// FuzzStrictJSON checks that the strict walk never panics, and that what it
// accepts encoding/json decodes to the same query as the walk's output.
func FuzzStrictJSON(f *testing.F) {
	for _, s := range []string{
		`{"metrics":["aum"],"limit":1e3}`,
		`{"metrics":["aum"],"filters":[{"dimension":"segment","op":"in","values":["a",1,true,null,{"x":[]}]}]}`,
		`{"metrics":["aum"],"time":{"range":"last_month","time_zone":"Asia/Shanghai"}}`,
		`{"metr\u0069cs":["\ud83d\ude00\\u"],"limit":-0}`,
		`{"metrics":["a"],"metrics":["b"]}`,
		`[1,2,{"a":"b"}]`, `"x"`, `1.5e2`, `null`, ` { } `,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		clean, _, err := strictJSON(body, reflect.TypeFor[*metrics.Query]())
		if err != nil {
			return
		}
		var q metrics.Query
		if err := json.Unmarshal(clean, &q); err != nil {
			t.Fatalf("the walk accepted %q, which encoding/json refuses: %v", body, err)
		}
	})
}
