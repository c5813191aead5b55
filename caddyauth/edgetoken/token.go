package edgetoken

import (
	"strconv"
	"strings"
)

// Token is a parsed EdgeAuth token. Every string field holds the bytes
// exactly as received (still percent-encoded if the generator escaped
// them).
type Token struct {
	Raw      string   // the whole token
	IP       string   // ip field, "" when absent
	ID       string   // id field (session id)
	Data     string   // data field (payload)
	Start    int64    // st field, unix seconds; valid when HasStart
	HasStart bool     // the token has an st field
	Expires  int64    // exp field, unix seconds (always present)
	ACL      string   // acl field as received, "" in URL mode
	ACLs     []string // ACL split at literal "!", raw as received
	HMAC     string   // hex HMAC as received
	Signed   string   // the bytes before "~hmac=" that the HMAC covers

	aclBuf [2]string // backing store for ACLs, saves an allocation
}

const hmacSep = "~hmac="

// Parse checks the syntax of a token with the default delimiters; see
// ParseWith.
func Parse(s string) (*Token, error) { return ParseWith(s, Delimiters{}) }

// ParseWith is parse with its refusal as an error (nil when none).
func ParseWith(s string, d Delimiters) (*Token, error) {
	t, f := parse(s, d)
	if f != nil {
		return nil, f
	}
	return t, nil
}

// parse checks the syntax of a token: fields joined by "~" (d.Field), each split at
// its first "=", hmac last and hex, exp present, timestamps in seconds.
// Field order is not enforced (the HMAC covers the bytes as received);
// duplicate or unknown fields are refused. Errors are *Failure with
// reason malformed.
func parse(s string, d Delimiters) (*Token, *Failure) {
	if s == "" {
		return nil, failf(ReasonMalformed, "empty token")
	}
	fd := d.field()
	sep := hmacSep
	if fd != DefaultFieldDelimiter {
		sep = string(fd) + "hmac="
	}
	var signed, mac string
	// The hex HMAC holds no delimiter, so "~hmac=" can only start at the last one.
	if i := strings.LastIndexByte(s, fd); i >= 0 && strings.HasPrefix(s[i:], sep) {
		signed, mac = s[:i], s[i+len(sep):]
	} else if i < 0 && strings.HasPrefix(s, "hmac=") {
		mac = s[len("hmac="):]
	} else if strings.Contains(s, sep) {
		return nil, failf(ReasonMalformed, "hmac is not the last field")
	} else {
		return nil, failf(ReasonMalformed, "no hmac field")
	}
	if mac == "" || !isHex(mac) {
		return nil, failf(ReasonMalformed, "hmac is not hex")
	}
	t := &Token{Raw: s, HMAC: mac, Signed: signed}
	var hasExp, hasIP, hasACL, hasID, hasData bool
	for rest, more := signed, signed != ""; more; {
		var field string
		field, rest, more = strings.Cut(rest, string(fd))
		name, val, ok := strings.Cut(field, "=")
		if !ok {
			return nil, failf(ReasonMalformed, "field without '='")
		}
		var dup bool
		switch name {
		case "ip":
			dup, hasIP, t.IP = hasIP, true, val
		case "st":
			dup, t.HasStart = t.HasStart, true
			n, err := parseTimestamp("st", val)
			if err != nil {
				return nil, err
			}
			t.Start = n
		case "exp":
			dup, hasExp = hasExp, true
			n, err := parseTimestamp("exp", val)
			if err != nil {
				return nil, err
			}
			t.Expires = n
		case "acl":
			dup, hasACL, t.ACL = hasACL, true, val
			if val == "" {
				return nil, failf(ReasonMalformed, "empty acl")
			}
		case "id":
			dup, hasID, t.ID = hasID, true, val
		case "data":
			dup, hasData, t.Data = hasData, true, val
		default:
			return nil, failf(ReasonMalformed, "unknown field "+strconv.Quote(truncate(name, 16)))
		}
		if dup {
			return nil, failf(ReasonMalformed, "duplicate field "+name)
		}
	}
	if !hasExp {
		return nil, failf(ReasonMalformed, "missing exp field")
	}
	if hasACL {
		t.ACLs = splitACLs(t.ACL, d.acl(), t.aclBuf[:0])
		if len(t.ACLs) == 0 {
			// "acl=!" names no path: it must never read as a URL-mode
			// token (whose HMAC would not cover the path).
			return nil, failf(ReasonMalformed, "acl has no pattern")
		}
	}
	return t, nil
}

// splitACLs splits acl at delim into buf, dropping empty parts.
func splitACLs(acl string, delim byte, buf []string) []string {
	for part := range strings.SplitSeq(acl, string(delim)) {
		if part != "" {
			buf = append(buf, part)
		}
	}
	return buf
}

// parseTimestamp reads unix seconds: 1 to 10 digits. 13 digits are
// reported as milliseconds, anything else as malformed.
func parseTimestamp(name, v string) (int64, *Failure) {
	if v == "" {
		return 0, failf(ReasonMalformed, name+" is empty")
	}
	if !isDigits(v) {
		return 0, failf(ReasonMalformed, name+" is not a number of seconds")
	}
	if len(v) == 13 {
		return 0, failf(ReasonMalformed, name+" has 13 digits: milliseconds, not unix seconds")
	}
	if len(v) > 10 {
		return 0, failf(ReasonMalformed, name+" is out of range ("+strconv.Itoa(len(v))+" digits)")
	}
	var n int64
	for i := 0; i < len(v); i++ {
		n = n*10 + int64(v[i]-'0')
	}
	return n, nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if _, ok := unhex(s[i]); !ok {
			return false
		}
	}
	return true
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
