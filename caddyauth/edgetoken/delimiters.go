package edgetoken

import (
	"errors"
	"fmt"
)

// Delimiters are the field and ACL delimiters of a token. Every Akamai SDK
// lets the issuer change them (field_delimiter, acl_delimiter); the zero
// value means the defaults, "~" and "!".
type Delimiters struct {
	Field byte // between fields; default '~'
	ACL   byte // between ACL entries; default '!'
}

// Default delimiters.
const (
	DefaultFieldDelimiter = '~'
	DefaultACLDelimiter   = '!'
)

// Bytes is the field and ACL delimiter in force, as a string of two bytes.
func (d Delimiters) Bytes() string { return string([]byte{d.field(), d.acl()}) }

func (d Delimiters) field() byte {
	if d.Field == 0 {
		return DefaultFieldDelimiter
	}
	return d.Field
}

func (d Delimiters) acl() byte {
	if d.ACL == 0 {
		return DefaultACLDelimiter
	}
	return d.ACL
}

// ParseDelimiter checks one configured delimiter: a single printable ASCII
// byte that cannot occur in a field name, a number, a hex HMAC or a path
// segment's letters ("=", letters, digits, "/", "%", "*", "?" are refused).
func ParseDelimiter(s string) (byte, error) {
	if len(s) != 1 {
		return 0, fmt.Errorf("delimiter %q: want exactly one character", s)
	}
	c := s[0]
	if c <= ' ' || c >= 0x7f || isAlnum(c) || c == '=' || c == '/' || c == '%' || c == '*' || c == '?' {
		return 0, fmt.Errorf("delimiter %q: want a punctuation character other than = / %% * ?", s)
	}
	return c, nil
}

// Validate reports delimiters that would make tokens ambiguous.
func (d Delimiters) Validate() error {
	if d.field() == d.acl() {
		return errors.New("field and acl delimiters must differ")
	}
	return nil
}
