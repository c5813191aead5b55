package damrule

import (
	"bytes"
	"encoding/json"
	"errors"
)

// MaxAnswerBytes bounds the body read from the rule endpoint.
const MaxAnswerBytes = 4096

// ErrMalformed means the endpoint's body is neither true/false nor
// {"tokenize": bool}.
var ErrMalformed = errors.New("answer is neither true, false nor {\"tokenize\": bool}")

// ParseAnswer reads the endpoint's body: `true` or `false` (surrounding
// white space allowed), or a JSON object whose "tokenize" member is a
// boolean (other members are ignored). It returns whether the asset must
// be tokenized, i.e. is protected.
func ParseAnswer(body []byte) (tokenize bool, err error) {
	b := bytes.TrimSpace(body)
	switch string(b) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	if len(b) == 0 || b[0] != '{' {
		return true, ErrMalformed
	}
	var obj struct {
		Tokenize *bool `json:"tokenize"`
	}
	if err := json.Unmarshal(b, &obj); err != nil || obj.Tokenize == nil {
		return true, ErrMalformed
	}
	return *obj.Tokenize, nil
}
