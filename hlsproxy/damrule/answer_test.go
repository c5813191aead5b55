package damrule

import (
	"errors"
	"testing"
)

func TestParseAnswerReadsBothForms(t *testing.T) {
	cases := []struct {
		body string
		want bool
	}{
		{"true", true}, {"false", false}, {" true\r\n", true}, {"false\n", false},
		{`{"tokenize": true}`, true}, {`{"tokenize":false,"asset":"a"}`, false},
	}
	for _, c := range cases {
		got, err := ParseAnswer([]byte(c.body))
		if err != nil || got != c.want {
			t.Errorf("%q: %v, %v; want %v", c.body, got, err, c.want)
		}
	}
}

func TestParseAnswerCallsAnythingElseMalformedAndProtected(t *testing.T) {
	for _, body := range []string{"", "TRUE", "yes", "1", "null", `{}`, `{"tokenize":"false"}`, `{"tokenize":null}`, `{"tokenize":false`, `[false]`, "<html>false</html>"} {
		got, err := ParseAnswer([]byte(body))
		if !errors.Is(err, ErrMalformed) || !got {
			t.Errorf("%q: %v, %v; want protected and ErrMalformed", body, got, err)
		}
	}
}

func FuzzParseAnswerNeverSaysPublicByAccident(f *testing.F) {
	f.Add([]byte("false"))
	f.Add([]byte(`{"tokenize":false}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		tokenize, err := ParseAnswer(body)
		if err != nil && !tokenize {
			t.Fatalf("%q: an error that says public", body)
		}
	})
}
