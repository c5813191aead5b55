package edgeauth

import (
	"reflect"
	"strings"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/modules/logging"
	"go.uber.org/zap/zapcore"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
)

func init() {
	caddy.RegisterModule(TokenFilter{})
}

// TokenFilter is a log field filter (caddy.logging.encoders.filter.edgeauth_tokens)
// that removes EdgeAuth tokens from a logged request URI or header values,
// whatever query parameter or header carries them. Caddy's access and error
// logs record the request as received, before edgeauth strips its token;
// this keeps tokens out of them:
//
//	log {
//	    format filter {
//	        request>uri edgeauth_tokens
//	        request>headers>Referer edgeauth_tokens
//	        request>headers>X-Edge-Token edgeauth_tokens
//	    }
//	}
type TokenFilter struct{}

// CaddyModule returns the Caddy module information.
func (TokenFilter) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "caddy.logging.encoders.filter.edgeauth_tokens",
		New: func() caddy.Module { return new(TokenFilter) },
	}
}

// UnmarshalCaddyfile sets up the filter from Caddyfile tokens. Syntax:
//
//	<field> edgeauth_tokens
func (f *TokenFilter) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // filter name
	if d.NextArg() {
		return d.ArgErr()
	}
	return nil
}

// Filter redacts tokens in a string field (a URI) or a string array field
// (header values).
func (TokenFilter) Filter(in zapcore.Field) zapcore.Field {
	if in.Type == zapcore.StringType {
		in.String = redact(in.String)
		return in
	}
	if v := reflect.ValueOf(in.Interface); v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.String {
		out := make(stringArray, v.Len())
		for i := range out {
			out[i] = redact(v.Index(i).String())
		}
		in.Interface = out
	}
	return in
}

// redact removes tokens from a URI or a bare header value, with the
// lookup that finds a token to verify (splitPair, tokenForms) and the
// parser that verifies it (edgetoken.ParsesAsToken): a value any of whose
// forms parses as a token, under any parameter name and any delimiters, is
// replaced. A bare value that is a token (a header token) is replaced
// whole; otherwise the query of a URI is filtered pair by pair and the rest
// is kept byte for byte.
//
// What merely looks like a token (an hmac field the verifier refuses as
// malformed: an empty acl, a bad expiry) is redacted too, by edgetoken's
// RedactURI/LooksLikeToken: a refused token still carries a valid HMAC of
// something, so the log keeps neither.
func redact(s string) string {
	if isToken(strings.TrimSpace(s)) || edgetoken.LooksLikeToken(s) && !strings.Contains(s, "?") {
		return edgetoken.Redacted
	}
	return edgetoken.RedactURI(redactPairs(s))
}

// redactPairs replaces the query pairs whose name or value the lookup takes
// as a token.
func redactPairs(s string) string {
	p, q, ok := strings.Cut(s, "?")
	if !ok {
		return s
	}
	pairs := strings.Split(q, "&")
	changed := false
	for i, pair := range pairs {
		k, v := splitPair(pair)
		switch {
		case isToken(k):
			pairs[i], changed = edgetoken.Redacted, true
		case isToken(v):
			pairs[i], changed = k+"="+edgetoken.Redacted, true
		}
	}
	if !changed {
		return s
	}
	return p + "?" + strings.Join(pairs, "&")
}

// isToken reports whether a form of the raw value v parses as a token.
func isToken(v string) bool {
	for _, f := range tokenForms(v) {
		if edgetoken.ParsesAsToken(f) {
			return true
		}
	}
	return false
}

// stringArray is logged as an array of strings, like Caddy's header values.
type stringArray []string

func (a stringArray) MarshalLogArray(enc zapcore.ArrayEncoder) error {
	for _, s := range a {
		enc.AppendString(s)
	}
	return nil
}

// Interface guards
var (
	_ logging.LogFieldFilter = (*TokenFilter)(nil)
	_ caddyfile.Unmarshaler  = (*TokenFilter)(nil)
)
