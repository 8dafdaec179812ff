package rules

import (
	"encoding/json"
	"reflect"
	"testing"
)

var jsonSeeds = []string{
	`{}`, `[]`, `""`, `0`, `-0`, `1.5e3`, `-12.25E-2`, `true`, `false`, `null`, ` { "a" : [ 1 , "b" , null ] } `,
	`{"a":1,"a":2}`, `"\u00e9\ud83d\ude00\n\t\"\\\/"`, `"\ud800"`, `"\ud800\u0041"`, `"\udc00\ud800"`, "\"\xff\xfe\"", "\"caf\xc3\xa9\"",
	`01`, `1.`, `.5`, `-`, `1e`, `1e400`, `tru`, `nul`, `{"a" 1}`, `{"a":1,}`, `[1,]`, `[1 2]`, `"a`, "\"\x01\"", `{1:2}`, `"\x"`, `"\u12"`,
	`{"repository":{"name":"app","cloneURL":"https://x/y.git"},"n":[1,2,{"k":[]}],"ok":true}`, `[[[[[[[[[[[[1]]]]]]]]]]]]`, `1 2`, "  \n",
}

func TestDecodeJSON(t *testing.T) {
	for _, s := range jsonSeeds {
		checkJSON(t, []byte(s))
	}
}

// FuzzDecodeJSON: decodeJSON accepts what encoding/json accepts and
// returns the same value.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(checkJSON)
}

func checkJSON(t *testing.T, data []byte) {
	var want any
	werr := json.Unmarshal(data, &want)
	got, gerr := decodeJSON(data)
	if (werr == nil) != (gerr == nil) {
		t.Fatalf("%q: encoding/json error %v, decodeJSON error %v", data, werr, gerr)
	}
	if werr == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: decodeJSON %#v, encoding/json %#v", data, got, want)
	}
}
