package damrule

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// MaxAnswerBytes bounds the body read from the rule endpoint.
const MaxAnswerBytes = 4096

// ErrMalformed means the endpoint's body is not exactly one canonical
// answer: true/false or {"tokenize": bool}.
var ErrMalformed = errors.New("answer is neither true, false nor {\"tokenize\": bool}")

// ParseAnswer reads the endpoint's body: one JSON value, `true` or `false`,
// or an object with exactly one member "tokenize" whose value is a boolean
// (other members, with distinct names, are ignored); JSON white space
// around it. It returns whether the asset must be tokenized, i.e. is
// protected. Anything ambiguous is malformed (and protected): invalid UTF-8,
// a byte order mark, trailing data, a non-boolean tokenize, and any member
// name that encoding/json would merge with another or with "tokenize"
// ("Tokenize", "TOKENIZE", a Kelvin sign for "k") — read through
// json.Decoder's token stream, which sees every member as sent.
func ParseAnswer(body []byte) (tokenize bool, err error) {
	if !utf8.Valid(body) || bytes.HasPrefix(body, []byte("\xef\xbb\xbf")) {
		return true, ErrMalformed
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	tok, err := dec.Token()
	if err != nil {
		return true, ErrMalformed
	}
	switch v := tok.(type) {
	case bool:
		tokenize = v
	case json.Delim:
		if v != '{' {
			return true, ErrMalformed
		}
		if tokenize, err = readObject(dec); err != nil {
			return true, err
		}
	default:
		return true, ErrMalformed
	}
	if _, err := dec.Token(); err != io.EOF {
		return true, fmt.Errorf("%w: data after the answer", ErrMalformed)
	}
	return tokenize, nil
}

// readObject reads the members of an object whose "{" was read: tokenize
// exactly once, as a boolean, and no two names equal under case folding.
func readObject(dec *json.Decoder) (bool, error) {
	var seen []string
	var tokenize, found bool
	for dec.More() {
		tok, err := dec.Token()
		name, ok := tok.(string)
		if err != nil || !ok {
			return true, ErrMalformed
		}
		for _, s := range seen {
			if strings.EqualFold(s, name) {
				return true, fmt.Errorf("%w: member %q twice (under case folding)", ErrMalformed, name)
			}
		}
		seen = append(seen, name)
		if !strings.EqualFold(name, "tokenize") {
			if err := skipValue(dec); err != nil {
				return true, ErrMalformed
			}
			continue
		}
		v, err := dec.Token()
		b, isBool := v.(bool)
		if err != nil || !isBool || name != "tokenize" {
			return true, fmt.Errorf("%w: member %q is not a boolean \"tokenize\"", ErrMalformed, name)
		}
		tokenize, found = b, true
	}
	if end, err := dec.Token(); err != nil || end != json.Delim('}') || !found {
		return true, ErrMalformed
	}
	return tokenize, nil
}

// skipValue reads one value of any type from the token stream.
func skipValue(dec *json.Decoder) error {
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
		if depth == 0 {
			return nil
		}
	}
}
