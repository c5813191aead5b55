package edgetoken

import (
	"strings"
	"testing"
)

const hmac64 = "5c513c32dc703fd7a532d25f936490d24ee42ebcd4d29392fc7eac13914c47b4"

func TestParseAcceptsFieldsAsReceived(t *testing.T) {
	tests := []struct {
		name  string
		token string
		check func(t *testing.T, tok *Token)
	}{
		{"all fields", "ip=1.2.3.4~st=1700000000~exp=1700000300~acl=/a/*~id=s1~data=x~hmac=" + hmac64,
			func(t *testing.T, tok *Token) {
				if tok.IP != "1.2.3.4" || tok.Start != 1700000000 || !tok.HasStart || tok.Expires != 1700000300 ||
					tok.ACL != "/a/*" || tok.ID != "s1" || tok.Data != "x" || tok.HMAC != hmac64 {
					t.Errorf("parsed %+v", tok)
				}
			}},
		{"signed part is the exact bytes before ~hmac=", "exp=1700000300~acl=/a/*~hmac=" + hmac64,
			func(t *testing.T, tok *Token) {
				if tok.Signed != "exp=1700000300~acl=/a/*" {
					t.Errorf("Signed = %q", tok.Signed)
				}
			}},
		{"values split at the first '='", "exp=1700000300~acl=/a/*~data=user=alice=x~hmac=" + hmac64,
			func(t *testing.T, tok *Token) {
				if tok.Data != "user=alice=x" {
					t.Errorf("Data = %q", tok.Data)
				}
			}},
		{"no st", "exp=1700000300~acl=/a/*~hmac=" + hmac64,
			func(t *testing.T, tok *Token) {
				if tok.HasStart {
					t.Errorf("HasStart true")
				}
			}},
		{"multi acl split at '!'", "exp=1700000300~acl=/a/*!/b/*!/c~hmac=" + hmac64,
			func(t *testing.T, tok *Token) {
				if strings.Join(tok.ACLs, ",") != "/a/*,/b/*,/c" {
					t.Errorf("ACLs = %q", tok.ACLs)
				}
			}},
		{"escaped acl kept raw", "exp=1700000300~acl=%2Fhls%2F%2A~hmac=" + hmac64,
			func(t *testing.T, tok *Token) {
				if tok.ACL != "%2Fhls%2F%2A" {
					t.Errorf("ACL = %q", tok.ACL)
				}
			}},
		{"url mode token has no acl", "exp=1700000300~hmac=" + hmac64,
			func(t *testing.T, tok *Token) {
				if tok.ACL != "" || len(tok.ACLs) != 0 {
					t.Errorf("ACL = %q", tok.ACL)
				}
			}},
		{"field order not enforced", "acl=/a/*~exp=1700000300~hmac=" + hmac64,
			func(t *testing.T, tok *Token) {
				if tok.Expires != 1700000300 {
					t.Errorf("Expires = %d", tok.Expires)
				}
			}},
		{"uppercase hex hmac accepted", "exp=1700000300~acl=/a/*~hmac=" + strings.ToUpper(hmac64),
			func(t *testing.T, tok *Token) {}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := Parse(tt.token)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			tt.check(t, tok)
		})
	}
}

func TestParseRejectsMalformedTokens(t *testing.T) {
	tests := []struct{ name, token, detail string }{
		{"empty", "", "empty"},
		{"no hmac", "exp=1700000300~acl=/a/*", "no hmac"},
		{"empty hmac", "exp=1700000300~acl=/a/*~hmac=", "not hex"},
		{"non-hex hmac", "exp=1700000300~acl=/a/*~hmac=xyz", "not hex"},
		{"hmac not last", "exp=1700000300~hmac=" + hmac64 + "~acl=/a/*", "not the last field"},
		{"missing exp", "st=1700000000~acl=/a/*~hmac=" + hmac64, "missing exp"},
		{"only hmac", "hmac=" + hmac64, "missing exp"},
		{"empty exp", "exp=~acl=/a/*~hmac=" + hmac64, "exp is empty"},
		{"negative exp", "exp=-5~acl=/a/*~hmac=" + hmac64, "not a number"},
		{"exp in milliseconds", "exp=1700000300000~acl=/a/*~hmac=" + hmac64, "milliseconds"},
		{"st in milliseconds", "st=1700000000000~exp=1700000300~acl=/a/*~hmac=" + hmac64, "milliseconds"},
		{"exp too large", "exp=99999999999~acl=/a/*~hmac=" + hmac64, "out of range"},
		{"duplicate exp", "exp=1~exp=1700000300~acl=/a/*~hmac=" + hmac64, "duplicate"},
		{"duplicate acl", "exp=1700000300~acl=/a/*~acl=/*~hmac=" + hmac64, "duplicate"},
		{"unknown field", "exp=1700000300~acl=/a/*~foo=bar~hmac=" + hmac64, "unknown field"},
		{"field without '='", "exp=1700000300~acl~hmac=" + hmac64, "without '='"},
		{"empty field", "exp=1700000300~~acl=/a~hmac=" + hmac64, "without '='"},
		{"empty acl", "exp=1700000300~acl=~hmac=" + hmac64, "empty acl"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.token)
			if reasonOf(err) != ReasonMalformed {
				t.Fatalf("Parse(%q) err = %v, want malformed", tt.token, err)
			}
			if !strings.Contains(err.Error(), tt.detail) {
				t.Errorf("error %q does not mention %q", err, tt.detail)
			}
			if strings.Contains(err.Error(), hmac64) {
				t.Errorf("error leaks the hmac: %q", err)
			}
		})
	}
}

func TestParseKey(t *testing.T) {
	tests := []struct {
		in      string
		want    []byte
		errPart string
	}{
		{"abc123", []byte{0xab, 0xc1, 0x23}, ""},
		{"ABC123", []byte{0xab, 0xc1, 0x23}, ""},
		{"", nil, "empty"},
		{"abc", nil, "odd"},
		{"zz", nil, "not hex"},
		{"a g1", nil, "not hex"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseKey(tt.in)
			if tt.errPart != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errPart) {
					t.Fatalf("ParseKey(%q) err = %v, want %q", tt.in, err, tt.errPart)
				}
				if tt.in != "" && strings.Contains(err.Error(), tt.in) {
					t.Errorf("error quotes the key: %v", err)
				}
				return
			}
			if err != nil || string(got) != string(tt.want) {
				t.Fatalf("ParseKey(%q) = %x, %v; want %x", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParseAlgorithm(t *testing.T) {
	for in, want := range map[string]Algorithm{"": SHA256, "sha256": SHA256, "SHA256": SHA256, "sha1": SHA1, "MD5": MD5} {
		got, err := ParseAlgorithm(in)
		if err != nil || got != want {
			t.Errorf("ParseAlgorithm(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"sha512", "hmac-sha256", "sha-256"} {
		if _, err := ParseAlgorithm(bad); err == nil {
			t.Errorf("ParseAlgorithm(%q) accepted", bad)
		}
	}
}

// An acl field made only of delimiters names no path; in url_mode it must
// not pass as a URL-mode token, whose HMAC would not cover the request path.
func TestParseRefusesACLWithoutPattern(t *testing.T) {
	for _, acl := range []string{"!", "!!", "!!!"} {
		tok := "exp=1700000300~acl=" + acl + "~hmac=" + strings.Repeat("0", 64)
		if _, err := Parse(tok); reasonOf(err) != ReasonMalformed {
			t.Errorf("Parse(acl=%s) err = %v, want malformed", acl, err)
		}
	}
}
