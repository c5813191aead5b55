package edgetoken

import (
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// DefaultSkew is the clock skew allowed on exp and st when
// Verifier.Skew is zero.
const DefaultSkew = 10 * time.Second

// Verifier checks tokens. Its fields are read-only once in use; a
// Verifier is safe for concurrent use.
type Verifier struct {
	// Keys are the decoded HMAC keys (see ParseKey). Any key may verify
	// a token (rotation); Generate-side code uses the first.
	Keys [][]byte
	// Algorithm is the HMAC hash; "" means sha256.
	Algorithm Algorithm
	// Salt, when set, is appended to the HMAC input as "~salt=<Salt>".
	Salt string
	// Skew is the clock skew tolerated on exp and st: 0 means
	// DefaultSkew, a negative value means none.
	Skew time.Duration
	// URLMode accepts tokens without an acl field: their HMAC covers
	// "~url=<request path>".
	URLMode bool
	// Delimiters are the issuer's field and ACL delimiters (zero: ~ and !).
	Delimiters Delimiters
	// EscapeEarly also tries, in URL mode, the request path escaped the
	// way generators with escape_early do (Python quote_plus lowercase
	// and PHP rawurlencode uppercase).
	EscapeEarly bool
}

// Request is what a token is checked against.
type Request struct {
	// Path is the request path as received, escaped
	// (r.URL.EscapedPath() or the raw request-line path).
	Path string
	// ClientIP is the client address (Caddy's client IP, which honours
	// trusted_proxies). Only consulted when a token has an ip field.
	ClientIP netip.Addr
	// Now is the verification time; zero means time.Now().
	Now time.Time
}

func (v *Verifier) skew() int64 {
	switch {
	case v.Skew == 0:
		return int64(DefaultSkew / time.Second)
	case v.Skew < 0:
		return 0
	}
	return int64(v.Skew / time.Second)
}

// Verify parses token and checks it against req: HMAC (any key), exp and
// st with skew, ip, and acl (or the URL in URL mode). It returns the
// parsed token, or the first reason it fails.
func (v *Verifier) Verify(token string, req Request) (*Token, *Failure) {
	t, f := parse(token, v.Delimiters)
	if f != nil {
		return nil, f
	}
	path, f := normalize(req.Path)
	if f != nil {
		return nil, f
	}
	now := req.Now
	if now.IsZero() {
		now = time.Now()
	}
	if f, ok := v.checkHMAC(t, path); !ok {
		return nil, f.ref()
	}
	if f, ok := v.checkTime(t, now); !ok {
		return nil, f.ref()
	}
	if f, ok := checkIP(t, req.ClientIP); !ok {
		return nil, f.ref()
	}
	if f, ok := v.checkACL(t, path); !ok {
		return nil, f.ref()
	}
	return t, nil
}

// Explain returns every reason token fails against req (empty if it is
// valid), for `caddy edgeauth verify` and debugging.
func (v *Verifier) Explain(token string, req Request) []Failure {
	t, f := parse(token, v.Delimiters)
	if f != nil {
		return []Failure{*f}
	}
	path, f := normalize(req.Path)
	if f != nil {
		return []Failure{*f}
	}
	now := req.Now
	if now.IsZero() {
		now = time.Now()
	}
	var out []Failure
	if f, ok := v.checkHMAC(t, path); !ok {
		out = append(out, f)
	}
	if f, ok := v.checkTime(t, now); !ok {
		out = append(out, f)
	}
	if t.HasStart && t.Start > now.Unix()+v.skew() && t.Expires < now.Unix()-v.skew() {
		// checkTime reports expiry first; a token can fail both ways.
		out = append(out, Failure{ReasonNotYetValid, "starts in " + seconds(t.Start-now.Unix())})
	}
	if f, ok := checkIP(t, req.ClientIP); !ok {
		out = append(out, f)
	}
	if f, ok := v.checkACL(t, path); !ok {
		out = append(out, f)
	}
	return out
}

func (v *Verifier) checkHMAC(t *Token, path string) (Failure, bool) {
	alg, ok := v.Algorithm.normal()
	if !ok {
		return Failure{ReasonBadHMAC, "unknown algorithm " + string(v.Algorithm)}, false
	}
	var buf [64]byte
	want, ok := decodeHex(buf[:], t.HMAC)
	if !ok || len(want) != alg.Size() {
		return Failure{ReasonBadHMAC, "hmac has " + itoa(int64(len(t.HMAC))) + " hex digits, " +
			string(alg) + " needs " + itoa(int64(2*alg.Size()))}, false
	}
	if len(v.Keys) == 0 {
		return Failure{ReasonBadHMAC, "no key configured"}, false
	}
	in := macInput{delim: v.Delimiters.field(), signed: t.Signed, salt: v.Salt}
	if t.ACL == "" {
		if !v.URLMode {
			// An acl-less token signs a URL, which is only checked in URL
			// mode; checkACL, which always runs, refuses this token.
			return Failure{}, true
		}
		in.hasURL = true
		for _, u := range v.urlCandidates(path) {
			in.url = u
			if v.anyKey(alg, &in, want) {
				return Failure{}, true
			}
		}
		return Failure{ReasonBadHMAC, "hmac does not match any key for url " + path}, false
	}
	if v.anyKey(alg, &in, want) {
		return Failure{}, true
	}
	return Failure{ReasonBadHMAC, "hmac does not match any key"}, false
}

func (v *Verifier) anyKey(alg Algorithm, in *macInput, want []byte) bool {
	for _, k := range v.Keys {
		if macMatches(alg, k, in, want) {
			return true
		}
	}
	return false
}

// urlCandidates lists the spellings of the request path that a URL-mode
// token may have signed: the canonical escaped path, the decoded path,
// and with EscapeEarly every escape_early spelling of the decoded path
// (earlyEscapings: Python, Node, Java, Ruby, PHP, Perl and classic generators).
func (v *Verifier) urlCandidates(path string) []string {
	out := make([]string, 0, 8)
	add := func(s string) {
		for _, o := range out {
			if o == s {
				return
			}
		}
		out = append(out, s)
	}
	add(path)
	dec, ok := unescape(path)
	if ok {
		add(dec)
	}
	if v.EscapeEarly && ok {
		for _, e := range earlyEscapings(dec) {
			add(e)
		}
	}
	return out
}

func (v *Verifier) checkTime(t *Token, now time.Time) (Failure, bool) {
	n, skew := now.Unix(), v.skew()
	if n > t.Expires+skew {
		return Failure{ReasonExpired, "expired " + seconds(n-t.Expires) + " ago"}, false
	}
	if t.HasStart && t.Start > n+skew {
		return Failure{ReasonNotYetValid, "starts in " + seconds(t.Start-n)}, false
	}
	return Failure{}, true
}

func checkIP(t *Token, client netip.Addr) (Failure, bool) {
	if t.IP == "" {
		return Failure{}, true
	}
	raw, ok := unescape(t.IP)
	if !ok {
		return Failure{ReasonMalformed, "ip field has an invalid percent-encoding"}, false
	}
	if !client.IsValid() {
		return Failure{ReasonIPMismatch, "token is bound to " + raw + " but the client IP is unknown"}, false
	}
	client = client.Unmap().WithZone("")
	if strings.IndexByte(raw, '/') >= 0 {
		pfx, err := netip.ParsePrefix(raw)
		if err != nil {
			return Failure{ReasonMalformed, "ip field is not an IP address or CIDR"}, false
		}
		if pfx.Addr().Is4In6() {
			pfx = netip.PrefixFrom(pfx.Addr().Unmap(), pfx.Bits()-96)
		}
		if pfx.Masked().Contains(client) {
			return Failure{}, true
		}
	} else {
		want, err := netip.ParseAddr(raw)
		if err != nil {
			return Failure{ReasonMalformed, "ip field is not an IP address or CIDR"}, false
		}
		if want.Unmap().WithZone("") == client {
			return Failure{}, true
		}
	}
	return Failure{ReasonIPMismatch, "token is bound to " + raw + ", client is " + client.String()}, false
}

func (v *Verifier) checkACL(t *Token, path string) (Failure, bool) {
	if t.ACL == "" {
		if v.URLMode {
			return Failure{}, true // the HMAC covers the path
		}
		return Failure{ReasonACLMismatch, "token has no acl and url_mode is off"}, false
	}
	if matchAnyACL(t.ACLs, path, v.Delimiters.acl()) {
		return Failure{}, true
	}
	return Failure{ReasonACLMismatch, "acl " + t.ACL + " does not cover " + path}, false
}

func seconds(n int64) string { return itoa(n) + " s" }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
