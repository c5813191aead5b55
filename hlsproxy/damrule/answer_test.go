package damrule

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestParseAnswerReadsBothForms(t *testing.T) {
	cases := []struct {
		body string
		want bool
	}{
		{"true", true}, {"false", false}, {" true\r\n", true}, {"false\n", false},
		{`{"tokenize": true}`, true}, {`{"tokenize":false,"asset":"a"}`, false},
		{`{"asset":{"tags":["x",{"y":1}]},"tokenize":false}`, false}, {"\t{\"tokeniz\\u0065\":false}\n", false},
	}
	for _, c := range cases {
		got, err := ParseAnswer([]byte(c.body))
		if err != nil || got != c.want {
			t.Errorf("%q: %v, %v; want %v", c.body, got, err, c.want)
		}
	}
}

// ambiguousAnswers are bodies a reader could take as public but that are
// not exactly one canonical answer.
var ambiguousAnswers = []string{
	"", "TRUE", "yes", "1", "0", "null", `"false"`, `{}`, `{"tokenize":"false"}`, `{"tokenize":0}`,
	`{"tokenize":null}`, `{"tokenize":false`, `[false]`, "<html>false</html>",
	`{"tokenize": true, "tokenize": false}`, `{"tokenize": false, "tokenize": false}`,
	`{"tokenize": true, "Tokenize": false}`, `{"TOKENIZE": false}`, `{"Tokenize": false}`,
	"{\"to\u212aenize\": false}", `{"tokenize": true, "TOKENIZE": false}`, `{"a":1,"A":2,"tokenize":false}`,
	"false false", "false x", `{"tokenize":false} {"tokenize":false}`, `{"tokenize":false}x`,
	"\xef\xbb\xbffalse", "\xef\xbb\xbf{\"tokenize\":false}", "\u00a0false", "false\u00a0", "\u2028false",
	"{\"tokenize\":false,\"n\":\"\xff\"}", "{\"tokenize\":false,\"\xc3\":1}", `{"tokenize":[false]}`,
	`{"tokenize":{"value":false}}`, `{"tokenize":false,}`, `{"tokenize":false,"x"}`,
}

func TestParseAnswerCallsAnythingAmbiguousMalformedAndProtected(t *testing.T) {
	for _, body := range ambiguousAnswers {
		got, err := ParseAnswer([]byte(body))
		if !errors.Is(err, ErrMalformed) || !got {
			t.Errorf("%q: %v, %v; want protected and ErrMalformed", body, got, err)
		}
	}
}

// canonicalPublic reports whether body is exactly one canonical public
// answer, decided independently of ParseAnswer: the bare value false, or an
// object that decodes into a map with no two keys equal under case folding,
// whose only tokenize-like key is exactly "tokenize" holding false.
func canonicalPublic(body []byte) bool {
	if !json.Valid(body) || bytes.HasPrefix(body, []byte("\xef\xbb\xbf")) || !strings.Contains(string(body), "false") {
		return false
	}
	if string(bytes.Trim(body, " \t\r\n")) == "false" {
		return true
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return false
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i, k := range keys {
		for _, k2 := range keys[i+1:] {
			if strings.EqualFold(k, k2) {
				return false
			}
		}
		if strings.EqualFold(k, "tokenize") && k != "tokenize" {
			return false
		}
	}
	return string(m["tokenize"]) == "false"
}

func FuzzParseAnswerIsPublicOnlyForOneCanonicalPublicAnswer(f *testing.F) {
	for _, b := range append(ambiguousAnswers, "false", `{"tokenize":false}`, `{"x":[1,{"y":null}],"tokenize":false}`) {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		tokenize, err := ParseAnswer(body)
		if err != nil && !tokenize {
			t.Fatalf("%q: an error that says public", body)
		}
		if !tokenize && !canonicalPublic(body) {
			t.Fatalf("%q: public, but not exactly one canonical public answer", body)
		}
		// A duplicated member never reads as public (json.Unmarshal keeps the last).
		if !tokenize && bytes.Count(bytes.ToLower(body), []byte("tokenize")) > 1 && strings.Count(string(body), `"tokenize"`) > 1 {
			t.Fatalf("%q: public with tokenize twice", body)
		}
	})
}
